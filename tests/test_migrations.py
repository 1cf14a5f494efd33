"""Alembic owns the schema: the migrations agree with the models, the CLI refuses a
database whose schema is not this code's, and `chipwatch db upgrade` adopts a database
made before migrations with every row intact."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.naming import conv
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from crawler.worker import compress_html
from storage import (
    AlertMessage,
    AlertRuleState,
    Article,
    ArticleRecord,
    Base,
    CrawlRun,
    UrlState,
    fts,
    head_revision,
    make_engine,
    open_database,
    schema_status,
    search,
    store_articles,
    upgrade,
)
from storage.engine import make_migration_engine
from storage.schema import EXPRESSION_INDEXES, alembic_config, schema_differences, script_head
from tests.conftest import FAST_CRAWL, source_block, write_config

Cli = Callable[..., subprocess.CompletedProcess[str]]
HEAD = head_revision()


def test_the_head_revision_constant_is_alembics_head() -> None:
    """A database at HEAD_REVISION is taken as current without Alembic: the constant must
    name the newest migration script."""
    assert script_head() == HEAD


def test_checking_the_schema_does_not_import_alembic(tmp_path: Path) -> None:
    """Every command checks the schema first; for a current database that is one query,
    not Alembic's import and its scripts (~80 ms of each command's start)."""
    url = url_of(tmp_path / "c.db")
    upgrade(url)
    script = (
        "import sys; from storage import require_current; "
        f"require_current({url!r}); print(any(m.startswith('alembic') for m in sys.modules))"
    )
    checked = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "False"


def test_a_version_table_with_several_rows_is_not_taken_for_current(tmp_path: Path) -> None:
    """Two rows in alembic_version (another application's Alembic history in the same
    schema, or branches): not this chipwatch's head, whatever the first row says."""
    url = url_of(tmp_path / "two.db")
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0003')"))
    engine.dispose()
    status = schema_status(url)
    assert (status.state, status.up_to_date) == ("unknown", False)
    assert sorted((status.current or "").split(", ")) == sorted([HEAD, "0003"])


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def differences(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return schema_differences(conn)
    finally:
        engine.dispose()


def config_for(folder: Path, database: str = "chipwatch.db") -> Path:
    body = FAST_CRAWL.replace("sqlite:///chipwatch.db", f"sqlite:///{database}")
    return write_config(folder, body + source_block("Wire", feeds=["http://127.0.0.1:9/f.xml"]))


# ---- models and migrations agree ------------------------------------------------------


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    url = url_of(tmp_path / "cw.db")
    upgrade(url)
    assert differences(url) == []


def test_the_drift_check_sees_a_difference(tmp_path: Path) -> None:
    url = url_of(tmp_path / "cw.db")
    upgrade(url)
    with sqlite3.connect(tmp_path / "cw.db") as conn:
        conn.execute("DROP INDEX ix_articles_source")
    assert [d[0] for d in differences(url)] == ["add_index"]


def test_every_constraint_and_index_is_named_by_the_convention(tmp_path: Path) -> None:
    upgrade(url_of(tmp_path / "cw.db"))
    with sqlite3.connect(tmp_path / "cw.db") as conn:
        (articles,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'articles'"
        ).fetchone()
        indexes = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
    assert "CONSTRAINT pk_articles PRIMARY KEY (id)" in articles
    assert "CONSTRAINT uq_articles_url UNIQUE (url)" in articles
    assert {
        "ix_articles_source",
        "ix_urls_article_id",
        "ix_crawl_run_sources_source_run",
    } <= indexes


def test_the_full_text_index_comes_from_the_migration(tmp_path: Path) -> None:
    url = url_of(tmp_path / "cw.db")
    upgrade(url)
    sessions = open_database(url)
    with sessions.begin() as session:
        store_articles(session, [article_record("https://n.example/1", "Huawei Ascend 910C")])
    with sessions() as session:
        assert len(search(session, "ascend")) == 1
    sessions.kw["bind"].dispose()


def test_downgrade_to_base_and_up_again(tmp_path: Path) -> None:
    url = url_of(tmp_path / "cw.db")
    upgrade(url)
    engine = make_migration_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    engine.dispose()
    with sqlite3.connect(tmp_path / "cw.db") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["alembic_version"]
    assert schema_status(url).state == "behind"
    assert upgrade(url).describe() == f"{url}: upgraded from revision none to {HEAD}"
    assert differences(url) == []


def test_status_of_a_missing_file_does_not_create_it(tmp_path: Path) -> None:
    status = schema_status(url_of(tmp_path / "cw.db"))
    assert (status.state, status.current, status.head) == ("missing", None, HEAD)
    assert not (tmp_path / "cw.db").exists()


# ---- the CLI ----------------------------------------------------------------------------


def test_init_creates_the_schema_through_the_migrations(run_cli: Cli, tmp_path: Path) -> None:
    config = config_for(tmp_path)
    result = run_cli("init", config=config)
    assert result.returncode == 0, result.stderr
    db = f"sqlite:///{tmp_path / 'chipwatch.db'}"
    assert f"{db}: created the schema at revision {HEAD} (head)" in result.stdout
    current = run_cli("db", "current", config=config)
    assert (current.returncode, current.stdout) == (
        0,
        f"{db}: revision {HEAD} (head), up to date\n",
    )
    again = run_cli("db", "upgrade", config=config)
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"{db}: already at revision {HEAD} (head), up to date\n"


REFUSING = [
    ["search", "huawei"],
    ["export"],
    ["stats"],
    ["alerts"],
    ["alerts", "--dry-run"],
    ["alerts", "list"],
    ["alerts", "test", "huawei"],
    ["crawl"],
    ["run"],
    ["db", "current"],
]


@pytest.mark.parametrize("command_line", REFUSING, ids=" ".join)
def test_commands_refuse_a_database_made_before_migrations(
    run_cli: Cli, tmp_path: Path, command_line: list[str]
) -> None:
    config = config_for(tmp_path)
    make_legacy_database(tmp_path / "chipwatch.db")
    before = snapshot(tmp_path / "chipwatch.db")
    result = run_cli(*command_line, config=config)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: sqlite:///{tmp_path / 'chipwatch.db'}: the database schema is at revision "
        f"none (made before migrations), this chipwatch needs {HEAD}: run `chipwatch db upgrade`\n"
    )
    assert snapshot(tmp_path / "chipwatch.db") == before


