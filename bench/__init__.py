"""`python -m bench`: end-to-end crawl throughput of chipwatch against a generated local
news site, next to a Trafilatura-only baseline on the same pages (see bench/__main__.py)."""
