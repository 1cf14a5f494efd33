"""Several crawl workers, one frontier: the real CLI in worker processes, scrapy-redis on
the real local Redis, one database (SQLite in WAL mode, and PostgreSQL), and a generated
news site whose request log says who fetched what."""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from scrapy import Request, Spider

from bench.site import generate_articles
from chipwatch.demo.server import LoggedRequest, NewsServer
from chipwatch.demo.site import ARTICLE_PATH_RE, NewsSite
from crawler.frontier import FrontierError, RunKeys, connect, join_run
from tests.conftest import chipwatch, write_config
from tests.gates import held_answers

REDIS_URL = "redis://127.0.0.1:6379/0"
PG_ADMIN = "host=127.0.0.1 port=5432 dbname=test"
ARTICLES = 30
ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"
VICTIM_AGENT = "chipwatch-test-victim"


def _redis_or_skip() -> redis.Redis:
    try:
        return connect(REDIS_URL)
    except FrontierError as exc:
        pytest.skip(f"Redis at 127.0.0.1:6379 is not reachable: {exc}")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    client = _redis_or_skip()
    name = f"chipwatch-test-{secrets.token_hex(4)}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"chipwatch_test_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 (database test) is not reachable: {exc}")
    with closing(admin):
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield f"postgresql+psycopg://127.0.0.1:5432/{name}"
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Web:
    server: NewsServer
    site: NewsSite

    def article_requests(self, log: list[LoggedRequest] | None = None) -> Counter[str]:
        entries = self.server.log if log is None else log
        return Counter(r.path for r in entries if ARTICLE_PATH_RE.search(r.path))

    def listing_requests(self) -> Counter[str]:
        return Counter(
            r.path
            for r in self.server.log
            if not ARTICLE_PATH_RE.search(r.path) and r.path != "/robots.txt"
        )

    def when_articles_requested(self, count: int) -> threading.Event:
        """An event set once `count` article requests have reached the server."""
        reached = threading.Event()
        record = self.server.record

        def counting(entry: LoggedRequest) -> None:
            record(entry)
            if len(self.article_requests()) >= count:
                reached.set()

        self.server.record = counting  # type: ignore[method-assign]
        return reached


def _web(delay: float) -> Iterator[Web]:
    # Every answer waits: an I/O-bound site, so the work spreads over the workers.
    site = NewsSite(generate_articles(ARTICLES), name="Frontier News", max_feed_items=50)
    with NewsServer(site, delay=delay) as server:
        site.render(server.base_url)
        yield Web(server, site)


@pytest.fixture
def web() -> Iterator[Web]:
    yield from _web(0.1)


@pytest.fixture
def slow_web() -> Iterator[Web]:
    """Slow enough that one worker alone needs longer than a second one takes to start."""
    yield from _web(0.3)


def frontier_config(
    folder: Path, base: str, prefix: str, database: str, *, worker_timeout: int = 30
) -> Path:
    return write_config(
        folder,
        f"""
[database]
url = "{database}"

[crawl]
delay = 0
autothrottle = false
concurrency = 1              # one request at a time per worker: the site's pages spread
per_host_concurrency = 1
retries = 1
timeout = 10
extract_workers = 1
max_article_age_days = 0
redis_url = "{REDIS_URL}"
redis_prefix = "{prefix}"
worker_timeout = {worker_timeout}

[[sources]]
name = "Frontier News"
language = "de"
feeds = ["{base}/feeds/rss.xml"]
sitemaps = ["{base}/sitemap_index.xml"]
pages = ["{base}/thema/chips/"]
follow = '{ARTICLE_PATTERN}'
""",
    )


class Database:
    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite"):
            with closing(sqlite3.connect(self.folder / "chipwatch.db")) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url.replace("postgresql+psycopg", "postgresql")) as conn:
            return conn.execute(sql).fetchall()

    def stored_urls(self) -> list[str]:
        return [url for (url,) in self.rows("SELECT url FROM articles")]

    def requests_per_run(self) -> dict[int, int]:
        """Requests each worker sent (one crawl run row per worker process)."""
        rows = self.rows("SELECT run_id, requests FROM crawl_run_sources ORDER BY run_id")
        return dict(rows)


def _database(request: pytest.FixtureRequest, folder: Path) -> Database:
    if request.param == "sqlite":
        return Database("sqlite:///chipwatch.db", folder)
    url = request.getfixturevalue("postgres_url")
    return Database(url, folder)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    return _database(request, tmp_path)


