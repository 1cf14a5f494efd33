"""Where a database's schema is, and bringing it up to date: Alembic owns the schema.

The migrations ship inside the package (`storage/migrations`); Alembic is driven through
its API with ``script_location = storage:migrations``, so no alembic.ini is needed at run
time. A database is in one of these states (`SchemaStatus.state`):

    missing   an SQLite file that does not exist yet
    empty     no tables at all
    legacy    chipwatch's tables without `alembic_version`: made by a chipwatch from
              before migrations (`create_all`); `upgrade` checks that it matches the
              initial revision, stamps it there and upgrades it
    foreign   tables, but not chipwatch's: never touched
    behind    at an older revision: `upgrade` applies the newer migrations
    current   at this code's head revision
    unknown   at a revision this code does not know (a newer chipwatch migrated it)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SAWarning, SQLAlchemyError

from storage import fts, pgsearch
from storage.engine import display_url, make_engine, make_migration_engine, shared_engine
from storage.errors import StorageError
from storage.models import NAMING_CONVENTION, Base

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# Alembic (~70 ms to import, and its scripts to read) is imported where a database is
# migrated or compared with the models: every command checks the schema before it
# starts, and for a database at the head revision one query answers that.
SCRIPT_LOCATION = "storage:migrations"
INITIAL_REVISION = "0001"
# The newest revision in storage/migrations/versions; tests/test_migrations.py checks
# that it is Alembic's head, so a new migration cannot forget it.
HEAD_REVISION = "0007"
UPGRADE_HINT = "run `chipwatch db upgrade`"


class SchemaError(StorageError):
    """The database's schema is not the one this chipwatch needs, or cannot be made so."""


@dataclass(frozen=True)
class SchemaStatus:
    url: str
    state: str  # missing | empty | legacy | foreign | behind | current | unknown
    current: str | None  # the revision in alembic_version; None when there is none
    head: str  # the revision this chipwatch needs
    tables: tuple[str, ...] = ()  # for "foreign": the tables found

    @property
    def up_to_date(self) -> bool:
        return self.state == "current"

    @property
    def revision(self) -> str:
        """The revision as messages show it."""
        detail = {
            "missing": "the file does not exist",
            "empty": "an empty database",
            "legacy": "made before migrations",
            "foreign": "not a chipwatch database",
        }.get(self.state)
        if detail:
            return f"none ({detail})"
        return self.current or "none"

    def describe(self) -> str:
        """One line: where the database is and whether it is up to date."""
        where = display_url(self.url)
        if self.state == "current":
            return f"{where}: revision {self.current} (head), up to date"
        return self.problem()

    def problem(self) -> str:
        where = display_url(self.url)
        if self.state == "foreign":
            shown = ", ".join(self.tables[:5]) + (", …" if len(self.tables) > 5 else "")
            return (
                f"{where}: not a chipwatch database (it has other tables: {shown}); "
                "point [database] url at a chipwatch database or a new file"
            )
        if self.state == "unknown":
            return (
                f"{where}: the database schema is at revision {self.current}, which this "
                f"chipwatch does not know (it needs {self.head}; a newer chipwatch "
                "migrated it?): upgrade chipwatch"
            )
        return (
            f"{where}: the database schema is at revision {self.revision}, "
            f"this chipwatch needs {self.head}: {UPGRADE_HINT}"
        )


@dataclass(frozen=True)
class Upgrade:
    before: SchemaStatus
    after: SchemaStatus

    def describe(self) -> str:
        where = display_url(self.after.url)
        if self.before.state == "current":
            return f"{where}: already at revision {self.after.current} (head), up to date"
        if self.before.state == "legacy":
            return (
                f"{where}: adopted a database made before migrations "
                f"(stamped {INITIAL_REVISION}) and upgraded it to {self.after.current} (head)"
            )
        if self.before.state in ("missing", "empty"):
            return f"{where}: created the schema at revision {self.after.current} (head)"
        return f"{where}: upgraded from revision {self.before.revision} to {self.after.current}"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config for chipwatch's migrations; the connection they run in is passed
    to env.py as ``attributes["connection"]``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    return HEAD_REVISION


def script_head() -> str | None:
    """The head revision as Alembic reads it from the migration scripts."""
    return _scripts().get_current_head()


def is_fresh_file(url: str) -> bool:
    """An SQLite file database that does not exist yet (a fresh install)."""
    parsed = make_url(url)
    database = parsed.database
    return (
        parsed.get_backend_name() == "sqlite"
        and bool(database)
        and database != ":memory:"
        and not str(database).startswith("file:")
        and not Path(str(database)).exists()
    )


def schema_status(url: str) -> SchemaStatus:
    """Where the database at `url` is. Reads only; never creates a missing SQLite file."""
    if is_fresh_file(url):
        return SchemaStatus(url, "missing", None, head_revision())
    with shared_engine(url).connect() as conn:
        return _status(url, conn)


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for one that has none (missing, empty,
    made before migrations, or not a chipwatch database)."""
    return schema_status(url).current


def require_current(url: str) -> None:
    """Raise SchemaError (one line: the revisions and what to do) unless the database is
    at this code's head revision."""
    status = schema_status(url)
    if not status.up_to_date:
        raise SchemaError(status.problem())


def upgrade(url: str) -> Upgrade:
    """Bring the database to the head revision, in one transaction (on SQLite): create the
    schema in a missing or empty database, adopt one made before migrations, apply the
    newer migrations to one that is behind. Refuses a database that is not chipwatch's or
    that a newer chipwatch migrated."""
    fresh = is_fresh_file(url)
    try:
        return _upgrade(url, fresh)
    except BaseException:
        _remove_if(fresh, url)
        raise


