"""The alert query language: parsing, matching semantics, seed expectations, properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.analyzer import fold as normalized
from analysis.matcher import ArticleView, Rule, RuleSet
from analysis.query import And, Meta, Not, Or, QuerySyntaxError, Term, parse_query
from tests.newsweb import load_seeds, seeds_available


def matches(
    query: str,
    title: str = "",
    text: str = "",
    source: str = "",
    language: str | None = None,
    url: str = "",
) -> bool:
    rules = RuleSet([Rule.parse("r", query)])
    view = ArticleView(title=title, text=text, source=source, language=language, url=url)
    return bool(rules.match(view))


# ---- the seed articles, as their README expects -----------------------------------


@pytest.fixture(scope="module")
def seed_views() -> dict[str, ArticleView]:
    if not seeds_available():
        pytest.skip("../shared/seeds is not beside the checkout")
    return {
        seed.key: ArticleView(
            title=seed.article.title,
            text="\n".join(seed.article.paragraphs),
            language=seed.article.language,
            source="seed",
        )
        for seed in load_seeds()
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nvidia AND (h20 OR h200) AND china", {"000", "002", "003", "004"}),
        ('"T-Head" NOT nvidia', set()),
        ("unicom", {"001"}),
        ("cambricon AND siyuan", {"000", "002"}),
        ("lang:en alibaba", {"004"}),
        ('"moore threads"', {"002"}),
        ("bytedance AND h200", {"003"}),
    ],
)
def test_seed_expectations(
    seed_views: dict[str, ArticleView], query: str, expected: set[str]
) -> None:
    rules = RuleSet([Rule.parse("r", query)])
    assert {key for key, view in seed_views.items() if rules.match(view)} == expected


def test_all_rules_at_once_equal_each_rule_alone(seed_views: dict[str, ArticleView]) -> None:
    queries = [
        "nvidia AND h20",
        "unicom",
        "huawei -cambricon",
        '"nvidia china"~8',
        "smic OR tsmc",
        "alibaba*",
        "lang:de",
        "entity:cambricon",
    ]
    together = RuleSet(Rule.parse(f"r{i}", q) for i, q in enumerate(queries))
    for view in seed_views.values():
        alone = {
            f"r{i}"
            for i, q in enumerate(queries)
            if matches(q, view.title, view.text, language=view.language or "")
        }
        assert {m.rule for m in together.match(view)} == alone


# ---- matching semantics ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("h20", "Nvidias H20-Chips für China", True),
        ("h20", "Der H200 kommt", False),
        ("h20*", "Der H200 kommt", True),
        ("chinesisch*", "Chinesische Kunden", True),
        ("grafikkarte", "Die GRAFIKKARTE ist teuer", True),
        ("muenchen", "Treffen in München", True),
        ("münchen", "Treffen in Muenchen", True),
        ("strasse", "An der Straße", True),
        ("cafe", "Im Café", True),
        ("寒武纪", "寒武纪发布思元590芯片", True),
        ("寒武纪", "寒武发布", False),
        ('"nvidia china"', "Nvidia, China and more", True),
        ('"nvidia china"', "Nvidia sells in China", False),
        ('"nvidia china"~3', "Nvidia sells chips in China", True),
        ('"nvidia china"~1', "Nvidia sells many more chips in China", False),
        ("nvidia china", "China buys from Nvidia", True),
        ("nvidia -china", "China buys from Nvidia", False),
        ("nvidia +china", "Nvidia", False),
        ("(amd OR intel) AND nvidia", "Intel and Nvidia", True),
        ("amd OR intel AND nvidia", "AMD alone", True),
        ("export", "Exportkontrollen", False),
        ("export*", "Exportkontrollen verschärft", True),
        ("c++", "written in C", True),  # punctuation folds away, like hyphens
    ],
)
def test_matching(query: str, text: str, expected: bool) -> None:
    assert matches(query, text=text) is expected


def test_fields() -> None:
    assert matches("title:huawei", title="Huawei Ascend", text="nothing")
    assert not matches("title:huawei", title="Chips", text="Huawei")
    assert matches("text:huawei", title="Chips", text="Huawei")
    assert matches("lang:de huawei", text="Huawei", language="de")
    assert not matches("lang:de huawei", text="Huawei", language="en")
    assert matches("source:heise huawei", text="Huawei", source="heise online")
    assert not matches("source:golem huawei", text="Huawei", source="heise online")
    assert matches("url:heise.de huawei", text="Huawei", url="https://www.heise.de/news/x")
    assert matches("entity:cambricon", text="寒武纪发布新芯片")
    assert matches('entity:"alibaba t-head"', text="Alibabas Chipsparte T-Head")


def test_why_lists_the_words_that_matched() -> None:
    rules = RuleSet([Rule.parse("r", "nvidia AND (h20 OR h200) AND china* -amd")])
    (match,) = rules.match(ArticleView(title="", text="Nvidia H200 für Chinas Rechenzentren"))
    # a folded or stemmed match names the text's own word too
    assert match.matched == ("nvidia", "h200", "china* (chinas)")


def test_why_writes_chinese_as_chinese_is_written() -> None:
    rules = RuleSet([Rule.parse("r", '"华为、昇腾" AND "nvidia 芯片" AND 寒武纪')])
    (match,) = rules.match(ArticleView(title="", text="华为，昇腾；Nvidia芯片与寒武纪"))
    assert match.matched == ('"华为 昇腾"', '"nvidia 芯片"', "寒武纪")


def test_why_quotes_the_texts_own_words_not_the_indexs_folded_forms() -> None:
    # the index folds "ue" as a German umlaut ("revenues" → "revenus"): never shown
    rules = RuleSet([Rule.parse("r", 'revenue* AND muenchen AND "huawei ascend"~3')])
    text = "Huawei has outlined the Ascend roadmap; revenues grow in München."
    (match,) = rules.match(ArticleView(title="", text=text))
    assert match.matched == ("revenue* (revenues)", "muenchen (münchen)", '"huawei ascend"~3')


@pytest.mark.parametrize(
    ("query", "text", "shown"),
    [
        ("nvidia", "Die Nvidiastock-Kurse und Nvidia", "nvidia"),  # not inside another word
        ("chip", "Chiphersteller und KI-Chips", "chip (chips)"),
        ("munchen", "Nach Muenchen", "munchen (muenchen)"),  # the index's "munchen" unwritten
        ("cafe", "Ein Cafe\u0301 in Berlin", "cafe (café)"),  # a mark NFKC joins to the e
        ("芯", "英伟达芯片", "芯"),
        ("nvidia", "Nvidia芯片", "nvidia"),
        # the word as written where it matched, though the text writes it so elsewhere
        ("cafe", "Café, dann Cafe", "cafe (café)"),
        ("muenchen", "München und Munchen", "muenchen (münchen)"),
        ("umsatz*", "Umsaetze, Umsatze", "umsatz* (umsaetze)"),
        ('"nestlé"', "Nestlé und Nestle", "nestlé"),
        ("nvidia", "Nvídia, nvidia™", "nvidia (nvídia)"),  # NFKC reads "nvidiatm"
        ("nvidia", "„Nvidia“ – und Nvidia", "nvidia"),
        ('"munchen messe"', "München Messe, Munchen Messe", '"munchen messe" (münchen messe)'),
        ('"moore threads"', "Moore-Threads", '"moore threads"'),
        ('"华为、昇腾"', "华为，昇腾", '"华为 昇腾"'),
    ],
)
def test_why_shows_the_word_as_the_text_writes_it(query: str, text: str, shown: str) -> None:
    (match,) = RuleSet([Rule.parse("r", query)]).match(ArticleView(title="", text=text))
    assert match.matched == (shown,)


def test_rules_without_positive_words_are_still_evaluated() -> None:
    rules = RuleSet([Rule.parse("de", "lang:de"), Rule.parse("x", "nvidia")])
    assert [m.rule for m in rules.match(ArticleView(title="", text="Intel", language="de"))] == [
        "de"
    ]


def test_a_rule_is_woken_only_by_all_of_its_required_words() -> None:
    # Each rule is looked at only when its two most selective required parts are in the
    # article; what wakes it must never decide more than its own tree would.
    rules = RuleSet(
        [
            Rule.parse("and", '"moore threads" AND (h20 OR ascend*) AND export'),
            Rule.parse("near", "huawei NEAR/3 ascend AND china"),
            Rule.parse("or-with-not", "(nvidia OR -amd) AND chip"),
            Rule.parse("title", "title:smic AND export"),
        ]
    )

    def woken(text: str, title: str = "") -> list[str]:
        return [m.rule for m in rules.match(ArticleView(title=title, text=text))]

    assert woken("Moore Threads export of Ascend chips") == ["and", "or-with-not"]
    assert woken("Moore Threads and Ascend chips") == ["or-with-not"]  # no export
    assert woken("Moore and Threads export H20") == []  # the phrase is broken; AMD absent, no chip
    assert woken("Huawei's new Ascend chip for China") == ["near", "or-with-not"]
    assert woken("Huawei sells in China; years later came the Ascend") == []
    assert woken("AMD chip") == []
    assert woken("AMD and Nvidia chip") == ["or-with-not"]
    assert woken("export", title="SMIC") == ["title"]
    assert woken("SMIC export", title="Export") == []  # smic in the text, not the title


# ---- invalid queries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("nvidia AND (", "unexpected end of query", 12),
        ('"nvidia', "a quote that is not closed", 0),
        ('nvidia AND "h20 chips', "a quote that is not closed", 11),
        ("x AND AND y", "unexpected 'AND'", 6),
        ("foo:bar", "unknown field 'foo'", 0),
        ("NOT nvidia", "only NOT terms", 0),
        ("a*b", "only a leading or trailing * is supported", 0),
        ("entity:nokia", "unknown entity 'nokia'", 7),
        ("", "empty query", None),
        ("[a TO b]", "range queries are not supported", None),
        ("0^.", "a number must follow ~ and ^", 1),
        ("chip~1.2.3", "a number must follow ~ and ^", 4),
        ('"nvidia china"~1.5', "a number must follow ~ and ^", 14),
    ],
)
def test_invalid_queries_name_position_and_expectation(
    query: str, message: str, position: int | None
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert message in str(caught.value)
    if position is not None:
        assert caught.value.position == position
        assert "^" in str(caught.value)


# ---- properties ---------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "nvidia",
        "h20",
        "h200",
        "huawei",
        "ascend",
        "china",
        "smic",
        "export",
        "münchen",
        "寒武纪",
        "t-head",
        "cambricon",
    ]
)


# a generated tree: a word, or (operator, children)
_Tree = str | tuple[str, Any]


def _render(node: _Tree) -> str:
    if isinstance(node, str):
        return f'"{node}"' if " " in node or "-" in node else node
    kind, children = node
    if kind == "not":
        return f"NOT {_render(children)}"
    joined = f" {kind.upper()} ".join(_render(c) for c in children)
    return f"({joined})"


trees = st.recursive(
    WORDS,
    lambda inner: st.one_of(
        st.tuples(st.just("and"), st.lists(inner, min_size=2, max_size=3)),
        st.tuples(st.just("or"), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)


def _truth(node: _Tree, present: set[str]) -> bool:
    if isinstance(node, str):
        return normalized(node) in present
    kind, children = node
    results = [_truth(c, present) for c in children]
    return all(results) if kind == "and" else any(results)


@settings(max_examples=200, deadline=None)
@given(tree=trees, present=st.sets(WORDS, max_size=6))
def test_matching_agrees_with_boolean_truth(tree: _Tree, present: set[str]) -> None:
    """For any AND/OR tree of words and any article holding some of the words, the rule
    matches exactly when the tree is true of the words present."""
    query = _render(tree)
    text = " lorem ".join(sorted(present)) or "lorem"
    folded = {normalized(w) for w in present}
    assert matches(query, text=text) is _truth(tree, folded)


@pytest.mark.parametrize("query", ["0~.", "h20~.", '"nvidia h20"~.', '"nvidia h20"~1.5'])
def test_a_tilde_followed_by_no_number_is_a_syntax_error(query: str) -> None:
    """Found by test_parser_never_crashes: luqum raised decimal.InvalidOperation or
    ValueError reading what follows the ~."""
    with pytest.raises(QuerySyntaxError, match=r"a number must follow ~ and \^"):
        parse_query(query)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parser_never_crashes(query: str) -> None:
    """Any input either parses into a tree or raises QuerySyntaxError, never anything else."""
    try:
        node = parse_query(query)
    except QuerySyntaxError:
        return
    assert isinstance(node, Term | Meta | And | Or | Not)


def test_readme_alert_examples_parse_and_its_config_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import re

    from chipwatch.config import load_config
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Alerts", 1)[1].split("\n## ", 1)[0]
    examples = section.split("Examples for this field:", 1)[1].split("```")[1]
    queries = [line for line in examples.splitlines() if line.strip()]
    assert len(queries) >= 5
    for query in queries:
        parse_query(query)
    toml = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert toml is not None
    path = tmp_path / "chipwatch.toml"
    path.write_text(toml.group(1), encoding="utf-8")
    config = load_config(path)
    assert [a.name for a in config.alerts] == ["nvidia-china", "china-accelerators"]
    assert config.sources[0].require
