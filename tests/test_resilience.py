"""A crawl killed with SIGKILL mid-run leaves no half-written article; the next run
finishes the rest without fetching again what was stored."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite
from crawler.pool import extraction_pool
from tests.conftest import FAST_CRAWL, chipwatch, source_block, write_config
from tests.gates import held_answers, nth_article

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"


def count_articles(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def wait_for_articles(db: Path, crawl: subprocess.Popen[Any], seconds: float = 60) -> None:
    """Until the crawl has committed an article (it must still be running)."""
    deadline = time.monotonic() + seconds
    while count_articles(db) == 0:
        assert crawl.poll() is None, "the crawl ended before it could be stopped"
        assert time.monotonic() < deadline, "the crawl stored no article"
        time.sleep(0.02)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_sigkill_mid_crawl_then_rerun(tmp_path: Path) -> None:
    site = NewsSite(DEMO_ARTICLES)
    with NewsServer(site) as server:
        base = server.base_url
        # one request at a time, 0.5 s apart: the crawl takes seconds, so it can be
        # killed after its first batch is committed and before its last.
        slow = FAST_CRAWL.replace(
            "delay = 0", "delay = 0.5\nautothrottle = false\nper_host_concurrency = 1"
        )
        config = write_config(
            tmp_path,
            slow + source_block("Demo", feeds=[f"{base}/feeds/rss.xml"], follow=ARTICLE_PATTERN),
        )
        db = tmp_path / "chipwatch.db"
        argv = [sys.executable, "-m", "chipwatch", "--config", str(config), "crawl"]
        # The last article's answer waits until the kill: the crawl cannot finish first.
        with held_answers(server, nth_article(len(DEMO_ARTICLES))) as last_article:
            crawl = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            assert last_article.arrived.wait(60), "the crawl did not request every article"
            wait_for_articles(db, crawl)
            workers = children(crawl.pid)
            assert workers  # extraction already ran in worker processes
            crawl.send_signal(signal.SIGKILL)
            crawl.wait(timeout=10)
        # the extraction workers notice their parent is gone and leave too
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if alive(pid)] == []

        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = dict(conn.execute("SELECT url, length(text) FROM articles").fetchall())
            assert 0 < len(stored) < len(DEMO_ARTICLES)
            assert all(length > 200 for length in stored.values())
            # every stored article has its URL row, written in the same transaction
            assert conn.execute(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM urls u WHERE u.article_id = a.id)"
            ).fetchone() == (0,)
            assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("running",)]

        server.clear_log()
        rerun = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        refetched = {base + r.path for r in server.log} & set(stored)
        assert refetched == set()
        # the killed run saved no feed validators, so the feed is read in full again
        feed_requests = [r for r in server.log if r.path == "/feeds/rss.xml"]
        assert [r.status for r in feed_requests] == [200]

    with sqlite3.connect(db) as conn:
        urls = {url for (url,) in conn.execute("SELECT url FROM articles")}
        assert urls == set(site.article_urls(base))
    stats = chipwatch(config, "stats", "--runs", "2")
    assert "Last run #2" in stats.stdout


def test_ctrl_c_mid_crawl_stops_it_without_a_traceback(tmp_path: Path) -> None:
    site = NewsSite(DEMO_ARTICLES)
    with NewsServer(site) as server:
        slow = FAST_CRAWL.replace(
            "delay = 0", "delay = 0.5\nautothrottle = false\nper_host_concurrency = 1"
        )
        config = write_config(
            tmp_path,
            slow
            + source_block(
                "Demo", feeds=[f"{server.base_url}/feeds/rss.xml"], follow=ARTICLE_PATTERN
            ),
        )
        db = tmp_path / "chipwatch.db"
        argv = [sys.executable, "-m", "chipwatch", "--config", str(config), "crawl"]
        # its own process group, as a terminal's foreground job: Ctrl-C reaches them all
        # The last article's answer waits until Ctrl-C: the crawl cannot finish first.
        with held_answers(server, nth_article(len(DEMO_ARTICLES))) as last_article:
            crawl = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            assert last_article.arrived.wait(60), "the crawl did not request every article"
            wait_for_articles(db, crawl)
            assert children(crawl.pid)  # the extraction workers run
            os.killpg(crawl.pid, signal.SIGINT)
        _, stderr = crawl.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    assert "KeyboardInterrupt" not in stderr, stderr
    # stopped, not completed: cron and scripts see it in the exit status
    assert crawl.returncode == 130, stderr
    assert "crawl interrupted" in stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0


def test_an_extraction_worker_still_starting_survives_ctrl_c() -> None:
    """Ctrl-C in a terminal reaches the whole process group, the extraction workers
    included. The pool starts its workers lazily, as pages come, so a Ctrl-C can find
    one still importing its modules: it must not die of it (with a traceback on the
    user's terminal, as a crawl interrupted at that moment once printed)."""
    pool = extraction_pool(1)
    try:
        before = set(children(os.getpid()))
        future = pool.submit(os.getpid)  # starts the worker, and returns at once
        started = set(children(os.getpid())) - before  # the worker (and the resource tracker)
        assert started
        for pid in started:
            os.kill(pid, signal.SIGINT)
        assert future.result(timeout=60) in started
    finally:
        pool.shutdown()