def _upgrade(url: str, fresh: bool) -> Upgrade:
    from alembic import command
    from alembic.util import CommandError

    engine = make_migration_engine(url)
    try:
        with engine.begin() as conn:
            before = _status(url, conn)
            if fresh and before.state == "empty":  # the file was made by connecting
                before = SchemaStatus(url, "missing", None, before.head)
            if before.state in ("foreign", "unknown"):
                raise SchemaError(before.problem())
            config = alembic_config(conn)
            if before.state == "legacy":
                _adopt_legacy(url, conn)
                command.stamp(config, INITIAL_REVISION)
            if before.state != "current":
                command.upgrade(config, "head")
                _check_foreign_keys(url, conn)
            if before.state == "legacy":
                _check_adopted(url, conn)
            after = _status(url, conn)
    except CommandError as exc:
        raise SchemaError(f"{display_url(url)}: cannot upgrade the schema: {exc}") from None
    finally:
        engine.dispose()
    return Upgrade(before, after)


def _remove_if(fresh: bool, url: str) -> None:
    """A fresh install that failed leaves no empty database file behind (one that
    another process has filled meanwhile stays)."""
    if not fresh or is_fresh_file(url):
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if inspect(conn).get_table_names():
                return
    except SQLAlchemyError:
        return
    finally:
        engine.dispose()
    database = Path(str(make_url(url).database))
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)


def create_if_missing(url: str) -> Upgrade | None:
    """A fresh install: create an SQLite database that does not exist yet through the
    migrations. Any existing database is left alone (None)."""
    return upgrade(url) if is_fresh_file(url) else None


# Indexes on expressions: SQLite's reflection cannot read them back (SQLAlchemy skips
# them with a warning), so the diff leaves them out; tests check them by name and plan.
EXPRESSION_INDEXES = frozenset({"ix_articles_newest"})


def schema_differences(conn: Connection) -> list[Any]:
    """What differs between the database and the models (Alembic's autogenerate diff),
    leaving out the full-text indexes and the indexes on expressions."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(
        conn,
        opts={
            "include_name": _include_name,
            "include_object": _include_object,
            "compare_type": True,
        },
    )
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        warnings.filterwarnings("ignore", "autogenerate skipping .* expression-based index")
        return list(compare_metadata(context, Base.metadata))


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "table":
        return not (fts.is_fts_table(name) or name == "alembic_version")
    return not (type_ in ("column", "index") and pgsearch.is_search_object(name))


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """The models' side too: an expression index is left out on every backend."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def _status(url: str, conn: Connection) -> SchemaStatus:
    head = head_revision()
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        if versions == [head]:
            return SchemaStatus(url, "current", head, head)
        if len(versions) > 1:  # branches, or another application's Alembic history
            return SchemaStatus(url, "unknown", ", ".join(map(str, versions)), head)
        # behind or unknown: as Alembic reads it
        from alembic.runtime.migration import MigrationContext

        current = MigrationContext.configure(conn).get_current_revision()
        if current is None:  # migrated down to the base: every table dropped
            return SchemaStatus(url, "behind", None, head)
        return SchemaStatus(url, "behind" if _is_known(current) else "unknown", current, head)
    ours = {table.name for table in Base.metadata.sorted_tables}
    others = sorted(t for t in tables - ours if not fts.is_fts_table(t))
    if not tables:
        return SchemaStatus(url, "empty", None, head)
    if ours <= tables or (tables & ours and not others):
        return SchemaStatus(url, "legacy", None, head)
    return SchemaStatus(url, "foreign", None, head, tuple(others))


def _is_known(revision: str) -> bool:
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return _scripts().get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


def _adopt_legacy(url: str, conn: Connection) -> None:
    """Make a database from before migrations what the initial revision makes, or refuse.

    chipwatch 0.1.0 made its tables with `create_all` and no naming convention, which
    leaves SQLite's primary keys, foreign keys and unique constraints unnamed. Each table
    is rebuilt (Alembic's batch mode: copy, drop, rename; every row and id kept) with
    the names the convention gives, and the full-text index, whose triggers go with the
    old `articles`, is installed again and refilled. Then the schema must equal the
    models' exactly; otherwise the transaction is rolled back and nothing changed."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    if conn.dialect.name == "sqlite":
        operations = Operations(MigrationContext.configure(conn))
        ours = {table.name for table in Base.metadata.sorted_tables}
        for table in sorted(ours & set(inspect(conn).get_table_names())):
            with operations.batch_alter_table(
                table, recreate="always", naming_convention=NAMING_CONVENTION
            ):
                pass
        fts.install(conn, layout=1)  # what revision 0001 made; later ones change it
        fts.rebuild(conn)


def _check_adopted(url: str, conn: Connection) -> None:
    """After adoption and the upgrade to head, the schema must equal the models'."""
    differences = schema_differences(conn)
    if differences:
        shown = "; ".join(_describe_difference(d) for d in differences[:3])
        more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
        raise SchemaError(
            f"{display_url(url)}: made before migrations, but its schema is not the one "
            f"revision {INITIAL_REVISION} expects: {shown}{more}; nothing was changed"
        )


def _describe_difference(difference: Any) -> str:
    if isinstance(difference, list):  # column changes come as a list of tuples
        difference = difference[0]
    action = difference[0]
    target = difference[-1] if action.startswith(("add", "remove")) else difference[2:4]
    name = getattr(target, "name", None) or str(target)
    return f"{action.replace('_', ' ')} {name}"


def _check_foreign_keys(url: str, conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    broken = conn.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        tables = ", ".join(sorted({row[0] for row in broken}))
        raise SchemaError(
            f"{display_url(url)}: the upgrade would leave rows pointing at missing rows "
            f"in {tables}; nothing was changed"
        )
