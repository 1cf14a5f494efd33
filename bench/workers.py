"""Benchmark: 1 vs 2 vs 4 crawl workers on one shared frontier (Redis), against a local
site whose every answer waits (I/O bound, as a real crawl of far-away hosts is).

    python -m bench.workers [--articles N] [--delay SECONDS] [--workers 1,2,4] [--json PATH]

Each worker count crawls the same generated site into a fresh SQLite database through
the real CLI (`chipwatch crawl --workers N`); pages/s counts every request the site
answered (listings and articles) over the wall time of the whole command, worker start
and the drain at the end included. Needs Redis at --redis (default
redis://127.0.0.1:6379/0); the run uses keys of its own prefix and deletes them after.
Nothing here asserts on timings; the exit status is 1 only when a crawl failed or did
not store every article.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.crawl import ARTICLE_PATTERN
from bench.site import generate_articles
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import ARTICLE_PATH_RE, NewsSite
from crawler.frontier import FrontierError, connect

PER_WORKER_CONCURRENCY = 4


@dataclass
class WorkersRun:
    workers: int
    seconds: float
    exit_code: int
    requests: int
    article_requests: int
    stored: int
    pages_per_second: float  # over the whole command
    fetch_seconds: float  # first to last request the site saw
    fetch_pages_per_second: float
    until_first_request: float  # process start, config, Redis, first listing
    after_last_request: float  # extraction of the last pages, store, drain, exit
    speedup: float = 1.0  # pages/s over the whole command, against the first count


def write_config(folder: Path, base: str, redis_url: str, prefix: str) -> Path:
    config = folder / "chipwatch.toml"
    config.write_text(
        f"""[database]
url = "sqlite:///workers.db"

[crawl]
delay = 0
autothrottle = false
concurrency = {PER_WORKER_CONCURRENCY}
per_host_concurrency = {PER_WORKER_CONCURRENCY}
max_article_age_days = 0
extract_workers = 1
retries = 1
redis_url = "{redis_url}"
redis_prefix = "{prefix}"

[[sources]]
name = "Bench News"
language = "de"
sitemaps = ["{base}/sitemap_index.xml"]
follow = '{ARTICLE_PATTERN}'
""",
        encoding="utf-8",
    )
    return config


def crawl_with(
    workers: int, server: NewsServer, folder: Path, redis_url: str, prefix: str
) -> WorkersRun:
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, server.base_url, redis_url, prefix)
    server.clear_log()
    started = time.perf_counter()
    started_clock = time.monotonic()  # the server log's clock
    result = subprocess.run(
        [sys.executable, "-m", "chipwatch", "--config", str(config), "crawl"]
        + ["--workers", str(workers)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    ended_clock = time.monotonic()
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
    log = server.log
    stored = _stored(folder / "workers.db")
    fetching = log[-1].at - log[0].at if len(log) > 1 else 0.0
    return WorkersRun(
        workers=workers,
        seconds=round(seconds, 2),
        exit_code=result.returncode,
        requests=len(log),
        article_requests=sum(1 for r in log if ARTICLE_PATH_RE.search(r.path)),
        stored=stored,
        pages_per_second=round(len(log) / seconds, 1) if seconds else 0.0,
        fetch_seconds=round(fetching, 2),
        fetch_pages_per_second=round(len(log) / fetching, 1) if fetching else 0.0,
        until_first_request=round(log[0].at - started_clock, 2) if log else 0.0,
        after_last_request=round(ended_clock - log[-1].at, 2) if log else 0.0,
    )


def _stored(db: Path) -> int:
    import sqlite3
    from contextlib import closing

    if not db.exists():
        return 0
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


def run(
    articles: int, delay: float, counts: Sequence[int], redis_url: str, folder: Path
) -> list[WorkersRun]:
    client = connect(redis_url)
    prefix = f"chipwatch-bench-{secrets.token_hex(3)}"
    site = NewsSite(generate_articles(articles), name="Bench News", max_feed_items=50)
    results = []
    try:
        with NewsServer(site, delay=delay) as server:
            site.render(server.base_url)
            for n in counts:
                _progress(f"{n} worker(s) …")
                results.append(crawl_with(n, server, folder / f"workers-{n}", redis_url, prefix))
                _progress(f"{n} worker(s): {results[-1].seconds:.1f} s")
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
    base = results[0].pages_per_second if results else 0.0
    for r in results:
        r.speedup = round(r.pages_per_second / base, 2) if base else 0.0
    return results


def report(results: Sequence[WorkersRun], articles: int, delay: float) -> list[str]:
    lines = [
        f"workers on one frontier: {articles} articles, {delay * 1000:.0f} ms per answer, "
        f"{PER_WORKER_CONCURRENCY} requests in flight per worker",
        "(wall: the whole command, process start and drain included; fetching: first to "
        "last request the site saw)",
        f"{'workers':>7}  {'requests':>8}  {'stored':>6}  {'wall s':>7}  {'pages/s':>7}  "
        f"{'speed-up':>8}  {'fetching s':>10}  {'pages/s':>7}",
    ]
    first = results[0] if results else None
    for r in results:
        flag = "" if r.exit_code == 0 and r.stored == articles else "  NOT OK"
        fetch_up = (
            r.fetch_pages_per_second / first.fetch_pages_per_second
            if first and first.fetch_pages_per_second
            else 0.0
        )
        lines.append(
            f"{r.workers:>7}  {r.requests:>8}  {r.stored:>6}  {r.seconds:>7.2f}  "
            f"{r.pages_per_second:>7.1f}  {r.speedup:>7.2f}x  {r.fetch_seconds:>10.2f}  "
            f"{r.fetch_pages_per_second:>7.1f} ({fetch_up:.2f}x)  "
            f"[start {r.until_first_request:.1f} s, end {r.after_last_request:.1f} s]{flag}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds per answer")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", type=Path, metavar="PATH")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    try:
        with tempfile.TemporaryDirectory(prefix="chipwatch-workers-") as folder:
            results = run(args.articles, args.delay, counts, args.redis, Path(folder))
    except FrontierError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report(results, args.articles, args.delay)))
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    ok = all(r.exit_code == 0 and r.stored == args.articles for r in results)
    return 0 if ok else 1


def _progress(message: str) -> None:
    print(f"[bench.workers] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