def test_a_database_behind_the_code_is_refused_until_upgraded(run_cli: Cli, tmp_path: Path) -> None:
    config = config_for(tmp_path)
    url = url_of(tmp_path / "chipwatch.db")
    upgrade(url)
    engine = make_migration_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    engine.dispose()
    refused = run_cli("stats", config=config)
    assert refused.returncode == 1
    assert refused.stderr == (
        f"Error: {url}: the database schema is at revision none, this chipwatch needs "
        f"{HEAD}: run `chipwatch db upgrade`\n"
    )
    upgraded = run_cli("db", "upgrade", config=config)
    assert upgraded.stdout == f"{url}: upgraded from revision none to {HEAD}\n"
    assert run_cli("stats", config=config).returncode == 0


@pytest.mark.parametrize(
    ("prepare", "revision"),
    [
        (lambda path: path.write_bytes(b""), "none (an empty database)"),
        (lambda path: None, "none (the file does not exist)"),
    ],
    ids=["empty", "missing"],
)
def test_reading_commands_refuse_an_empty_or_missing_database(
    run_cli: Cli, tmp_path: Path, prepare: Callable[[Path], None], revision: str
) -> None:
    config = config_for(tmp_path)
    db = tmp_path / "chipwatch.db"
    prepare(db)
    result = run_cli("search", "huawei", config=config)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: sqlite:///{db}: the database schema is at revision {revision}, this "
        f"chipwatch needs {HEAD}: run `chipwatch db upgrade`\n"
    )
    assert db.exists() == (revision != "none (the file does not exist)")


def test_a_newer_schema_is_refused_and_left_alone(run_cli: Cli, tmp_path: Path) -> None:
    config = config_for(tmp_path)
    url = url_of(tmp_path / "chipwatch.db")
    upgrade(url)
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    for command_line in (["stats"], ["db", "upgrade"]):
        result = run_cli(*command_line, config=config)
        assert result.returncode == 1
        assert result.stderr == (
            f"Error: {url}: the database schema is at revision 9999, which this chipwatch "
            f"does not know (it needs {HEAD}; a newer chipwatch migrated it?): "
            "upgrade chipwatch\n"
        )


def test_db_upgrade_leaves_a_database_that_is_not_chipwatchs_alone(
    run_cli: Cli, tmp_path: Path
) -> None:
    config = config_for(tmp_path)
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    result = run_cli("db", "upgrade", config=config)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: sqlite:///{tmp_path / 'chipwatch.db'}: not a chipwatch database (it has "
        "other tables: notes); point [database] url at a chipwatch database or a new file\n"
    )
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]


