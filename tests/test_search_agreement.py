"""`search`, `alerts test` and a live rule find the same articles for the same query:
random queries (words, inflections, umlaut spellings, phrases, wildcards on both ends,
NEAR/n, AND/OR/NOT) over a stored corpus of German, English and Chinese sentences."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from alerts.service import backtest
from analysis.matcher import ArticleView, Rule, RuleSet
from storage import ArticleRecord, open_database, search, store_articles, upgrade

VOCABULARY = [
    "Nvidia", "Nvidias", "Nvidia's", "Chip", "Chips", "KI-Chips", "Chiphersteller",
    "Export", "Exporte", "Exportkontrollen", "Exportkontrolle", "controls", "control",
    "München", "Muenchen", "Umsatz", "Umsätze", "China", "Chinas", "H20", "H200",
    "Huawei", "Ascend", "licence", "licences", "ban", "bans", "Straße", "strasse",
    "寒武纪", "华为", "昇腾", "芯片", "出口",
]  # fmt: skip
QUERY_WORDS = [
    "nvidia", "chip", "chips", "export", "exportkontrolle", "control", "muenchen",
    "munchen", "umsatz", "china", "h20", "h200", "huawei", "ascend", "licence", "ban",
    "strasse", "寒武纪", "华为", "芯片",
]  # fmt: skip


def corpus(count: int = 60, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(VOCABULARY, k=rng.randint(3, 12))) for _ in range(count)]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    path: Path = tmp_path_factory.mktemp("agreement") / "c.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    sessions = open_database(url)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with sessions.begin() as session:
        store_articles(
            session,
            [
                ArticleRecord(
                    url=f"https://n.example/{i}",
                    source="Wire",
                    title="",
                    text=text,
                    content_hash=f"h{i}",
                    keys={f"https://n.example/{i}": f"https://n.example/{i}"},
                    published_at=start + timedelta(hours=i),
                    fetched_at=start + timedelta(hours=i),
                )
                for i, text in enumerate(corpus())
            ],
        )
    yield sessions
    sessions.kw["bind"].dispose()


def leaf() -> st.SearchStrategy[str]:
    word = st.sampled_from(QUERY_WORDS)
    return st.one_of(
        word,
        word.map(lambda w: f"{w}*"),
        word.filter(lambda w: len(w) >= 2).map(lambda w: f"*{w[1:]}"),
        word.filter(lambda w: len(w) >= 3).map(lambda w: f"*{w[1:-1]}*"),
        st.tuples(word, word).map(lambda p: f'"{p[0]} {p[1]}"'),
        st.tuples(word, word, st.integers(1, 6)).map(lambda p: f"{p[0]} NEAR/{p[2]} {p[1]}"),
    )


queries = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]} AND {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} NOT {p[1]})"),
    ),
    max_leaves=4,
)


@settings(max_examples=150, deadline=None)
@given(query=queries)
def test_search_alerts_test_and_live_rule_agree(stored: sessionmaker[Session], query: str) -> None:
    rules = RuleSet([Rule.parse("live", query)])
    texts = corpus()
    live = {
        f"https://n.example/{i}"
        for i, text in enumerate(texts)
        if rules.match(ArticleView(title="", text=text))
    }
    tested = {a.url for a, _ in backtest(stored, query, datetime(2000, 1, 1, tzinfo=UTC))}
    with stored() as session:
        ids = [hit.article_id for hit in search(session, query, limit=1000)]
        from storage import Article

        found = {session.get_one(Article, i).url for i in ids}
    assert found == tested == live


def test_the_corpus_gives_both_hits_and_misses(stored: sessionmaker[Session]) -> None:
    with stored() as session:
        assert 0 < len(search(session, "nvidia", limit=1000)) < 60
        assert 0 < len(search(session, "*kontrollen", limit=1000)) < 60
