"""`INSERT … ON CONFLICT` for the backend at hand.

Both backends spell it the same way in SQLAlchemy, but through their own dialect's
`insert` construct; this picks it, so the repository functions stay portable."""

from __future__ import annotations

from typing import Any

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
