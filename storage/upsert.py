"""`INSERT … ON CONFLICT` for the backend at hand.

Both backends spell it the same way in SQLAlchemy, but through their own dialect's
`insert` construct; this picks it, so the repository functions stay portable."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.errors import StorageError


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for `table` with `on_conflict_do_nothing` / `on_conflict_do_update`."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise StorageError(f"{name}: chipwatch stores to SQLite or PostgreSQL only")


Row = TypeVar("Row")
T = TypeVar("T")
_CHUNK = 500  # keys per statement: under SQLite's bound-parameter limit


def chunked(values: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    """`values` in slices small enough for one statement's IN list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_missing_and_lock(
    session: Session,
    model: type[Row],
    keys: Sequence[str],
    new_row: Callable[[str], dict[str, Any]],
) -> dict[str, Row]:
    """Make sure a row exists for every key (`new_row(key)` gives a missing one's
    values), then load them all, locked until the caller commits (`FOR UPDATE` on
    PostgreSQL; SQLite has one writer at a time anyway), by key: the caller looks them
    up here, with no query per key. Keys go in sorted order, so two writers lock shared
    rows in the same order and cannot deadlock on them."""
    ordered = sorted(set(keys))
    key_column = model.key  # type: ignore[attr-defined]
    rows: dict[str, Row] = {}
    for chunk in chunked(ordered):
        session.execute(
            dialect_insert(session, model)
            .values([{"key": key, **new_row(key)} for key in chunk])
            .on_conflict_do_nothing(index_elements=["key"])
        )
        rows.update(
            (row.key, row)  # type: ignore[attr-defined]
            for row in session.scalars(
                select(model)
                .where(key_column.in_(chunk))
                .order_by(key_column)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
    return rows
