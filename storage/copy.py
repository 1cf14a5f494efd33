"""Copy a whole chipwatch database into another one: how an SQLite archive moves to
PostgreSQL when it outgrows one machine, with its history (articles with their analysed
forms and raw HTML, URL state and validators, crawl runs, rules' watermarks, matches and
the outbox).

Every table of the schema is copied row for row, ids included (so the rules'
watermarks, which are article ids, stay right), in batches, inside one transaction on
the target: a copy that fails leaves the target as it was. The target is brought to
the head revision first; one that already holds rows is refused unless the caller
asks to replace them. Backend-specific indexes fill themselves: SQLite's FTS5 triggers
and PostgreSQL's computed search column see ordinary inserts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Integer, Table, delete, func, insert, select, text
from sqlalchemy.engine import make_url

from storage.engine import display_url, make_engine
from storage.errors import StorageError
from storage.models import Base
from storage.schema import require_current, upgrade


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    replaced: dict[str, int] = field(default_factory=dict)  # table -> rows deleted first

    def describe(self) -> str:
        counts = ", ".join(f"{n} {table}" for table, n in self.rows.items())
        replaced = sum(self.replaced.values())
        note = f" (replacing {replaced} rows that were there)" if replaced else ""
        return f"copied {display_url(self.source)} to {display_url(self.target)}{note}: {counts}"


def copy_database(
    source_url: str,
    target_url: str,
    *,
    batch: int = 1000,
    replace: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every row of the database at `source_url` into the one at `target_url`.
    `progress(table, rows_so_far)` is called after each batch."""
    if _same_database(source_url, target_url):
        raise StorageError(f"{display_url(target_url)}: is the database being copied")
    require_current(source_url)
    upgrade(target_url)
    tables = list(Base.metadata.sorted_tables)  # parents before children
    report = CopyReport(source_url, target_url)
    source_engine, target_engine = make_engine(source_url), make_engine(target_url)
    try:
        with source_engine.connect() as source, target_engine.begin() as target:
            existing = {t.name: _count(target, t) for t in tables}
            if any(existing.values()) and not replace:
                shown = ", ".join(f"{n} {name}" for name, n in existing.items() if n)
                raise StorageError(
                    f"{display_url(target_url)}: the target database is not empty ({shown}); "
                    "copy into an empty database, or pass --replace to delete those rows first"
                )
            for table in reversed(tables):  # children before parents
                if existing[table.name]:
                    target.execute(delete(table))
                    report.replaced[table.name] = existing[table.name]
            for table in tables:
                report.rows[table.name] = _copy_table(source, target, table, batch, progress)
                _reset_sequence(target, table)
    finally:
        source_engine.dispose()
        target_engine.dispose()
    return report


def _copy_table(
    source: Connection,
    target: Connection,
    table: Table,
    batch: int,
    progress: Callable[[str, int], None] | None,
) -> int:
    """Rows in primary-key order, a batch at a time (keyset pagination: each batch is
    an index range scan, however far into the table)."""
    (key,) = table.primary_key.columns
    copied = 0
    last = None
    while True:
        statement = select(table).order_by(key).limit(batch)
        if last is not None:
            statement = statement.where(key > last)
        rows = [dict(row) for row in source.execute(statement).mappings()]
        if not rows:
            return copied
        target.execute(insert(table), rows)
        copied += len(rows)
        last = rows[-1][key.name]
        if progress is not None:
            progress(table.name, copied)


def _reset_sequence(target: Connection, table: Table) -> None:
    """PostgreSQL: ids were copied as they were, so the table's id sequence must
    continue after the largest one (SQLite takes max(id) + 1 by itself)."""
    if target.dialect.name != "postgresql":
        return
    (key,) = table.primary_key.columns
    if not (isinstance(key.type, Integer) and key.autoincrement in (True, "auto")):
        return
    target.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key.name}'), "
            f"coalesce((SELECT max({key.name}) FROM {table.name}), 0) + 1, false)"
        )
    )


def _count(conn: Connection, table: Table) -> int:
    return conn.scalar(select(func.count()).select_from(table)) or 0


def _same_database(a: str, b: str) -> bool:
    return make_url(a) == make_url(b)