# ---- a database made before migrations ------------------------------------------------


# What the revisions after 0.1.0 added, left out of its metadata.
ADDED_TABLES = {"stories", "mentions", "listings", "source_health"}  # 0004, 0006
ADDED_COLUMNS = {
    "articles": (
        *("index_surface", "index_de", "index_en", "analyzer_version"),  # 0002
        *("stage_version", "analysed_seq", "duplicate_of", "story_id", "signature"),  # 0004
        "index_vocab",  # 0007
    ),
    "alert_matches": ("story_id",),  # 0004
    "crawl_run_sources": ("signals",),  # 0006
}
ADDED_INDEXES = {
    "ix_articles_analyzer_version",  # 0002
    "ix_articles_newest",  # 0003
    *("ix_articles_stage_version", "ix_articles_analysed_seq", "ix_articles_duplicate_of"),
    *("ix_articles_story_id", "ix_alert_matches_story_id"),  # 0004
}


def metadata_before_migrations() -> MetaData:
    """Base.metadata as chipwatch 0.1.0 had it: no naming convention, so SQLAlchemy's
    default names the indexes (ix_<table>_<column>, as now) and leaves primary keys,
    foreign keys and unique constraints unnamed. (Its DDL equals 0.1.0's `create_all`
    but for the order of two constraints in alert_matches.)"""
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name in ADDED_TABLES:
            continue
        copy = table.to_metadata(old)
        for constraint in copy.constraints:
            if isinstance(constraint.name, conv):
                constraint.name = None
        for name in ADDED_COLUMNS.get(table.name, ()):
            copy._columns.remove(copy.c[name])
        copy.indexes = {i for i in copy.indexes if i.name not in ADDED_INDEXES}
        added = set(ADDED_COLUMNS.get(table.name, ()))
        copy.foreign_keys.difference_update(
            [fk for fk in copy.foreign_keys if fk.parent.name in added]
        )
        copy.constraints = {
            c
            for c in copy.constraints
            if not (
                isinstance(c, ColumnCollectionConstraint)
                and any(col.name in added for col in c.columns)
            )
        }
    return old


def make_legacy_database(path: Path) -> None:
    """What chipwatch 0.1.0's `create_schema` made: create_all, then the FTS5 index."""
    engine = make_engine(url_of(path))
    metadata_before_migrations().create_all(engine)
    fts.install(engine, layout=1)
    engine.dispose()


def fill(path: Path) -> None:
    """Articles, URL states, a crawl run and the alert outbox, as 0.1.0 wrote them."""
    engine = make_engine(url_of(path))
    old = metadata_before_migrations()
    records = [
        article_record("https://n.example/ascend", "Huawei Ascend 910C im Test"),
        article_record("https://n.example/h20", "Nvidia H20 Exportregeln"),
    ]
    with engine.begin() as conn:  # the columns 0.1.0 had, not today's
        for record in records:
            article_id = conn.execute(
                old.tables["articles"]
                .insert()
                .values(
                    url=record.url,
                    source=record.source,
                    title=record.title,
                    text=record.text,
                    content_hash=record.content_hash,
                    published_at=record.published_at,
                    fetched_at=record.fetched_at,
                )
            ).inserted_primary_key
            assert article_id is not None
            conn.execute(
                old.tables["urls"]
                .insert()
                .values(
                    key=record.url,
                    url=record.url,
                    source=record.source,
                    kind="article",
                    outcome="stored",
                    final=True,
                    failures=0,
                    first_seen=record.fetched_at,
                    article_id=article_id[0],
                )
            )
    engine.dispose()
    sessions = sessionmaker(make_engine(url_of(path)))
    with sessions.begin() as session:
        add_outbox(session, datetime(2026, 11, 3, 9, 30, tzinfo=UTC))
    sessions.kw["bind"].dispose()


