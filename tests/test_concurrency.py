"""Several writers on one database at the same time, as several crawl workers, alert
senders or analysers on PostgreSQL would be (and SQLite with its one writer at a time):
real threads and processes, a real database of each backend."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from alerts.deliver import deliver_due
from alerts.options import EmailConfig
from storage import (
    AlertMessage,
    Article,
    ArticleRecord,
    UrlState,
    claim_due,
    make_engine,
    open_database,
    queue_message,
    store_articles,
    upgrade,
)
from storage.locks import LockTimeout, analyse_lock
from tests.smtp import SMTP_ENV, SmtpServer

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    upgrade(database_url)
    return open_database(database_url)


def record(n: int) -> ArticleRecord:
    url = f"https://news.example/{n}.html"
    return ArticleRecord(
        url=url,
        source="Wire",
        text=f"Nvidia H20 Meldung {n}",
        title=f"Meldung {n}",
        content_hash=f"hash-{n}",
        keys={url: url, url + "?utm_source=x": url + "?utm_source=x"},
        published_at=NOW,
    )


def run_together(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run each worker in its own thread, all released at once; their results, or the
    first exception one raised."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = workers[index]()
        except BaseException as exc:  # reported in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
    return results


def test_workers_storing_the_same_articles_at_once_make_one_row_each(
    sessions: sessionmaker[Session],
) -> None:
    records = [record(n) for n in range(40)]

    def worker() -> list[tuple[str, bool, int]]:
        done = []
        for start in range(0, len(records), 5):  # batches, as the store pipeline commits
            with sessions.begin() as session:
                done += [
                    (r.url, r.stored, r.article_id)
                    for r in store_articles(session, records[start : start + 5])
                ]
        return done

    results = run_together([worker] * 4)
    with sessions() as session:
        ids = dict(session.execute(select(Article.url, Article.id)).all())
        outcomes = Counter(session.scalars(select(UrlState.outcome)))
    assert sorted(ids) == sorted(r.url for r in records)
    stored = Counter(url for result in results for url, was_stored, _ in result if was_stored)
    assert stored == Counter({r.url: 1 for r in records})  # exactly one worker stored each
    assert all(ids[url] == article_id for result in results for url, _, article_id in result)
    assert outcomes == {"stored": 40, "duplicate": 40}  # the URL itself, and its utm alias


def test_a_store_racing_an_uncommitted_insert_waits_and_takes_that_article(
    postgres_url: str,
) -> None:
    """Worker A has inserted the article but not committed; worker B stores the same
    URL, reached by another way (none of A's keys, so no URL-state row in common): B's
    `INSERT … ON CONFLICT (url)` waits for A, then takes A's row instead of failing on
    the unique URL or making a second one. (SQLite has one writer at a time: there B waits for A's
    write lock before it even reads.)"""
    upgrade(postgres_url)
    sessions = open_database(postgres_url)
    first = sessions()
    first.begin()
    (a,) = store_articles(first, [record(1)])
    result: list[Any] = []
    other_way = replace(record(1), keys={"https://news.example/r/1": "https://news.example/r/1"})
    b = threading.Thread(target=lambda: result.extend(_store_one(sessions, other_way)), daemon=True)
    b.start()
    _wait_for_a_lock_wait(sessions)
    first.commit()
    first.close()
    b.join(60)
    (b_result,) = result
    assert (a.stored, b_result.stored, b_result.article_id) == (True, False, a.article_id)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1


def _store_one(sessions: sessionmaker[Session], item: ArticleRecord) -> list[Any]:
    with sessions.begin() as session:
        return store_articles(session, [item])


def _wait_for_a_lock_wait(sessions: sessionmaker[Session]) -> None:
    """Until another connection of this database waits for a lock (B on A's row)."""
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    with sessions() as session:
        while datetime.now(UTC) < deadline:
            waiting = session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            session.rollback()  # a new snapshot of pg_stat_activity next time
            if waiting:
                return
            threading.Event().wait(0.02)
    raise AssertionError("the second store never waited for the first one")


def queue(sessions: sessionmaker[Session], count: int) -> None:
    with sessions.begin() as session:
        for n in range(count):
            queue_message(
                session,
                rule="h20",
                kind="immediate",
                message_id=f"<{n}@chipwatch.test>",
                recipients=["me@example.org"],
                subject=f"Meldung {n}",
                raw=(
                    f"From: a@chipwatch.test\r\nTo: me@example.org\r\nSubject: Meldung {n}\r\n"
                    f"Message-ID: <{n}@chipwatch.test>\r\n\r\nText {n}\r\n"
                ).encode(),
                matches=[],
                now=NOW,
            )


def test_two_senders_at_once_send_every_message_exactly_once(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SMTP_ENV.items():
        monkeypatch.setenv(name, value)
    queue(sessions, 30)
    server = SmtpServer(tmp_path).start()
    try:
        email = server.email_config()
        reports = run_together(
            [lambda: deliver_due(sessions, email, email.from_addr, NOW + timedelta(minutes=1))] * 2
        )
        ids = Counter(m["Message-ID"] for m in server.handler.messages())
    finally:
        server.stop()
    assert ids == Counter({f"<{n}@chipwatch.test>": 1 for n in range(30)})
    assert sum(r.sent for r in reports) == 30
    with sessions() as session:
        assert set(session.scalars(select(AlertMessage.status))) == {"sent"}


def test_a_claimed_message_is_skipped_not_waited_for(postgres_url: str, tmp_path: Path) -> None:
    """While one sender holds message 1 (its SMTP transaction under way), another sends
    the rest at once and leaves message 1 alone: PostgreSQL's SKIP LOCKED. (On SQLite the
    claim is the one write lock, so the other sender waits instead.)"""
    upgrade(postgres_url)
    sessions = open_database(postgres_url)
    queue(sessions, 3)
    email = EmailConfig(from_addr="a@chipwatch.test", outbox_dir=tmp_path / "mail")
    holder = sessions()
    holder.begin()
    held = claim_due(holder, NOW)
    assert held is not None
    held_id = held.id
    report = deliver_due(sessions, email, email.from_addr, NOW)
    assert report.written == 2
    holder.rollback()  # the holder crashed before the server accepted: still queued
    holder.close()
    with sessions() as session:
        statuses = dict(session.execute(select(AlertMessage.id, AlertMessage.status)).all())
    assert statuses == {held_id: "queued", held_id + 1: "sent", held_id + 2: "sent"}
    assert deliver_due(sessions, email, email.from_addr, NOW).written == 1


HOLD_LOCK = """
import sys
from storage import make_engine
from storage.locks import analyse_lock

with analyse_lock(make_engine(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""


@contextmanager
def hold_analyse_lock(database_url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the analyse lock until it reads a line (or dies)."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, database_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline() == "locked\n"
            yield holder
        finally:
            holder.kill()


def test_the_analyse_lock_admits_one_holder_at_a_time(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with hold_analyse_lock(database_url) as holder:
        assert holder.stdin is not None
        with pytest.raises(LockTimeout, match="another process holds the analyse lock"):  # noqa: SIM117
            with analyse_lock(engine, timeout=0.2):
                pass
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
    with analyse_lock(engine, timeout=10):
        pass  # free again
    engine.dispose()


def test_a_killed_holder_leaves_the_analyse_lock_free(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with hold_analyse_lock(database_url) as holder:
        holder.kill()
        holder.wait(30)
    with analyse_lock(engine, timeout=10):
        pass
    engine.dispose()
