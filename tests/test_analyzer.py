"""The one analyzer and the query language on our own labelled table of German, English
and Chinese cases (tests/match_cases.py), plus the operators and errors around them."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.analyzer import BREAK, TOKEN_RE, Vocabulary, analyze, fold, is_cjk, raw_tokens
from analysis.matcher import ArticleView, Rule, RuleSet
from analysis.query import Near, QuerySyntaxError, parse_query
from tests.match_cases import CASES, Case


def matches(query: str, text: str, language: str | None = None) -> bool:
    rules = RuleSet([Rule.parse("r", query)])
    return bool(rules.match(ArticleView(title="", text=text, language=language)))


def test_the_table_is_large_and_balanced() -> None:
    assert len(CASES) >= 80
    languages = Counter(case.language for case in CASES)
    assert set(languages) == {"de", "en", "zh"}
    assert sum(not case.match for case in CASES) >= 0.3 * len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.language}:{c.why}:{c.query}")
def test_labelled_case(case: Case) -> None:
    assert matches(case.query, case.text, case.language) is case.match


def test_the_vocabulary_keeps_each_distinct_word_and_stem_once() -> None:
    vocabulary = Vocabulary.of(analyze("Nvidia: Chips"), analyze("Nvidias Chips, Nvidia 英伟达"))
    assert vocabulary.words == "nvidia chips nvidias 英 伟 达"
    # where the German and the English stem differ, each stands marked; CJK characters
    # are their own stems
    assert vocabulary.stems.split(" ") == [
        *("nvidia", "de:chips", "en:chip", "de:nvidias", "en:nvidia"),
        *("英", "伟", "达"),
    ]
    assert Vocabulary.from_stored(vocabulary.stored()) == vocabulary


def test_a_stored_vocabulary_gives_the_same_matches_as_one_made_on_the_spot() -> None:
    title, text = "Exportkontrollen", "Nvidias H20-Chips für 英伟达 Kunden"
    analysed = (analyze(title), analyze(text))
    stored = Vocabulary.from_stored(Vocabulary.of(*analysed).stored())
    rules = RuleSet(
        Rule.parse(str(i), q)
        for i, q in enumerate(["nvidia AND chip", "*kontrollen", '"h20 chips"', "英伟达", "chip*"])
    )
    fresh = rules.match(ArticleView(title=title, text=text))
    kept = rules.match(ArticleView(title=title, text=text, analysed=analysed, vocabulary=stored))
    assert [m.rule for m in kept] == [m.rule for m in fresh] == ["0", "1", "2", "3", "4"]
    assert kept == fresh


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Umsätze", "umsaetze"),
        ("München", "Muenchen"),
        ("München", "Munchen"),
        ("Straße", "strasse"),
        ("Société", "societe"),
        ("KI-Chips", "ki chips"),
        ("Nvidia's", "nvidia s"),
    ],
)
def test_folding_meets_in_one_form(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def _tokens_one_by_one(text: str) -> list[str]:
    """raw_tokens by its definition, token by token: a BREAK between two CJK tokens
    whose gap holds more than spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    tokens: list[str] = []
    previous_cjk_end = -1
    for match in TOKEN_RE.finditer(folded):
        cjk = is_cjk(match[0])
        if cjk and previous_cjk_end >= 0:
            gap = folded[previous_cjk_end : match.start()]
            if gap and not gap.isspace():
                tokens.append(BREAK)
        tokens.append(match[0])
        previous_cjk_end = match.end() if cjk else -1
    return tokens


# CJK and Latin letters, the gaps between them (spaces of several kinds, punctuation of
# both scripts, the underscore) and characters at the edges of the CJK ranges
_MIXED = st.text(
    alphabet=st.sampled_from(
        list("ab9Ü_-., \t\n\u3000\u00a0\u200b、。・华为昇腾カナ한글ｶ①²\u2e80\u3099\u0301")
    ),
    max_size=24,
)


