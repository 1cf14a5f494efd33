"""`chipwatch db copy --to URL`: an SQLite archive moves into PostgreSQL with its history,
and search there finds what it found before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.service import run_alerts
from chipwatch.config import load_config
from crawler.worker import compress_html
from storage import (
    Article,
    ArticleRecord,
    Base,
    ListingState,
    SourceCounters,
    UrlOutcome,
    finish_run,
    open_database,
    record_outcomes,
    save_listing_states,
    search,
    start_run,
    store_articles,
)
from storage.stage import analyse_pending
from tests.conftest import FAST_CRAWL, chipwatch, source_block, with_database, write_config

START = datetime(2026, 11, 1, 8, tzinfo=UTC)
TEXTS = [
    "Nvidia darf den H20 wieder nach China liefern.",
    "Huawei baut die Ascend-Produktion aus; 寒武纪 meldet Rekordumsatz.",
    "Exportkontrollen für KI-Chips werden verschärft.",
    "Moore Threads zeigt eine neue GPU.",
]


def populated_config(folder: Path) -> Path:
    email = f'\n[email]\nfrom = "a@chipwatch.test"\noutbox_dir = "{folder / "mail"}"\n'
    rules = (
        '\n[[alerts]]\nname = "h20"\nquery = "h20 OR ascend"\nrecipients = ["me@example.org"]\n'
        "backfill_days = 3650\n"
    )
    body = FAST_CRAWL + source_block("Wire", feeds=["http://127.0.0.1:9/feed.xml"]) + email + rules
    config = write_config(folder, body)
    assert chipwatch(config, "db", "upgrade").returncode == 0
    sessions = open_database(load_config(config).database_url)
    with sessions.begin() as session:
        run = start_run(session, "news", started_at=START)
        store_articles(
            session,
            [
                ArticleRecord(
                    url=f"https://n.example/{i}",
                    source="Wire",
                    title=f"Meldung {i}",
                    text=f"{text} (Meldung {i})",  # not copies of each other
                    content_hash=f"h{i}",
                    keys={f"https://n.example/{i}": f"https://n.example/{i}"},
                    published_at=START + timedelta(hours=i),
                    compressed_html=compress_html(f"<p>{text}</p>"),
                )
                for i, text in enumerate(TEXTS * 30)  # 120 articles: several batches
            ],
        )
        record_outcomes(
            session,
            [
                UrlOutcome(
                    "https://n.example/x.pdf",
                    "https://n.example/x.pdf",
                    "Wire",
                    "skipped:not_html",
                    True,
                )
            ],
            max_failures=3,
        )
        save_listing_states(
            session,
            [
                ListingState(
                    "https://n.example/feed",
                    "https://n.example/feed",
                    "Wire",
                    "feed",
                    200,
                    '"v1"',
                    None,
                )
            ],
        )
        finish_run(
            session,
            run,
            status="finished",
            counters={"requests": 3},
            sources={"Wire": SourceCounters(requests=3, new_articles=120)},
        )
    config_data = load_config(config)
    analyse_pending(sessions)  # tags, stories: copied with the rest
    run_alerts(sessions, config_data.alerts, config_data.email, START + timedelta(days=1))
    return config


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def found(sessions: sessionmaker[Session], query: str) -> list[str]:
    from storage import Article

    with sessions() as session:
        return [
            session.get_one(Article, h.article_id).url for h in search(session, query, limit=500)
        ]


def test_an_sqlite_archive_moves_into_postgresql_with_its_history_once(
    tmp_path: Path, postgres_url: str
) -> None:
    config = populated_config(tmp_path)
    source = open_database(load_config(config).database_url)
    result = chipwatch(config, "db", "copy", "--to", postgres_url, "--batch", "50")
    assert result.returncode == 0, result.stderr
    assert "copied" in result.stdout
    assert "120 articles" in result.stdout
    target = open_database(postgres_url)
    before, after = counts(source), counts(target)
    assert after == before
    assert before["articles"] == 120
    # every article the rule matches once, but not the copies the stage found
    with source() as session:
        originals = session.scalar(
            select(func.count())
            .select_from(Article)
            .where(
                Article.duplicate_of.is_(None),
                or_(Article.text.contains("H20"), Article.text.contains("Ascend")),
            )
        )
    assert before["alert_matches"] == originals
    assert 0 < before["alert_matches"] < 60
    assert before["alert_messages"] == 1
    assert before["urls"] == 122
    assert before["crawl_runs"] == 1
    assert before["mentions"] > 0
    assert 0 < before["stories"] < 120
    for query in ("h20 OR ascend", "寒武纪", "exportkontrolle", '"moore threads"', "*kontrollen"):
        assert found(target, query) == found(source, query), query

    # the copy is a working database: the next run goes on where the archive stopped
    (tmp_path / "moved").mkdir()
    moved = write_config(
        tmp_path / "moved", with_database(config.read_text(encoding="utf-8"), postgres_url)
    )
    assert chipwatch(moved, "db", "current").returncode == 0
    with target.begin() as session:
        (stored,) = store_articles(
            session,
            [
                ArticleRecord(
                    url="https://n.example/new",
                    source="Wire",
                    text="Nvidia H20 neu",
                    content_hash="new",
                    keys={"https://n.example/new": "https://n.example/new"},
                )
            ],
        )
    assert stored.stored
    assert stored.article_id == 121
    assert chipwatch(moved, "alerts").returncode == 0
    assert counts(target)["alert_matches"] == before["alert_matches"] + 1

    # now the target holds rows: refused, unless they are to be replaced
    again = chipwatch(config, "db", "copy", "--to", postgres_url)
    assert again.returncode == 1
    assert again.stderr.startswith("Error: ")
    assert "the target database is not empty (" in again.stderr
    assert "121 articles" in again.stderr
    assert "--replace" in again.stderr
    replaced = chipwatch(config, "db", "copy", "--to", postgres_url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert counts(target) == before
