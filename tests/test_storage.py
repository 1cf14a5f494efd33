"""Storage repository functions against a real SQLite database (WAL) and a real
PostgreSQL database: every test that takes `sessions` runs on both."""

from __future__ import annotations

import random
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from crawler.worker import compress_html
from storage import (
    VERSION_MARK,
    Article,
    ArticleRecord,
    ListingState,
    SearchSyntaxError,
    StorageError,
    UrlOutcome,
    fts,
    known_keys,
    listing_validators,
    make_engine,
    open_database,
    pending_retries,
    raw_html,
    record_outcomes,
    refiltered_urls,
    save_listing_states,
    search,
    store_articles,
    upgrade,
)


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    upgrade(database_url)
    return open_database(database_url)


def record(
    url: str,
    text_: str,
    *,
    source: str = "s",
    keys: dict[str, str] | None = None,
    title: str = "Title",
) -> ArticleRecord:
    return ArticleRecord(
        url=url,
        source=source,
        text=text_,
        content_hash=str(hash(text_)),
        keys=keys or {url: url},
        title=title,
        published_at=datetime(2025, 9, 1, 10, tzinfo=UTC),
        compressed_html=compress_html(f"<p>{text_}</p>"),
    )


def test_one_engine_per_database_in_a_process(tmp_path: Path) -> None:
    """A crawl's spider, middleware, pipeline and run recorder each open the database:
    they share one engine (and its pool); another database gets its own."""
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    upgrade(url)
    first, second = open_database(url), open_database(url)
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    assert first.kw["bind"] is second.kw["bind"]
    assert other.kw["bind"] is not first.kw["bind"]
    first.kw["bind"].dispose()  # what a component does when the spider closes
    with second.begin() as session:  # the others carry on with new connections
        assert session.execute(text("SELECT count(*) FROM articles")).scalar() == 0