@given(_MIXED)
@settings(max_examples=3000, deadline=None)
def test_one_pass_tokens_are_the_tokens_one_by_one(text: str) -> None:
    assert raw_tokens(text) == _tokens_one_by_one(text)


def test_a_long_run_of_punctuation_after_a_chinese_character_is_one_pass() -> None:
    """A hostile page: 200,000 dashes after a CJK character and no CJK character after
    them. A backtracking tokenizer takes hours on it; one pass takes milliseconds."""
    assert raw_tokens("华" + "-" * 200_000 + "a") == ["华", "a"]
    assert raw_tokens("华" + " -" * 100_000 + "为") == ["华", BREAK, "为"]


def test_three_forms_stay_aligned_token_by_token() -> None:
    analysed = analyze("Nvidias H20-Chips für 寒武纪")
    lengths = {len(form.split(" ")) for form in (analysed.surface, analysed.de, analysed.en)}
    assert lengths == {analysed.token_count} == {7}


def test_near_is_an_operator_in_either_order() -> None:
    node = parse_query("nvidia NEAR/3 china")
    assert isinstance(node, Near)
    assert node.distance == 3
    assert matches("china NEAR/3 nvidia", "Nvidia liefert nach China")
    assert not matches(
        "nvidia NEAR/3 china", "Nvidia liefert viele neue Karten erst später nach China"
    )


def test_near_binds_tighter_than_and() -> None:
    query = "h20 AND nvidia NEAR/2 china"
    assert matches(query, "Der H20 von Nvidia für China")
    assert not matches(query, "Nvidia für China, aber kein passendes Modell")


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("nvidia NEAR china", 7),
        ("nvidia W/5 china", 7),
        ("nvidia ADJ china", 7),
        ("NEAR/5 china", 0),
        ("nvidia NEAR/5", 7),
    ],
)
def test_unknown_operators_are_errors_with_position(query: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.position == position
    assert "operator" in str(caught.value)


def test_operator_words_in_lower_case_or_quotes_are_words() -> None:
    assert matches("near", "The plant is near Shanghai")
    assert matches('"w/5 rule"', "They call it the w/5 rule")


def test_explanation_names_both_forms_of_a_stemmed_match() -> None:
    (match,) = RuleSet([Rule.parse("r", "nvidia AND exportkontrolle")]).match(
        ArticleView(title="", text="Nvidias Chips unterliegen strengeren Exportkontrollen")
    )
    assert match.matched == ("nvidia (nvidias)", "exportkontrolle (exportkontrollen)")


def test_readme_query_syntax_table_parses_and_its_examples_hold() -> None:
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Query syntax", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    queries = [q for row in rows for q in re.findall(r"`([^`]+)`", row.split(" | ")[0])]
    assert len(queries) >= 15
    for query in queries:
        if "…" not in query:
            parse_query(query)
    # the claims the section makes in prose
    for query, text in [
        ("umsatz*", "Umsätze"),
        ("muenchen", "München"),
        ("munchen", "München"),
        ("chip", "KI-Chips"),
        ("nvidia", "Nvidias H20"),
        ("*kontrollen", "Exportkontrollen"),
        ("寒武纪", "寒武纪发布新芯片"),
        ("chip*", "Chiphersteller"),
    ]:
        assert matches(query, text), (query, text)
    assert not matches("chip", "Chiphersteller")
    assert not matches('"export control"', "export controls")


def test_a_rule_wakes_for_metadata_branches_and_its_rarest_part() -> None:
    rules = RuleSet(
        [Rule.parse("meta", "nvidia OR lang:de"), Rule.parse("and", "h20 AND (china OR export)")]
    )
    german = ArticleView(title="", text="Ein Bericht ohne den Namen", language="de")
    assert [m.rule for m in rules.match(german)] == ["meta"]
    both = ArticleView(title="", text="H20 exports to China", language="en")
    assert [m.rule for m in rules.match(both)] == ["and"]