def add_outbox(session: Session, moment: datetime) -> None:
    first_id = session.scalar(select(Article.id).where(Article.url == "https://n.example/ascend"))
    session.add(
        UrlState(
            key="https://n.example/feed",
            url="https://n.example/feed",
            source="Wire",
            kind="feed",
            etag='"v1"',
            last_modified="Tue, 03 Nov 2026 09:00:00 GMT",
            last_status=200,
        )
    )
    session.add(
        UrlState(
            key="https://n.example/gone",
            url="https://n.example/gone",
            source="Wire",
            kind="article",
            outcome="error:http_404",
            final=True,
            failures=1,
            last_fetched=moment,
        )
    )
    run = CrawlRun(spider="news", status="finished", finished_at=moment, counters={"a": 1})
    session.add(run)
    session.add(AlertRuleState(name="ascend", query="huawei AND ascend", watermark=first_id))
    message = AlertMessage(
        rule="ascend",
        kind="immediate",
        message_id="<1@chipwatch>",
        recipients=["team@example.org"],
        subject="chipwatch: ascend",
        raw=b"Subject: chipwatch: ascend\r\n\r\nbody",
        status="sent",
        sent_at=moment,
    )
    session.add(message)
    session.flush()
    session.execute(  # the columns 0.1.0 had
        metadata_before_migrations()
        .tables["crawl_run_sources"]
        .insert()
        .values(
            run_id=run.id,
            source="Wire",
            requests=3,
            not_modified=0,
            new_articles=2,
            skipped={},
            errors={},
        )
    )
    session.execute(
        metadata_before_migrations()
        .tables["alert_matches"]
        .insert()
        .values(
            rule="ascend",
            article_id=first_id,
            matched_terms=["huawei"],
            message_id=message.id,
            matched_at=moment,
        )
    )


def article_record(url: str, text_: str) -> ArticleRecord:
    return ArticleRecord(
        url=url,
        source="Wire",
        text=text_ + " " + "Lorem ipsum. " * 20,
        title=text_,
        content_hash=str(abs(hash(url))),
        keys={url: url},
        published_at=datetime(2026, 11, 2, 8, tzinfo=UTC),
        compressed_html=compress_html(f"<p>{text_}</p>"),
    )


