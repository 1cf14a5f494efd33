"""Alembic's environment for chipwatch, run by `storage.schema` (never by an alembic.ini).

The caller passes an open connection, already in its transaction, as
``config.attributes["connection"]``; every migration runs in it. Batch mode
(`render_as_batch`) lets migrations alter tables on SQLite, which rebuilds them.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from storage import fts, pgsearch
from storage.models import Base, UTCDateTime


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave the full-text indexes (SQLite's fts.py, PostgreSQL's pgsearch.py; not in the
    models) out of autogenerate."""
    if type_ == "table":
        return not fts.is_fts_table(name)
    return not (type_ in ("column", "index") and pgsearch.is_search_object(name))


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """New revisions spell UTCDateTime as the plain type it stores, so that they do not
    depend on the models' code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("chipwatch migrations run through storage.schema.upgrade(url)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        include_name=include_name,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
