"""A sitemap listing 100,000 article URLs: what discovering them costs in run 1 (none
known), and what checking them costs in run 2 (all known), in time and memory.

- Discovery, in this process, run 1 and run 2: the crawl's own steps for one sitemap
  (crawler.listings.parse_sitemap, then url_key and the batched known-URL lookup that
  the spider does before it builds requests), timed, and again under tracemalloc for
  the peak of memory it allocates.
- Run 2 end to end: the real `chipwatch crawl` against the sitemap with every URL
  already final in the database (nothing to fetch), its wall time (held to the 5 s
  target with the process's start-up included) and its main process's peak RSS, next
  to the same command against an empty sitemap (the extra memory the 100,000 URLs
  cost). The sitemap is served without validators, as a news
  sitemap that changed since the last run: the crawl must read and check it in full.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

from sqlalchemy import insert

from bench.crawl import DB_NAME, run_crawl, write_config
from crawler.listings import parse_sitemap
from crawler.urls import canonicalize, url_key
from storage import UrlState, known_keys, open_database
from storage.models import utcnow
from storage.schema import create_if_missing

SOURCE = "Bench News"  # the source name bench/crawl.py's config gives


@dataclass
class BigMapResult:
    urls: int
    sitemap_mib: float
    run1_seconds: float  # discovery, none known
    run1_peak_mib: float  # tracemalloc peak
    run2_seconds: float  # discovery, all known
    run2_peak_mib: float
    cli_seconds: float  # run 2 end to end (real CLI)
    cli_main_rss_mib: float
    empty_cli_seconds: float  # the same command, empty sitemap
    empty_cli_main_rss_mib: float
    cli_exit: int


# URLs per child sitemap: an index of several, as sites split their sitemaps (the
# protocol allows 50,000 per file, and 50 MB: the crawl's `max_listing_bytes`)
PER_CHILD = 25_000


def sitemap_body(base: str, numbers: range) -> bytes:
    rows = "".join(
        f"<url><loc>{base}/news/2026/11/bench-article-{n}.html</loc>"
        f"<lastmod>2026-11-{1 + n % 28:02d}T08:00:00+00:00</lastmod></url>\n"
        for n in numbers
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</urlset>\n"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies: dict[str, bytes] = {}

    def do_GET(self) -> None:  # name fixed by http.server
        body = self.bodies.get(self.path)
        self.send_response(200 if body is not None else 404)
        body = body if body is not None else b"not found\n"
        self.send_header(
            "Content-Type", "application/xml" if self.path != "/robots.txt" else "text/plain"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def index_body(base: str, children: list[str]) -> bytes:
    rows = "".join(f"<sitemap><loc>{base}{path}</loc></sitemap>\n" for path in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</sitemapindex>\n"
    ).encode()


def discover(database_url: str, bodies: list[bytes]) -> tuple[int, int]:
    """The crawl's work for each child sitemap: parse, key, look up. (URLs, known)."""
    urls = known = 0
    sessions = open_database(database_url)
    for body in bodies:
        listing = parse_sitemap(body)
        # as NewsSpider.article_requests does before it builds any request
        keys = {url_key(canonicalize(entry.url)) for entry in listing.entries}
        with sessions() as session:
            known += len(known_keys(session, keys))
        urls += len(keys)
    return urls, known


def _timed(database_url: str, bodies: list[bytes]) -> tuple[float, float]:
    canonicalize.cache_clear()  # each run starts as a new crawl process does
    started = time.perf_counter()
    discover(database_url, bodies)
    seconds = time.perf_counter() - started
    canonicalize.cache_clear()
    tracemalloc.start()
    discover(database_url, bodies)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def _mark_known(database_url: str, urls: list[str]) -> None:
    now = utcnow()
    rows = [
        {
            "key": url_key(u),
            "url": u,
            "source": SOURCE,
            "kind": "article",
            "outcome": "skipped:bench",
            "final": True,
            "failures": 0,
            "first_seen": now,
        }
        for u in urls
    ]
    with open_database(database_url).begin() as session:
        session.execute(insert(UrlState), rows)


def run(count: int, folder: Path) -> BigMapResult:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    base = f"http://{host!s}:{port}"
    children = {
        f"/sitemaps/part-{n}.xml": sitemap_body(base, range(start, min(start + PER_CHILD, count)))
        for n, start in enumerate(range(0, count, PER_CHILD))
    }
    bodies = list(children.values())
    _Handler.bodies = {
        "/robots.txt": b"User-agent: *\nAllow: /\n",
        "/sitemap.xml": index_body(base, list(children)),
        "/empty.xml": sitemap_body(base, range(0)),
        **children,
    }
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        full = write_config(folder / "full", base, sitemap="/sitemap.xml")
        empty = write_config(folder / "empty", base, sitemap="/empty.xml")
        database_url = f"sqlite:///{full.parent / DB_NAME}"
        create_if_missing(database_url)
        run1 = _timed(database_url, bodies)
        _mark_known(
            database_url,
            [canonicalize(e.url) for body in bodies for e in parse_sitemap(body).entries],
        )
        run2 = _timed(database_url, bodies)
        cli = run_crawl(full)
        baseline = run_crawl(empty)
    finally:
        server.shutdown()
        server.server_close()
    return BigMapResult(
        urls=count,
        sitemap_mib=sum(len(body) for body in bodies) / 2**20,
        run1_seconds=run1[0],
        run1_peak_mib=run1[1],
        run2_seconds=run2[0],
        run2_peak_mib=run2[1],
        cli_seconds=cli.seconds,
        cli_main_rss_mib=cli.main_rss_mib,
        empty_cli_seconds=baseline.seconds,
        empty_cli_main_rss_mib=baseline.main_rss_mib,
        cli_exit=cli.exit_code,
    )


def report(r: BigMapResult) -> list[str]:
    extra = r.cli_main_rss_mib - r.empty_cli_main_rss_mib
    check_met = r.run2_seconds < 5 and r.run2_peak_mib < 100
    return [
        f"sitemaps listing {r.urls:,} URLs ({r.sitemap_mib:.1f} MiB, {PER_CHILD:,} a file)",
        f"  run 1 discovery (none known)   {r.run1_seconds:.2f} s, peak {r.run1_peak_mib:.0f} MiB"
        " allocated",
        f"  run 2 check (all known)        {r.run2_seconds:.2f} s, peak {r.run2_peak_mib:.0f} MiB"
        f" allocated  (target < 5 s, < 100 MB: {'met' if check_met else 'NOT MET'})",
        f"  run 2, `chipwatch crawl`       {r.cli_seconds:.2f} s (exit {r.cli_exit}; target"
        f" < 5 s, start-up included: {'met' if r.cli_seconds < 5 else 'NOT MET'}), main "
        f"process {r.cli_main_rss_mib:.0f} MiB; empty sitemap {r.empty_cli_seconds:.2f} s, "
        f"{r.empty_cli_main_rss_mib:.0f} MiB: {extra:+.0f} MiB for the URLs"
        f"  (target < 100 MB: {'met' if extra < 100 else 'NOT MET'})",
    ]
