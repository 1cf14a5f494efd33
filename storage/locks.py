"""One holder at a time, per database, for what must not run twice at once on it: the
analyse stage, and a run (a crawl and its alerts).

The analyse stage (tagging, dedup, story grouping) rewrites what it derived from many
articles at once; two of them interleaving would undo each other's work. Crawl workers
and alert senders may run side by side (their writes are made safe row by row, see
`articles.store_articles` and `alerts.claim_due`); an analyser waits for the other.

- PostgreSQL: a session-level advisory lock, held on a connection of its own for the
  duration. It belongs to the database, so it holds across machines, and the server
  releases it when the holder's connection dies (a killed process never blocks the
  next one).
- SQLite: a lock file next to the database file, released by the OS when the holder
  dies; an in-memory database, private to its process, needs no lock across processes.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage.engine import display_url
from storage.errors import StorageError

# The advisory locks' keys: one bigint each, the same in every chipwatch process. Other
# programs using advisory locks on the same database would have to pick these numbers by
# accident to collide with them.
ANALYSE_LOCK_KEY = zlib.crc32(b"chipwatch.analyse") + (0x6377 << 32)
RUN_LOCK_KEY = zlib.crc32(b"chipwatch.run") + (0x6377 << 32)

_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


class LockTimeout(StorageError):
    """Another process held the lock for longer than we were told to wait."""


def analyse_lock(engine: Engine, *, timeout: float | None = None) -> AbstractContextManager[None]:
    """Hold the database's analyse lock for the `with` block, waiting for another holder
    as long as `timeout` seconds (None: as long as it takes); LockTimeout when it does
    not come free in time."""
    return database_lock(engine, "analyse", ANALYSE_LOCK_KEY, timeout=timeout)


def run_lock(engine: Engine, *, timeout: float | None = None) -> AbstractContextManager[None]:
    """One `chipwatch run`/`crawl` at a time per database, whichever config file names it
    (two configs may point at one database)."""
    return database_lock(engine, "run", RUN_LOCK_KEY, timeout=timeout)


def lock_file(engine: Engine, name: str) -> Path | None:
    """Where the lock named `name` of an SQLite file database lives; None elsewhere."""
    if engine.dialect.name == "postgresql":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).with_name(Path(database).name + f".{name}.lock")


@contextmanager
def database_lock(engine: Engine, name: str, key: int, *, timeout: float | None) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name, key, timeout):
            yield
        return
    path = lock_file(engine, name)
    if path is None:
        with _memory_lock(f"{engine.url}#{name}", name, timeout):
            yield
        return
    try:
        lock = _file_lock(path, timeout)
    except Timeout:
        raise LockTimeout(
            f"{display_url(str(engine.url))}: another process holds the {name} lock "
            f"({path}); waited {timeout:g} s"
        ) from None
    except OSError:
        # The database's folder is read-only or full: the lock moves to the temporary
        # folder, keyed by the database file, and the run goes on to report the
        # storage failure itself (with the database named) instead of this one.
        fallback = Path(tempfile.gettempdir()) / f"chipwatch-{_path_key(path)}.lock"
        try:
            lock = _file_lock(fallback, timeout)
        except Timeout:
            raise LockTimeout(
                f"{display_url(str(engine.url))}: another process holds the {name} lock "
                f"({fallback}); waited {timeout:g} s"
            ) from None
    try:
        yield
    finally:
        lock.release()


def _file_lock(path: Path, timeout: float | None) -> FileLock:
    lock = FileLock(path)
    lock.acquire(timeout=-1 if timeout is None else timeout)
    return lock


def _path_key(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:16]


@contextmanager
def _advisory_lock(engine: Engine, name: str, key: int, timeout: float | None) -> Iterator[None]:
    # Autocommit: the lock is the session's, not a transaction's, and no transaction
    # stays open (and holds back vacuum) while the stage works.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # lock_timeout bounds the wait for any lock, advisory ones included; 0 = no limit.
        milliseconds = 0 if timeout is None else max(int(timeout * 1000), 1)
        conn.execute(
            text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{milliseconds}"}
        )
        try:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            raise LockTimeout(
                f"{display_url(str(engine.url))}: another process holds the {name} lock "
                f"(advisory lock {key}); waited {timeout:g} s"
            ) from None
        finally:
            conn.execute(text("SELECT set_config('lock_timeout', '0', false)"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _memory_lock(key: str, name: str, timeout: float | None) -> Iterator[None]:
    with _memory_guard:
        lock = _memory_locks.setdefault(key, threading.Lock())
    if not lock.acquire(timeout=-1 if timeout is None else timeout):
        raise LockTimeout(f"{key}: another thread holds the {name} lock; waited {timeout:g} s")
    try:
        yield
    finally:
        lock.release()
