"""`search`, `alerts test` and a live rule find the same articles for the same query:
random queries (words, inflections, umlaut spellings, phrases, wildcards on both ends,
NEAR/n, AND/OR/NOT) over a stored corpus of German, English and Chinese sentences, on
SQLite and on PostgreSQL; and one table of queries gives the same hits on both."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.service import backtest
from analysis.matcher import ArticleView, Rule, RuleSet
from analysis.query import parse_query
from storage import Article, ArticleRecord, open_database, pgsearch, search, store_articles, upgrade
from storage.search import _candidates
from tests.conftest import BACKENDS, database

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


def store_corpus(url: str) -> sessionmaker[Session]:
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
    return sessions


@pytest.fixture(scope="module", params=BACKENDS)
def stored(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path_factory.mktemp("agreement")) as url:
        yield store_corpus(url)


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
        found = {session.get_one(Article, i).url for i in ids}
    assert found == tested == live


def test_the_corpus_gives_both_hits_and_misses(stored: sessionmaker[Session]) -> None:
    with stored() as session:
        assert 0 < len(search(session, "nvidia", limit=1000)) < 60
        assert 0 < len(search(session, "*kontrollen", limit=1000)) < 60


# One table of queries for both backends: every kind of term, the operators, fields,
# entities, CJK, and words the index cannot narrow (suffix, infix, metadata, NOT).
TABLE = [
    "nvidia",
    "nvidias",
    "chip",
    "chips",
    "ki",
    "exportkontrolle",
    "muenchen",
    "münchen",
    "umsätze",
    "strasse",
    "straße",
    "h20 OR h200",
    "nvidia AND china",
    "nvidia -china",
    "huawei NOT ascend",
    '"nvidia s"',
    '"ki chips"',
    '"export control"',
    '"chips nvidia"~3',
    "export*",
    "chip*",
    "*kontrollen",
    "*port*",
    "nvidia NEAR/2 chips",
    "寒武纪",
    "华为 AND 芯片",
    '"华为昇腾"',
    "出口 OR licence",
    "entity:nvidia",
    "entity:cambricon OR entity:huawei",
    "title:nvidia",
    "text:nvidia AND source:wire",
    "lang:de OR h20",
    "(nvidia OR huawei) AND (chip* OR 芯片) -ban",
]


@pytest.fixture(scope="module")
def both(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, sessionmaker[Session]]]:
    folder = tmp_path_factory.mktemp("both")
    with database("sqlite", folder) as lite, database("postgresql", folder) as pg:
        yield {"sqlite": store_corpus(lite), "postgresql": store_corpus(pg)}


def hits(sessions: sessionmaker[Session], query: str) -> list[str]:
    with sessions() as session:
        return [
            session.get_one(Article, hit.article_id).url
            for hit in search(session, query, limit=1000)
        ]


@pytest.mark.parametrize("query", TABLE)
def test_both_backends_give_the_same_hits(
    both: dict[str, sessionmaker[Session]], query: str
) -> None:
    rules = RuleSet([Rule.parse("live", query)])
    expected = {
        f"https://n.example/{i}"
        for i, text in enumerate(corpus())
        if rules.match(ArticleView(title="", text=text, source="Wire"))
    }
    on_sqlite, on_postgresql = hits(both["sqlite"], query), hits(both["postgresql"], query)
    assert on_sqlite == on_postgresql  # the same articles, in the same order
    assert set(on_postgresql) == expected


def test_the_table_has_hits_and_misses(both: dict[str, sessionmaker[Session]]) -> None:
    counts = [len(hits(both["postgresql"], query)) for query in TABLE]
    assert any(0 < n < 60 for n in counts)
    assert 0 in counts


@pytest.mark.parametrize(
    ("query", "narrowed"),
    [("寒武纪", True), ("h20 OR h200", True), ('"ki chips"', True), ("*kontrollen", False)],
)
def test_postgresql_narrows_candidates_through_its_index(
    both: dict[str, sessionmaker[Session]], query: str, narrowed: bool
) -> None:
    """The tsquery finds candidates through the GIN-indexed column (not every article):
    only the articles that hold the query's tokens, a superset of the matches."""
    with both["postgresql"]() as session:
        node = parse_query(query)
        compiled = pgsearch.tsquery(
            node, pgsearch.intact_tokens(session, pgsearch.query_tokens(node))
        )
        candidates = _candidates(session, node, 0, 1000)
        matches = {hit.article_id for hit in search(session, query, limit=1000)}
    assert (compiled is not None) == narrowed
    assert matches <= set(candidates)
    if narrowed:
        assert len(candidates) < 60


@pytest.mark.parametrize(
    ("query", "phrases"),
    [
        ('"huawei ascend"', ["huawei ascend"]),
        ('"nvidia s chips" OR "ki chips" -ban', ["nvidia s chips", "ki chips"]),
        ("华为芯片", ["华 为 芯 片"]),  # unquoted: its characters in a row
    ],
)
def test_postgresql_looks_for_a_required_phrase_in_the_database(
    both: dict[str, sessionmaker[Session]], query: str, phrases: list[str]
) -> None:
    """The candidates are the articles that hold one of the phrases as written, not every
    article with its words somewhere: the matcher is not handed the rest one by one."""
    with both["postgresql"]() as session:
        node = parse_query(query)
        candidates = set(_candidates(session, node, 0, 1000))
        matches = {hit.article_id for hit in search(session, query, limit=1000)}
        rows = session.execute(select(Article.id, Article.index_surface))
        surfaces = {article_id: surface or "" for article_id, surface in rows}
    holding = {i for i, surface in surfaces.items() if any(p in surface for p in phrases)}
    with_words = {
        i
        for i, surface in surfaces.items()
        if any(set(p.split(" ")) <= set(surface.split()) for p in phrases)
    }
    assert matches <= candidates <= holding
    assert holding < with_words  # the corpus has articles the phrase filter leaves out


@settings(max_examples=60, deadline=None)
@given(rule_queries=st.lists(queries, min_size=2, max_size=12))
def test_many_rules_at_once_match_as_each_rule_alone(rule_queries: list[str]) -> None:
    # A rule set wakes a rule only when the words it needs are in the article, sharing
    # patterns between rules: that must never change what a rule finds, nor why.
    rules = [Rule.parse(f"rule-{i}", query) for i, query in enumerate(rule_queries)]
    together = RuleSet(rules)
    alone = [RuleSet([rule]) for rule in rules]
    for text in corpus():
        article = ArticleView(title="", text=text)
        assert together.match(article) == [m for one in alone for m in one.match(article)]
