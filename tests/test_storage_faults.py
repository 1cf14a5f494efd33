"""A crawl whose database fails (locked by another program, read-only, on a full disk)
says so in one line, exits non-zero, keeps no listing validators for what it could not
store, and a rerun after the fault is gone stores every article the listings offer."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite
from tests.conftest import FAST_CRAWL, chipwatch, source_block, write_config
from tests.gates import held_answers, nth_article

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"
EXIT_RUN_FAILED = 3


def crawl_config(folder: Path, base: str, *, database: str, slow: bool = False) -> Path:
    body = FAST_CRAWL.replace('url = "sqlite:///chipwatch.db"', f'url = "{database}"')
    if slow:  # one request at a time, so a fault can strike mid-crawl
        body = body.replace(
            "delay = 0", "delay = 0.3\nautothrottle = false\nper_host_concurrency = 1"
        )
    feed = f"{base}/feeds/rss.xml"
    return write_config(folder, body + source_block("Demo", feeds=[feed], follow=ARTICLE_PATTERN))


def stored_urls(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {url for (url,) in conn.execute("SELECT url FROM articles")}


def feed_validators(db: Path) -> list[tuple[str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT etag FROM urls WHERE kind = 'feed'").fetchall()


def assert_one_error_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == EXIT_RUN_FAILED, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: storage:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


@contextmanager
def write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """Another program holding SQLite's write lock."""
    conn = sqlite3.connect(db, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")
        conn.close()


def test_lock_held_mid_crawl_delays_a_batch_but_loses_nothing(tmp_path: Path) -> None:
    site = NewsSite(DEMO_ARTICLES)
    with NewsServer(site) as server, held_answers(server, nth_article(1)) as first_article:
        config = crawl_config(
            tmp_path, server.base_url, database="sqlite:///chipwatch.db?timeout=1", slow=True
        )
        db = tmp_path / "chipwatch.db"
        argv = ["crawl"]
        crawl = subprocess.Popen(
            [*_python_cli(config), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        # Taken while the first article's answer waits: no article can be stored before
        # it, so the first batch meets it, waits out SQLite's 1 s timeout and fails.
        assert first_article.arrived.wait(60), "the crawl requested no article"
        with write_lock(db):
            first_article.open()
            assert _logged(tmp_path / "chipwatch.log", "storage: cannot store", deadline=60)
        out, err = crawl.communicate(timeout=120)
        assert "Traceback" not in out + err
        assert crawl.returncode == 0, err
        assert stored_urls(db) == set(site.article_urls(server.base_url))
        with sqlite3.connect(db) as conn:
            (counters,) = conn.execute("SELECT counters FROM crawl_runs").fetchone()
        retried = json.loads(counters)["chipwatch_storage_retries"]
        assert retried >= 1
        stats = chipwatch(config, "stats")
        assert f"storage: {retried} batch write(s) failed and succeeded on retry" in stats.stdout


def test_lock_held_when_the_run_starts_keeps_the_run_record(tmp_path: Path) -> None:
    site = NewsSite(DEMO_ARTICLES)
    with NewsServer(site) as server:
        config = crawl_config(
            tmp_path, server.base_url, database="sqlite:///chipwatch.db?timeout=1"
        )
        db = tmp_path / "chipwatch.db"
        assert chipwatch(config, "db", "upgrade").returncode == 0  # creates the schema
        with write_lock(db):
            crawl = subprocess.Popen(
                [*_python_cli(config), "crawl"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            # held until the crawl has failed to record its start on it, however long
            # the crawl takes to get there
            start = "cannot record the start of the run"
            assert _logged(tmp_path / "chipwatch.log", start, deadline=60)
        out, err = crawl.communicate(timeout=120)
        assert "Traceback" not in out + err
        assert crawl.returncode == 0, err
        assert stored_urls(db) == set(site.article_urls(server.base_url))
        stats = chipwatch(config, "stats", "--json")
        (demo,) = [json.loads(line) for line in stats.stdout.splitlines()]
        assert demo["new_articles"] == len(DEMO_ARTICLES)
        assert demo["requests"] > len(DEMO_ARTICLES)


def test_lock_held_for_the_whole_run_fails_it_and_the_rerun_stores_all(tmp_path: Path) -> None:
    site = NewsSite(DEMO_ARTICLES)
    with NewsServer(site) as server:
        config = crawl_config(
            tmp_path, server.base_url, database="sqlite:///chipwatch.db?timeout=0.5"
        )
        db = tmp_path / "chipwatch.db"
        assert chipwatch(config, "db", "upgrade").returncode == 0
        with write_lock(db):
            failed = chipwatch(config, "crawl")
        assert_one_error_line(failed, "chipwatch.db", "database is locked", "write lock")
        assert stored_urls(db) == set()
        assert feed_validators(db) == []  # the feed is read in full next time

        server.clear_log()
        rerun = chipwatch(config, "crawl")
        assert rerun.returncode == 0, rerun.stderr
        assert [r.status for r in server.log if r.path == "/feeds/rss.xml"] == [200]
        assert stored_urls(db) == set(site.article_urls(server.base_url))


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


@pytest.fixture
def tiny_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs of our own: the only honest way to fill a disk in a test."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {exc}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_full_disk_fails_the_run_in_one_line_and_the_rerun_stores_all(
    tiny_filesystem: Path,
) -> None:
    site = NewsSite(DEMO_ARTICLES)
    with NewsServer(site) as server:
        config = crawl_config(tiny_filesystem, server.base_url, database="sqlite:///chipwatch.db")
        db = tiny_filesystem / "chipwatch.db"
        assert chipwatch(config, "db", "upgrade").returncode == 0
        filler = tiny_filesystem / "filler"
        subprocess.run(
            ["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True, check=False
        )
        filler.write_bytes(filler.read_bytes()[: -24 * 1024])  # room for a page or two
        failed = chipwatch(config, "crawl")
        assert_one_error_line(failed, "chipwatch.db", "full")
        assert len(failed.stderr.splitlines()) <= 3, failed.stderr

        filler.unlink()  # the fault is gone
        assert len(stored_urls(db)) < len(DEMO_ARTICLES)
        rerun = chipwatch(config, "crawl")
        assert "Traceback" not in rerun.stdout + rerun.stderr
        assert rerun.returncode == 0, rerun.stderr
        assert stored_urls(db) == set(site.article_urls(server.base_url))


@pytest.fixture
def read_only_view(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(folder, read-only view of it): a bind mount that even root cannot write."""
    folder, view = tmp_path / "data", tmp_path / "view"
    folder.mkdir()
    view.mkdir()
    try:
        _mount("--bind", str(folder), str(view))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"cannot bind-mount here (needs root): {exc}")
    try:
        yield folder, view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def test_read_only_database_fails_the_run_and_the_rerun_stores_all(
    tmp_path: Path, read_only_view: tuple[Path, Path]
) -> None:
    folder, view = read_only_view
    site = NewsSite(DEMO_ARTICLES)
    with NewsServer(site) as server:
        writable = crawl_config(tmp_path, server.base_url, database=f"sqlite:///{folder}/c.db")
        assert chipwatch(writable, "db", "upgrade").returncode == 0
        _mount("-o", "remount,bind,ro", str(view))
        config_dir = tmp_path / "ro-config"
        config_dir.mkdir()
        config = crawl_config(config_dir, server.base_url, database=f"sqlite:///{view}/c.db")
        failed = chipwatch(config, "crawl")
        assert_one_error_line(failed, "c.db", "read")
        assert stored_urls(folder / "c.db") == set()

        rerun = chipwatch(writable, "crawl")  # the same database, writable again
        assert rerun.returncode == 0, rerun.stderr
        assert stored_urls(folder / "c.db") == set(site.article_urls(server.base_url))


def _logged(log: Path, needle: str, *, deadline: float) -> bool:
    """Wait until the crawl's log holds NEEDLE (or DEADLINE seconds pass)."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if log.exists() and needle in log.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


def _python_cli(config: Path) -> list[str]:
    import sys

    return [sys.executable, "-m", "chipwatch", "--config", str(config)]
