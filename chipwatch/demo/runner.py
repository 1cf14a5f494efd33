"""`chipwatch demo`: the whole pipeline, offline. A local news site (our own demo
articles, with feeds, a news sitemap and a section page) is served on 127.0.0.1 and
crawled twice into a throwaway database: the first run stores the articles, the second
shows the incremental crawl (conditional requests, nothing refetched)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"


def demo_config(base_url: str) -> str:
    return f"""# chipwatch demo: a local news site on {base_url}
[database]
url = "sqlite:///demo.db"

[crawl]
delay = 0            # our own local server: no need to wait between requests
max_article_age_days = 0

[[sources]]
name = "Demo News"
language = "de"
feeds = ["{base_url}/feeds/rss.xml", "{base_url}/feeds/atom.xml"]
sitemaps = ["{base_url}/sitemap_index.xml"]
pages = ["{base_url}/thema/chips/"]
follow = '{ARTICLE_PATTERN}'
"""


def run_demo(console: Console, keep: Path | None = None) -> None:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        _demo_in(console, keep.resolve())
        return
    with tempfile.TemporaryDirectory(prefix="chipwatch-demo-") as folder:
        _demo_in(console, Path(folder))


def _demo_in(console: Console, folder: Path) -> None:
    with NewsServer(NewsSite(DEMO_ARTICLES, name="Chipwatch Demo News")) as server:
        config = folder / "chipwatch.toml"
        config.write_text(demo_config(server.base_url), encoding="utf-8")
        console.print(f"Demo news site on {server.base_url}; config and database in {folder}")
        for label in ("First crawl", "Second crawl (incremental)"):
            server.clear_log()
            _chipwatch(config, "crawl")
            conditional = sum(
                1
                for r in server.log
                if "if-none-match" in r.headers or "if-modified-since" in r.headers
            )
            articles = sum(1 for r in server.log if r.path.startswith("/news/"))
            console.print(
                f"[bold]{label}[/bold]: {len(server.log)} requests to the site, "
                f"{conditional} conditional, {articles} article pages fetched"
            )
        console.print()
        console.print(_chipwatch(config, "stats"))
        console.print("[bold]chipwatch search 'huawei OR cambricon'[/bold]")
        console.print(_chipwatch(config, "search", "huawei OR cambricon", "--limit", "3"))


def _chipwatch(config: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "chipwatch", "--config", str(config), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"chipwatch {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.rstrip()
