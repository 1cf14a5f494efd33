"""The one place that builds engines and sessions."""

from __future__ import annotations

import atexit
import threading
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import StorageError

DEFAULT_SQLITE_TIMEOUT = 30.0


_ADVICE = (
    ("locked", "another program holds a write lock; try again when it is done"),
    ("readonly", "the database file or its folder is read-only; check the permissions"),
    ("read-only", "the database file or its folder is read-only; check the permissions"),
    ("disk is full", "the disk is full; free some space"),
    ("disk i/o error", "the disk failed or is full; check it"),
    ("unable to open", "check that the file and its folder exist and are writable"),
    ("malformed", "the database file is damaged; restore it from a backup"),
    ("not a database", "the file is not a chipwatch database"),
)


def describe_db_error(exc: BaseException) -> str:
    """One line for a database failure: the driver's reason (no SQL, no parameters) and
    what to do about it."""
    reason = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    reason = (reason.strip().splitlines() or [type(exc).__name__])[0]
    lowered = reason.lower()
    for needle, advice in _ADVICE:
        if needle in lowered:
            return f"{reason} ({advice})"
    return reason


def display_url(url: str) -> str:
    """The database URL as messages show it: never with a password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


SUPPORTED = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"{url}: not a database URL ({exc}); expected {SUPPORTED}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StorageError(
            f"{display_url(url)}: chipwatch stores to SQLite or PostgreSQL, not {backend}; "
            f"expected {SUPPORTED}"
        )
    if parsed.drivername == "postgresql":  # no driver named: the one chipwatch installs
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise StorageError(
            f"{display_url(url)}: chipwatch talks to PostgreSQL through psycopg 3, not "
            f"{parsed.get_driver_name()}; write the URL as postgresql+psycopg://…"
        )
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).parent
            if not folder.is_dir():
                raise StorageError(f"{url}: folder {folder} does not exist")
        # How long a writer waits for another one's lock: 30 s, or the URL's ?timeout=
        timeout_arg = parsed.query.get("timeout", str(DEFAULT_SQLITE_TIMEOUT))
        if isinstance(timeout_arg, tuple):  # ?timeout=1&timeout=2
            raise StorageError(f"{display_url(url)}: ?timeout= is given more than once; keep one")
        timeout = float(timeout_arg)
        engine = create_engine(url, connect_args={"timeout": timeout})
        event.listen(engine, "connect", partial(_sqlite_on_connect, timeout))
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_on_connect(timeout: float, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (search, alerts) never block the crawler's writer, and a killed
    # process leaves only committed transactions behind.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    cursor.close()


def make_migration_engine(url: str) -> Engine:
    """An engine for running migrations. On SQLite, `engine.begin()` takes the write lock
    at once (BEGIN IMMEDIATE) and every statement, DDL included, runs in that one
    transaction, so a failed upgrade leaves the database as it was; foreign keys are off,
    as Alembic's batch mode needs while it rebuilds tables (`storage.schema` checks them
    before it commits)."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_migration_on_connect)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_migration_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()
    # pysqlite would begin a transaction only before INSERT/UPDATE/DELETE, leaving DDL
    # outside it; the "begin" listener emits BEGIN itself (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_shared_engines: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    """This process's one engine for `url`: a crawl's spider, known-URL middleware, store
    pipeline and run recorder, and the alerts after it, share one connection pool.
    `Engine.dispose()` on it only closes the idle connections (the engine opens new ones
    when asked again); every shared engine is disposed when the process exits."""
    with _shared_lock:
        engine = _shared_engines.get(url)
        if engine is None:
            engine = _shared_engines[url] = make_engine(url)
        return engine


def release_shared_engine(url: str) -> None:
    """Close and forget this process's engine for `url` (before the database is
    dropped, say); the next `shared_engine(url)` makes a new one."""
    with _shared_lock:
        engine = _shared_engines.pop(url, None)
    if engine is not None:
        engine.dispose()


@atexit.register
def dispose_shared_engines() -> None:
    with _shared_lock:
        engines = list(_shared_engines.values())
        _shared_engines.clear()
    for engine in engines:
        engine.dispose()


def open_database(url: str) -> sessionmaker[Session]:
    """Session factory over the process's shared engine: what each component opens at
    start. Only connects: the schema comes from the migrations (`storage.schema`), and
    the CLI checks that it is up to date before it opens the database."""
    return make_sessionmaker(shared_engine(url))