def _start_worker(config: Path, name: str) -> subprocess.Popen[str]:
    """`chipwatch crawl --worker` in a process group of its own (with its extraction
    workers), so that it can be killed whole."""
    return subprocess.Popen(
        [sys.executable, "-m", "chipwatch", "--config", str(config), "crawl", "--worker"]
        + ["--name", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 90) -> tuple[int, str]:
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        pytest.fail(f"worker did not finish in {timeout} s: {stderr[-2000:]}")
    return proc.returncode, stderr


def _migrate(database: Database, config: Path) -> None:
    if not database.url.startswith("sqlite"):
        done = chipwatch(config, "db", "upgrade")
        assert done.returncode == 0, done.stderr


# ---- the whole crawl ----------------------------------------------------------------


def test_two_workers_fetch_every_url_once_and_a_second_run_fetches_no_article(
    web: Web, prefix: str, database: Database, tmp_path: Path
) -> None:
    config = frontier_config(tmp_path, web.server.base_url, prefix, database.url)
    _migrate(database, config)

    first = chipwatch(config, "crawl", "--workers", "2", timeout=120)

    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # silent under cron
    expected = sorted(web.site.article_urls(web.server.base_url))
    assert sorted(database.stored_urls()) == expected
    requested = web.article_requests()
    assert len(requested) == ARTICLES
    assert set(requested.values()) == {1}, "an article URL was requested twice"
    assert set(web.listing_requests().values()) == {1}, "a listing was requested twice"
    shares = database.requests_per_run()
    assert len(shares) == 2
    assert all(count > 0 for count in shares.values()), f"a worker did nothing: {shares}"
    assert sum(shares.values()) == sum(web.listing_requests().values()) + ARTICLES

    web.server.clear_log()
    second = chipwatch(config, "crawl", "--workers", "2", timeout=120)

    assert second.returncode == 0, second.stderr
    assert web.article_requests() == Counter()
    assert sorted(database.stored_urls()) == expected


def test_a_killed_worker_leaves_no_url_behind(web: Web, prefix: str, tmp_path: Path) -> None:
    config = frontier_config(tmp_path, web.server.base_url, prefix, "sqlite:///chipwatch.db")
    config.write_text(config.read_text().replace("worker_timeout = 30", "worker_timeout = 3"))
    database = Database("sqlite:///chipwatch.db", tmp_path)
    # the victim's own user agent, so the server can tell its requests from the survivor's
    victim_config = tmp_path / "victim.toml"
    victim_config.write_text(
        config.read_text().replace("[crawl]\n", f'[crawl]\nuser_agent = "{VICTIM_AGENT}"\n', 1)
    )
    chipwatch(config, "db", "upgrade")

    def victims_article(entry: LoggedRequest) -> bool:
        return bool(ARTICLE_PATH_RE.search(entry.path)) and (
            entry.headers.get("user-agent") == VICTIM_AGENT
        )

    # Killed while its article's answer waits: it surely dies holding a request.
    with held_answers(web.server, victims_article) as victims_request:
        survivor = _start_worker(config, "survivor")
        victim = _start_worker(victim_config, "victim")
        assert victims_request.arrived.wait(60), "the victim never took an article"
        os.killpg(victim.pid, signal.SIGKILL)
        victim.communicate()
    code, stderr = _finish(survivor)

    assert code == 0, stderr
    expected = sorted(web.site.article_urls(web.server.base_url))
    assert sorted(database.stored_urls()) == expected
    assert set(web.article_requests()) == {u.removeprefix(web.server.base_url) for u in expected}
    assert database.rows("SELECT url FROM urls WHERE outcome = 'pending'") == []
    # The victim died holding requests (one in flight, a batch not yet committed): the
    # survivor sent them round again once the run was drained.
    swept = database.rows(
        "SELECT counters FROM crawl_runs WHERE counters LIKE '%chipwatch_frontier/swept%'"
    )
    assert len(swept) == 1, "nothing was lost by the killed worker, so nothing was swept"


def test_a_worker_started_late_joins_and_works(slow_web: Web, prefix: str, tmp_path: Path) -> None:
    web = slow_web
    config = frontier_config(tmp_path, web.server.base_url, prefix, "sqlite:///chipwatch.db")
    database = Database("sqlite:///chipwatch.db", tmp_path)
    chipwatch(config, "db", "upgrade")
    some = web.when_articles_requested(3)
    early = _start_worker(config, "early")
    assert some.wait(60), "the first worker never got going"
    late = _start_worker(config, "late")

    results = [_finish(early), _finish(late)]

    assert [code for code, _ in results] == [0, 0], results
    assert len(database.stored_urls()) == ARTICLES
    assert set(web.article_requests().values()) == {1}
    shares = database.requests_per_run()
    assert len(shares) == 2
    assert all(count > 0 for count in shares.values()), f"a worker did nothing: {shares}"


# ---- errors -------------------------------------------------------------------------


def test_unreachable_redis_is_one_line(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
[database]
url = "sqlite:///chipwatch.db"
[crawl]
redis_url = "redis://127.0.0.1:1/0"
[[sources]]
name = "Nowhere"
feeds = ["http://127.0.0.1:1/feed.xml"]
""",
    )
    for args in (["crawl"], ["crawl", "--worker"], ["crawl", "--workers", "2"]):
        result = chipwatch(config, *args, timeout=60)
        assert result.returncode == 1, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert lines[0].startswith("Error: redis://127.0.0.1:1/0: cannot use Redis:")


def test_workers_need_a_shared_frontier(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
[[sources]]
name = "Nowhere"
feeds = ["http://127.0.0.1:1/feed.xml"]
""",
    )
    result = chipwatch(config, "crawl", "--workers", "2")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {config}: --workers needs a shared frontier: set [crawl] redis_url "
        '(e.g. "redis://127.0.0.1:6379/0")'
    )


