"""Alert rule evaluation: 200 rules (about 3,900 patterns in German, English and Chinese)
against 10,000 articles as they come from storage (analysed, with their vocabulary), all
rules at once (chipwatch's RuleSet: one lookup of the article's distinct words) versus a
naive baseline in the same run that evaluates each rule on its own by regular
expressions over the same stored forms; then both again with five times the rules."""

from __future__ import annotations

import gc
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from analysis.analyzer import Vocabulary, analyze, token_forms
from analysis.matcher import ArticleView, Rule, RuleSet
from analysis.query import INFIX, PREFIX, STEM, SUFFIX, And, Near, Node, Not, Or, Term

VENDORS = [
    "nvidia",
    "huawei",
    "cambricon",
    "alibaba",
    "baidu",
    "metax",
    "biren",
    "enflame",
    "smic",
    "tsmc",
    "amd",
    "intel",
    "hygon",
    "iluvatar",
    "moore threads",
    "kunlunxin",
    "寒武纪",
    "华为",
    "英伟达",
    "中芯国际",
    "昇腾",
    "摩尔线程",
    "沐曦",
    "壁仞",
]
WORDS_DE = [
    "exportkontrolle",
    "rechenzentrum",
    "beschleuniger",
    "umsatz",
    "halbleiter",
    "lieferkette",
    "sanktionen",
    "grafikkarte",
    "fertigung",
    "börsengang",
    "gewinn",
    "chipfabrik",
    "auftrag",
    "prognose",
    "lizenz",
    "kapazität",
    "wafer",
    "speicher",
]
WORDS_EN = [
    "export",
    "licence",
    "accelerator",
    "revenue",
    "datacenter",
    "supply",
    "shipment",
    "inference",
    "training",
    "foundry",
    "yield",
    "earnings",
    "guidance",
    "tariff",
    "cluster",
    "memory",
    "packaging",
    "lithography",
]
WORDS_ZH = ["芯片", "出口", "管制", "算力", "数据中心", "推理", "训练", "营收", "晶圆", "产能"]
MODELS = [
    f"{p}{n}"
    for p in ("h", "mi", "mlu", "br", "s", "atlas", "kl", "mtt", "910", "a")
    for n in range(10, 400)
]


@dataclass
class AlertsBenchResult:
    rules: int
    patterns: int
    articles: int
    ruleset_seconds: float
    naive_seconds: float
    naive_articles: int
    matches: int
    # the same measured with five times the rules: the naive cost grows with the rules,
    # the automaton's hardly (None when not measured)
    scaled: AlertsBenchResult | None = None

    @property
    def ruleset_rate(self) -> float:
        return self.articles / self.ruleset_seconds

    @property
    def naive_rate(self) -> float:
        return self.naive_articles / self.naive_seconds


def make_rules(count: int, rng: random.Random) -> list[Rule]:
    vocabulary = VENDORS + WORDS_DE + WORDS_EN + WORDS_ZH
    rules = []
    for index in range(count):
        models = rng.sample(MODELS, 12)
        words = rng.sample(vocabulary, 3)
        vendor = rng.choice(VENDORS)
        if index % 4 == 0:  # a quarter of the rules: the vendor close to a word
            query = (
                f'"{vendor}" NEAR/8 {words[1]} AND ({" OR ".join(models)} OR {words[0]}*) -gerücht'
            )
        else:
            query = (
                f'"{vendor}" AND ({" OR ".join(models)} OR {words[0]}*) '
                f"AND ({words[1]} OR {words[2]}) -gerücht"
            )
        rules.append(Rule.parse(f"rule-{index}", query))
    return rules


def make_articles(count: int, rng: random.Random) -> list[ArticleView]:
    vocabulary = VENDORS + WORDS_DE + WORDS_EN + WORDS_ZH + MODELS
    filler = [
        "der",
        "die",
        "und",
        "the",
        "of",
        "and",
        "in",
        "mit",
        "für",
        "market",
        "company",
        "analysts",
        "said",
        "reported",
        "quarter",
        "year",
        "new",
        "chip",
        "chips",
    ]
    articles = []
    for index in range(count):
        words = [
            rng.choice(filler) if rng.random() < 0.85 else rng.choice(vocabulary)
            for _ in range(rng.randint(250, 450))
        ]
        title = " ".join(rng.choice(vocabulary) for _ in range(6))
        text = " ".join(words)
        analysed = (analyze(title), analyze(text))
        articles.append(
            ArticleView(  # as stored articles come: with their analysis and vocabulary
                title=title,
                text=text,
                source="bench",
                language="de",
                url=f"https://b/{index}",
                analysed=analysed,
                vocabulary=Vocabulary.of(*analysed),
            )
        )
    return articles


def naive_matches(rules: list[Rule], articles: list[ArticleView]) -> list[set[str]]:
    """The naive way: each rule on its own, each term a regular expression (compiled
    once, with the rules) searched in the article's stored analysed forms (a bare word
    in its German or English stem form, a phrase or wildcard in the folded surface
    form), stopping at the first term that decides."""
    compiled = [(rule.name, _regex_tree(rule.node)) for rule in rules]
    result = []
    for article in articles:
        # each form padded once per article, so that a whole word is " word "
        fields = [
            {form: f" {getattr(analysed, form)} " for form in ("surface", "de", "en")}
            for _, analysed in article.analysed_fields()
        ]
        result.append({name for name, test in compiled if test(fields, article)})
    return result


NaiveTest = Callable[[list[dict[str, str]], ArticleView], bool]