TABLES = (
    "articles",
    "urls",
    "crawl_runs",
    "crawl_run_sources",
    "alert_rules",
    "alert_matches",
    "alert_messages",
)


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in the columns chipwatch 0.1.0 had."""
    old = metadata_before_migrations()
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(
                f"SELECT {', '.join(c.name for c in old.tables[table].columns)} "
                f"FROM {table} ORDER BY rowid"
            ).fetchall()
            for table in TABLES
        }


def test_db_upgrade_adopts_a_database_made_before_migrations_with_every_row_intact(
    run_cli: Cli, tmp_path: Path
) -> None:
    config = config_for(tmp_path)
    db = tmp_path / "chipwatch.db"
    make_legacy_database(db)
    fill(db)
    before = snapshot(db)
    assert [len(before[t]) for t in TABLES] == [2, 4, 1, 1, 1, 1, 1]

    result = run_cli("db", "upgrade", config=config)

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"sqlite:///{db}: adopted a database made before migrations (stamped 0001) and "
        f"upgraded it to {HEAD} (head)\n"
    )
    assert snapshot(db) == before
    with sqlite3.connect(db) as conn:  # revision 0002 analysed the stored articles
        assert conn.execute(
            "SELECT count(*) FROM articles WHERE analyzer_version = 1"
        ).fetchone() == (2,)
    assert differences(url_of(db)) == []
    assert schema_status(url_of(db)).up_to_date
    found = run_cli("search", "ascend", "--json", config=config)
    assert found.returncode == 0, found.stderr
    assert '"url": "https://n.example/ascend"' in found.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_the_adopted_schema_equals_a_fresh_one(tmp_path: Path) -> None:
    make_legacy_database(tmp_path / "old.db")
    upgrade(url_of(tmp_path / "old.db"))
    upgrade(url_of(tmp_path / "new.db"))

    def ddl(path: Path) -> list[tuple[str, list[str]]]:
        """Each table's and index's definition, one sorted line per column or constraint
        (batch mode may order constraints differently, and SQLite quotes a renamed
        table's name)."""
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
            return sorted(
                (name, sorted(line.strip().rstrip(",") for line in sql.split("\n")))
                for name, sql in ((n, s.replace(f'"{n}"', n)) for n, s in rows)
            )

    assert ddl(tmp_path / "old.db") == ddl(tmp_path / "new.db")


def test_a_pre_migration_database_that_differs_is_refused_and_left_unchanged(
    run_cli: Cli, tmp_path: Path
) -> None:
    config = config_for(tmp_path)
    db = tmp_path / "chipwatch.db"
    make_legacy_database(db)
    fill(db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX ix_articles_source")
    before = snapshot(db)
    result = run_cli("db", "upgrade", config=config)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: sqlite:///{db}: made before migrations, but its schema is not the one "
        "revision 0001 expects: add index ix_articles_source; nothing was changed\n"
    )
    assert snapshot(db) == before
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        (articles,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'articles'"
        ).fetchone()
    assert "alembic_version" not in tables
    assert "pk_articles" not in articles  # the rebuild was rolled back too


def test_after_an_upgrade_a_session_can_write_at_once(tmp_path: Path) -> None:
    """The migration engine's BEGIN IMMEDIATE is its own: a normal session can write
    right after an upgrade."""
    url = url_of(tmp_path / "cw.db")
    upgrade(url)
    sessions = open_database(url)
    with sessions.begin() as session:
        session.execute(
            text(
                "INSERT INTO alert_rules (name, query, watermark, created_at) "
                "VALUES ('r', 'q', 0, '2026-01-01 00:00:00')"
            )
        )
    sessions.kw["bind"].dispose()


def test_reindex_redoes_stale_analyses_in_resumable_batches(run_cli: Cli, tmp_path: Path) -> None:
    config = config_for(tmp_path)
    db = tmp_path / "chipwatch.db"
    assert run_cli("init", config=config).returncode == 0
    sessions = open_database(url_of(db))
    with sessions.begin() as session:
        store_articles(
            session,
            [
                article_record(f"https://n.example/{i}", f"Nvidias H20 Exporte {i}")
                for i in range(5)
            ],
        )
    sessions.kw["bind"].dispose()
    with sqlite3.connect(db) as conn:  # as if an older analyzer had made three of them
        conn.execute("UPDATE articles SET analyzer_version = 0, index_de = 'x\nx' WHERE id <= 3")
    stale = run_cli("search", "nvidia", "--json", config=config)
    assert stale.stdout.count('"url"') == 5  # a stale analysis is not trusted: analysed afresh

    result = run_cli("reindex", "--batch", "2", config=config)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Reindexed 3 article(s)."
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT DISTINCT analyzer_version FROM articles").fetchall() == [(1,)]
        (de,) = conn.execute("SELECT index_de FROM articles WHERE id = 1").fetchone()
    assert de.startswith("nvidias h20 export")
    again = run_cli("reindex", config=config)
    assert again.returncode == 0
    assert again.stdout == ""  # nothing left: silent under cron


def test_revision_0007_derives_the_vocabulary_of_articles_stored_before_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "chipwatch.db"
    upgrade(url_of(db))
    sessions = open_database(url_of(db))
    with sessions.begin() as session:
        store_articles(session, [article_record("https://n.example/1", "Nvidias H20-Chips")])
    sessions.kw["bind"].dispose()
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT index_vocab FROM articles").fetchone()
    assert stored.split("\n")[0].split(" ")[:3] == ["nvidias", "h20", "chips"]

    engine = make_migration_engine(url_of(db))
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0006")
            assert "index_vocab" not in {c["name"] for c in inspect(conn).get_columns("articles")}
            command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT index_vocab FROM articles").fetchall() == [(stored,)]
        triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert {name for (name,) in triggers} >= {"articles_fts_insert", "articles_fts_update"}
    assert differences(url_of(db)) == []


def test_postgresql_gets_the_same_schema_and_its_search_column(postgres_url: str) -> None:
    """The same migrations on PostgreSQL: the models' schema exactly, plus (revision
    0005) the search column and its GIN index, which a downgrade removes again."""
    from storage import pgsearch
    from storage.schema import schema_differences

    assert upgrade(postgres_url).after.current == HEAD
    engine = make_migration_engine(postgres_url)
    try:
        with engine.begin() as conn:
            assert schema_differences(conn) == []
            columns = {c["name"] for c in inspect(conn).get_columns("articles")}
            indexes = {i["name"] for i in inspect(conn).get_indexes("articles")}
            assert pgsearch.SEARCH_COLUMN in columns
            assert pgsearch.SEARCH_INDEX in indexes
            assert indexes >= EXPRESSION_INDEXES  # left out of the diff, there all the same
            command.downgrade(alembic_config(conn), "0002")
            assert pgsearch.SEARCH_COLUMN not in {
                c["name"] for c in inspect(conn).get_columns("articles")
            }
            command.upgrade(alembic_config(conn), "head")
            assert schema_differences(conn) == []
    finally:
        engine.dispose()
