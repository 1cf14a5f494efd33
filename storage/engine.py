"""The one place that builds engines and sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chipwatch.storage import fts
from chipwatch.storage.models import Base
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


class StorageError(Exception):
    """The database cannot be opened or used."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).parent
            if not folder.is_dir():
                raise StorageError(f"{url}: folder {folder} does not exist")
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (search, alerts) never block the crawler's writer, and a killed
    # process leaves only committed transactions behind.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    fts.install(engine)


def open_database(url: str) -> sessionmaker[Session]:
    """Engine + schema + session factory: what each component opens at start."""
    engine = make_engine(url)
    create_schema(engine)
    return make_sessionmaker(engine)