# ---- the parts, against the real Redis ------------------------------------------------


def test_workers_agree_on_one_run_until_it_is_done(prefix: str) -> None:
    first = join_run(REDIS_URL, prefix, 30, "a")
    second = join_run(REDIS_URL, prefix, 30, "b")
    assert first.run == second.run
    assert first.worker != second.worker
    client = connect(REDIS_URL)
    client.set(first.done, "1")
    third = join_run(REDIS_URL, prefix, 30, "c")
    assert third.run != first.run
    assert client.ttl(third.queue) > 0 or not client.exists(third.queue)
    assert client.ttl(third.workers) > 0  # every run key expires


class _Spider(Spider):
    name = "frontier-test"

    def parse(self, response: Any) -> None:
        pass


def _scheduler(prefix: str) -> tuple[Any, RunKeys]:
    from scrapy.utils.test import get_crawler

    from crawler.frontier import SharedScheduler, frontier_settings

    keys = join_run(REDIS_URL, prefix, 30, "unit")
    crawler = get_crawler(_Spider, frontier_settings(REDIS_URL, keys, 30))
    crawler.spider = crawler._create_spider()
    scheduler = SharedScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler, keys


def test_every_new_url_passes_the_shared_filter_but_retries_and_redirects_do_not(
    prefix: str,
) -> None:
    scheduler, keys = _scheduler(prefix)
    spider = scheduler.spider
    url = "http://127.0.0.1:1/news/2026/01/a.html"

    assert scheduler.enqueue_request(Request(url, callback=spider.parse, dont_filter=True))
    assert not scheduler.enqueue_request(Request(url, callback=spider.parse, dont_filter=True))
    retry = Request(url, callback=spider.parse, dont_filter=True, meta={"retry_times": 1})
    assert scheduler.enqueue_request(retry)
    swept = Request(url, callback=spider.parse, meta={"chipwatch_sweep": True})
    assert scheduler.enqueue_request(swept)
    assert len(scheduler.queue) == 3


def test_an_unserializable_request_is_refused_before_it_is_marked_seen(prefix: str) -> None:
    scheduler, keys = _scheduler(prefix)
    url = "http://127.0.0.1:1/news/2026/01/b.html"

    def not_a_spider_method(response: Any) -> None:
        pass

    assert not scheduler.enqueue_request(Request(url, callback=not_a_spider_method))
    assert scheduler.enqueue_request(Request(url, callback=scheduler.spider.parse))


def test_popping_a_request_marks_the_worker_busy(prefix: str) -> None:
    scheduler, keys = _scheduler(prefix)
    client = connect(REDIS_URL)
    client.set(keys.worker_state(), "idle")
    assert scheduler.next_request() is None
    assert client.get(keys.worker_state()) == b"idle"

    scheduler.enqueue_request(Request("http://127.0.0.1:1/c", callback=scheduler.spider.parse))
    popped = scheduler.next_request()

    assert popped is not None
    assert popped.url == "http://127.0.0.1:1/c"
    assert client.get(keys.worker_state()) == b"busy"