def test_a_repeated_sqlite_timeout_is_a_storage_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cw.db'}?timeout=1&timeout=2"
    with pytest.raises(
        StorageError, match=r"cw\.db\?timeout=1&timeout=2: \?timeout= is given more"
    ):
        make_engine(url)


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    upgrade(url)
    with open_database(url)() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_store_dedupes_by_any_key_url_and_same_source_text(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = store_articles(
            session,
            [
                record(
                    "https://n/a",
                    "Nvidia H20 text",
                    keys={"https://n/a": "https://n/a", "https://n/a?x": "https://n/a?x"},
                ),
            ],
        )
        again = store_articles(
            session,
            [
                record("https://n/a", "Nvidia H20 text changed"),  # same URL
                record(
                    "https://n/amp", "other", keys={"https://n/a?x": "https://n/amp"}
                ),  # same key
                record("https://n/copy", "Nvidia H20 text"),  # same text, same source
                record("https://m/copy", "Nvidia H20 text", source="other"),  # other source: kept
            ],
        )
    assert first[0].stored
    assert [r.stored for r in again] == [False, False, False, True]
    assert {r.article_id for r in again[:3]} == {first[0].article_id}
    with sessions() as session:
        article = session.scalar(select(Article).where(Article.url == "https://n/a"))
        assert article is not None
        assert article.text == "Nvidia H20 text"
        assert known_keys(
            session, ["https://n/a", "https://n/a?x", "https://n/copy", "https://n/new"]
        ) == {"https://n/a", "https://n/a?x", "https://n/copy"}


def test_raw_html_is_kept_compressed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        store_articles(session, [record("https://n/a", "Body text")])
    with sessions() as session:
        article = session.scalar(select(Article))
        assert article is not None
        assert raw_html(article) == "<p>Body text</p>"
        assert article.published_at == datetime(2025, 9, 1, 10, tzinfo=UTC)


def test_raw_html_stored_before_zstandard_is_still_read(sessions: sessionmaker[Session]) -> None:
    page = "<html><body><p>Nvidia H20 für China: ä, 华为</p></body></html>" * 20
    with sessions.begin() as session:
        store_articles(session, [record("https://n/a", "Body text")])
        article = session.scalar(select(Article))
        assert article is not None
        assert article.raw_html is not None
        assert article.raw_html[:4] == b"\x28\xb5\x2f\xfd"  # stored now: Zstandard
        article.raw_html = zlib.compress(page.encode("utf-8"), 1)  # as stored until 2026-12
    with sessions() as session:
        article = session.scalar(select(Article))
        assert article is not None
        assert raw_html(article) == page


def test_transient_failures_become_final_after_max(sessions: sessionmaker[Session]) -> None:
    outcome = UrlOutcome(
        key="https://n/x",
        url="https://n/x",
        source="s",
        outcome="error:http_500",
        final=False,
        status=500,
    )
    for attempt in range(1, 4):
        with sessions.begin() as session:
            record_outcomes(session, [outcome], max_failures=3)
        with sessions() as session:
            retry = pending_retries(session, ["s"])
            known = known_keys(session, ["https://n/x"])
        if attempt < 3:
            assert retry == [("https://n/x", "s")]
            assert not known
        else:
            assert retry == []
            assert known == {"https://n/x"}


def test_permanent_skip_is_final_at_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        record_outcomes(
            session,
            [
                UrlOutcome(
                    key="https://n/p.pdf",
                    url="https://n/p.pdf",
                    source="s",
                    outcome="skipped:not_html",
                    final=True,
                )
            ],
            max_failures=3,
        )
    with sessions() as session:
        assert known_keys(session, ["https://n/p.pdf"]) == {"https://n/p.pdf"}


def test_a_filter_skip_is_final_only_under_its_filters_version(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        record_outcomes(
            session,
            [
                UrlOutcome(
                    key="https://n/a",
                    url="https://n/a",
                    source="s",
                    outcome=f"skipped:not_required{VERSION_MARK}v1",
                    final=True,
                ),
                UrlOutcome("https://n/b", "https://n/b", "s", "skipped:not_html", final=True),
            ],
            max_failures=3,
        )
    with sessions() as session:
        keys = ["https://n/a", "https://n/b"]
        assert known_keys(session, keys, {"s": "v1"}) == {"https://n/a", "https://n/b"}
        assert known_keys(session, keys, {"s": "v2"}) == {"https://n/b"}
        # another source's filter, or none given: what was decided stands
        assert known_keys(session, keys, {"other": "v2"}) == {"https://n/a", "https://n/b"}
        assert known_keys(session, keys) == {"https://n/a", "https://n/b"}
        # and the next run asks for it again, whatever its listing says
        assert refiltered_urls(session, {"s": "v2"}) == [("https://n/a", "s")]
        assert refiltered_urls(session, {"s": "v1"}) == []


def test_listing_validators_survive_a_304(sessions: sessionmaker[Session]) -> None:
    state = ListingState(
        key="https://n/feed",
        url="https://n/feed",
        source="s",
        kind="feed",
        status=200,
        etag='"v1"',
        last_modified="Mon, 01 Sep 2025 10:00:00 GMT",
    )
    with sessions.begin() as session:
        save_listing_states(session, [state])
    with sessions.begin() as session:
        save_listing_states(
            session,
            [
                ListingState(
                    **{**state.__dict__, "status": 304, "etag": None, "last_modified": None}
                )
            ],
        )
    with sessions() as session:
        assert listing_validators(session, ["https://n/feed"]) == {
            "https://n/feed": ('"v1"', "Mon, 01 Sep 2025 10:00:00 GMT")
        }


def test_full_text_search_handles_hyphens_umlauts_and_negation(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        store_articles(
            session,
            [
                record(
                    "https://n/1",
                    "Nvidias H20-Chips für chinesische Kunden in München",
                    title="Eins",
                ),
                record("https://n/2", "Huawei Ascend 910C und AMD MI308", title="Zwei"),
                record("https://n/3", "寒武纪发布新一代思元芯片", title="Drei"),
            ],
        )
    with sessions() as session:

        def ids(q: str) -> list[str]:
            found = {h.article_id for h in search(session, q)}
            return sorted(
                a.url for a in session.scalars(select(Article).where(Article.id.in_(found)))
            )

        assert ids("h20") == ["https://n/1"]
        assert ids("munchen") == ["https://n/1"]
        assert ids('"h20 chips"') == ["https://n/1"]
        assert ids("chines*") == ["https://n/1"]
        assert ids("ascend OR h20") == ["https://n/1", "https://n/2"]
        assert ids("huawei -amd") == []
        assert ids("寒武纪") == ["https://n/3"]
        assert "[H20]" in search(session, "h20")[0].snippet
        with pytest.raises(SearchSyntaxError):
            search(session, "   ")


def test_search_pages_newest_first_whether_it_sorts_matches_or_walks_the_index(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few matches are sorted; many are found by walking the newest-first index. Both
    give the same order: newest published (or, unpublished, fetched) first, and pages
    that continue each other."""
    rng = random.Random(3)
    records = []
    for i in range(300):
        text_ = "Nvidia H20 Lieferung" if i % 3 else "Huawei Ascend Lieferung"
        item = record(f"https://n/{i}", f"{text_} Nummer {i}")
        day = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(5000))
        published = None if i % 7 == 0 else day
        records.append(replace(item, published_at=published, fetched_at=day))
    with sessions.begin() as session:
        store_articles(session, records)
    with sessions() as session:
        newest_first = sorted(
            (a for a in session.scalars(select(Article)) if "Nvidia" in a.text),
            key=lambda a: (a.published_at or a.fetched_at, a.id),
            reverse=True,
        )
        expected = [a.id for a in newest_first]
        sorted_all = [h.article_id for h in search(session, "nvidia h20", limit=500)]
        assert sorted_all == expected
        if session.get_bind().dialect.name != "sqlite":
            return  # the two ways are SQLite's (FTS5); PostgreSQL orders in its query
        monkeypatch.setattr(fts, "_FEW", 10)
        walked = [h.article_id for h in search(session, "nvidia h20", limit=500)]
        plan = session.execute(
            text("EXPLAIN QUERY PLAN " + str(fts._WALK_INDEX)),
            {"match": "x", "size": 1, "offset": 0},
        ).all()
    assert walked == expected
    assert any("USING INDEX ix_articles_newest" in str(row) for row in plan)