def _regex_tree(node: Node) -> NaiveTest:
    if isinstance(node, Term):
        patterns = [(hay, re.compile(pattern)) for hay, pattern in _term_regexes(node)]
        return lambda fields, _a: any(
            pattern.search(forms[hay]) for forms in fields for hay, pattern in patterns
        )
    if isinstance(node, Near):
        left, right = (
            [(hay, re.compile(pattern)) for hay, pattern in _term_regexes(term)]
            for term in (node.left, node.right)
        )
        distance = node.distance
        return lambda fields, _a: any(
            abs(a - b) <= distance
            for forms in fields
            for a in _starts(left, forms)
            for b in _starts(right, forms)
        )
    if isinstance(node, Not):
        inner = _regex_tree(node.child)
        return lambda fields, a: not inner(fields, a)
    if isinstance(node, And | Or):
        parts = [_regex_tree(child) for child in node.children]
        if isinstance(node, And):
            return lambda fields, a: all(part(fields, a) for part in parts)
        return lambda fields, a: any(part(fields, a) for part in parts)
    raise TypeError(f"the naive baseline does not do {type(node).__name__}")


def _starts(patterns: list[tuple[str, re.Pattern[str]]], forms: dict[str, str]) -> set[int]:
    """The token positions where a term begins in one field."""
    return {
        forms[hay].count(" ", 0, found.start() + 1) - 1
        for hay, pattern in patterns
        for found in pattern.finditer(forms[hay])
    }


def _term_regexes(term: Term) -> list[tuple[str, str]]:
    # the space after a word is looked at, not taken: the next word can start there
    words = term.text.split(" ")
    forms = [token_forms(w) for w in words]
    if term.mode == STEM and len(words) == 1:
        return [
            ("de", rf" {re.escape(forms[0].de)}(?= )"),
            ("en", rf" {re.escape(forms[0].en)}(?= )"),
        ]
    surface = " ".join(re.escape(f.surface) for f in forms)
    edge = {PREFIX: (" ", ""), SUFFIX: ("", "(?= )"), INFIX: ("", "")}.get(
        term.mode, (" ", "(?= )")
    )
    return [("surface", f"{edge[0]}{surface}{edge[1]}")]


NAIVE_SAMPLE = 300


def run(
    rules_count: int = 200, articles_count: int = 10_000, seed: int = 7, *, scale: bool = True
) -> AlertsBenchResult:
    result = _measure(rules_count, articles_count, seed, NAIVE_SAMPLE)
    if scale:
        result.scaled = _measure(rules_count * 5, max(articles_count // 5, 1), seed, 60)
    return result


def _measure(
    rules_count: int, articles_count: int, seed: int, naive_sample: int
) -> AlertsBenchResult:
    rng = random.Random(seed)
    rules = make_rules(rules_count, rng)
    articles = make_articles(articles_count, rng)
    ruleset = RuleSet(rules)
    # Both timed alike: the best of a few runs, taken in turns (a shared machine's speed
    # drifts over seconds: the ratio must not depend on which side ran first), with the
    # articles out of the garbage collector's way (a collection walking 10,000 stored
    # articles is no cost of either). The baseline is much slower: it is timed on a
    # sample, and the two are checked to agree there.
    sample = articles[:naive_sample]
    gc.collect()
    gc.freeze()
    try:
        (ruleset_seconds, fast), (naive_seconds, slow) = _best_in_turns(
            lambda: _rules_matched(ruleset, articles), lambda: naive_matches(rules, sample)
        )
    finally:
        gc.unfreeze()
    if fast[: len(sample)] != slow:
        differing = sum(1 for a, b in zip(fast, slow, strict=False) if a != b)
        raise AssertionError(f"RuleSet and the naive baseline disagree on {differing} articles")
    return AlertsBenchResult(
        rules=len(rules),
        patterns=ruleset.pattern_count,
        articles=len(articles),
        ruleset_seconds=ruleset_seconds,
        naive_seconds=naive_seconds,
        naive_articles=len(sample),
        matches=sum(len(m) for m in fast),
    )


def _rules_matched(ruleset: RuleSet, articles: list[ArticleView]) -> list[set[str]]:
    return [{match.rule for match in ruleset.match(article)} for article in articles]


Timed = tuple[float, list[set[str]]]


def _best_in_turns(
    first: Callable[[], list[set[str]]], second: Callable[[], list[set[str]]], runs: int = 5
) -> tuple[Timed, Timed]:
    """The shortest of `runs` timings of each, run in turns, and each one's result."""
    timings: tuple[list[float], list[float]] = ([], [])
    results: list[list[set[str]]] = [[], []]
    for _ in range(runs):
        for index, work in enumerate((first, second)):
            started = time.perf_counter()
            results[index] = work()
            timings[index].append(time.perf_counter() - started)
    return (min(timings[0]), results[0]), (min(timings[1]), results[1])


def report(result: AlertsBenchResult) -> list[str]:
    return [
        f"alert rules: {result.rules} rules, {result.patterns} patterns, "
        f"{result.articles} articles, {result.matches} matches",
        f"  all rules at once (RuleSet): {result.ruleset_rate:8.0f} articles/s "
        f"({result.ruleset_seconds:.2f} s)",
        f"  naive per-rule regex:         {result.naive_rate:8.0f} articles/s "
        f"({result.naive_seconds:.2f} s for the first {result.naive_articles})",
        f"  ratio RuleSet / naive:        {result.ruleset_rate / result.naive_rate:8.2f}x",
        *(
            [
                f"  with {s.rules} rules:              {s.ruleset_rate:8.0f} vs {s.naive_rate:.0f} "
                f"articles/s, ratio {s.ruleset_rate / s.naive_rate:.2f}x"
            ]
            if (s := result.scaled)
            else []
        ),
    ]


if __name__ == "__main__":
    print("\n".join(report(run())))
