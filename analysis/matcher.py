"""Matching articles against all rules at once.

Every Term of every rule goes into one Aho–Corasick automaton (pyahocorasick) over the
normalised text, so one pass over an article finds every pattern of every rule; only
the rules with a hit (or with no positive pattern, like `lang:de NOT x`) then evaluate
their boolean tree. Adding rules costs little per article.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import ahocorasick

from analysis.normalize import fold, normalized
from analysis.query import (
    TEXT_FIELDS,
    And,
    Meta,
    Node,
    Not,
    Or,
    Term,
    parse_query,
    terms,
)


@dataclass(frozen=True)
class ArticleView:
    """What rules look at; built by the caller from a stored article."""

    title: str
    text: str
    source: str = ""
    language: str | None = None
    url: str = ""


@dataclass(frozen=True)
class Rule:
    name: str
    query: str
    node: Node

    @classmethod
    def parse(cls, name: str, query: str) -> Rule:
        return cls(name, query, parse_query(query))


@dataclass(frozen=True)
class Match:
    rule: str
    matched: tuple[str, ...]  # the words and phrases that made it match (why)


@dataclass
class _Hits:
    """Where each pattern occurs in one article: field → pattern → character offsets in
    the normalised field text (token positions are worked out only for proximity)."""

    positions: dict[str, dict[int, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    haystacks: dict[str, str] = field(default_factory=dict)
    present: set[int] = field(default_factory=set)  # patterns found in any field
    _starts: dict[str, list[int]] = field(default_factory=dict)

    def token_positions(self, field_name: str, offsets: Sequence[int]) -> list[int]:
        starts = self._starts.get(field_name)
        if starts is None:
            haystack = self.haystacks[field_name]
            starts = self._starts[field_name] = [0] + [
                i + 1 for i, ch in enumerate(haystack) if ch == " "
            ]
        return [bisect.bisect_right(starts, offset) - 1 for offset in offsets]


class RuleSet:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._pattern_ids: dict[tuple[str, bool], int] = {}
        self._by_rule: list[list[int]] = []
        self._always: list[int] = []  # rules without a positive pattern: always evaluated
        for index, rule in enumerate(self.rules):
            ids = [self._pattern_id(t) for t in _positive_terms(rule.node)]
            self._by_rule.append(ids)
            if not ids:
                self._always.append(index)
        self._rules_by_pattern: dict[int, list[int]] = defaultdict(list)
        for index, ids in enumerate(self._by_rule):
            for pattern in set(ids):
                self._rules_by_pattern[pattern].append(index)
        for term in (t for rule in self.rules for t in terms(rule.node)):
            self._pattern_id(term)
            if term.slop is not None:
                for word in term.text.split(" "):
                    self._pattern_id(Term(word, term.fields))
        self._compiled = [_compile(rule.node, self._pattern_ids) for rule in self.rules]
        self._automaton = ahocorasick.Automaton()
        for (text, prefix), pattern in self._pattern_ids.items():
            # the value lists every (pattern, prefix) sharing this text
            existing = self._automaton.get(text, [])
            self._automaton.add_word(text, [*existing, (pattern, prefix, len(text))])
        if self._pattern_ids:
            self._automaton.make_automaton()

    def _pattern_id(self, term: Term) -> int:
        key = (term.text, term.prefix)
        if key not in self._pattern_ids:
            self._pattern_ids[key] = len(self._pattern_ids)
        return self._pattern_ids[key]

    @property
    def pattern_count(self) -> int:
        return len(self._pattern_ids)

    def match(self, article: ArticleView) -> list[Match]:
        hits = self._scan(article)
        candidates = set(self._always)
        for field_hits in hits.positions.values():
            for pattern in field_hits:
                candidates.update(self._rules_by_pattern.get(pattern, ()))
        hits.present = {p for field_hits in hits.positions.values() for p in field_hits}
        matches = []
        for index in sorted(candidates):
            if self._compiled[index](hits, article):
                rule = self.rules[index]
                why: list[str] = []
                _evaluate(rule.node, hits, article, self._pattern_ids, why)
                matches.append(Match(rule.name, tuple(dict.fromkeys(why))))
        return matches

    def _scan(self, article: ArticleView) -> _Hits:
        hits = _Hits()
        if not self._pattern_ids:
            return hits
        for field_name, raw in (("title", article.title), ("text", article.text)):
            haystack = normalized(raw or "")
            if not haystack:
                continue
            hits.haystacks[field_name] = haystack
            last = len(haystack) - 1
            for end, entries in self._automaton.iter(haystack):
                for pattern, prefix, length in entries:
                    start = end - length + 1
                    if start > 0 and haystack[start - 1] != " ":
                        continue  # not at a word start
                    if not prefix and end < last and haystack[end + 1] != " ":
                        continue  # not at a word end
                    hits.positions[field_name][pattern].append(start)
        return hits


def _positive_terms(node: Node) -> list[Term]:
    """Terms that can make a rule match (not under a NOT): the automaton's triggers."""
    if isinstance(node, Term) and node.slop is not None:
        return [Term(word, node.fields) for word in node.text.split(" ")]
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [t for child in node.children for t in _positive_terms(child)]
    return []


Predicate = Callable[[_Hits, ArticleView], bool]


def _compile(node: Node, pattern_ids: Mapping[tuple[str, bool], int]) -> Predicate:
    """The rule's tree as nested closures with pattern ids resolved once: the hot path.
    (`_evaluate` walks the tree again, for matched rules only, to say why.)"""
    if isinstance(node, Term):
        if node.slop is None and node.fields == TEXT_FIELDS:
            pattern = pattern_ids[(node.text, node.prefix)]
            return lambda hits, _article: pattern in hits.present
        return lambda hits, _article: _term_found(node, hits, pattern_ids)
    if isinstance(node, Meta):
        return lambda _hits, article: _meta_matches(node, article)
    if isinstance(node, Not):
        inner = _compile(node.child, pattern_ids)
        return lambda hits, article: not inner(hits, article)
    parts = [_compile(child, pattern_ids) for child in node.children]
    if isinstance(node, And):

        def all_of(hits: _Hits, article: ArticleView) -> bool:
            return all(part(hits, article) for part in parts)

        return all_of

    def any_of(hits: _Hits, article: ArticleView) -> bool:
        return any(part(hits, article) for part in parts)

    return any_of


def _evaluate(
    node: Node,
    hits: _Hits,
    article: ArticleView,
    pattern_ids: Mapping[tuple[str, bool], int],
    why: list[str],
) -> bool:
    if isinstance(node, Term):
        found = _term_found(node, hits, pattern_ids)
        if found:
            why.append(node.text + ("*" if node.prefix else ""))
        return found
    if isinstance(node, Meta):
        return _meta_matches(node, article)
    if isinstance(node, And):
        return all(_evaluate(child, hits, article, pattern_ids, why) for child in node.children)
    if isinstance(node, Or):
        results = [_evaluate(child, hits, article, pattern_ids, why) for child in node.children]
        return any(results)
    if isinstance(node, Not):
        return not _evaluate(node.child, hits, article, pattern_ids, [])
    raise TypeError(node)


def _term_found(term: Term, hits: _Hits, pattern_ids: Mapping[tuple[str, bool], int]) -> bool:
    if term.slop is None:
        pattern = pattern_ids[(term.text, term.prefix)]
        return any(pattern in hits.positions.get(f, {}) for f in term.fields)
    # proximity: every word of the phrase within `slop` positions of each other
    words = term.text.split(" ")
    for field_name in term.fields:
        field_hits = hits.positions.get(field_name, {})
        lists: list[Sequence[int]] = []
        for word in words:
            word_pattern = pattern_ids.get((word, False))
            if word_pattern is None or word_pattern not in field_hits:
                break
            lists.append(hits.token_positions(field_name, field_hits[word_pattern]))
        else:
            if _within(lists, term.slop + len(words) - 1):
                return True
    return False


def _within(lists: list[Sequence[int]], window: int) -> bool:
    """Is there one position from each list, all within `window` of each other?"""
    events = sorted((pos, i) for i, positions in enumerate(lists) for pos in positions)
    latest: dict[int, int] = {}
    for pos, i in events:
        latest[i] = pos
        if len(latest) == len(lists) and pos - min(latest.values()) <= window:
            return True
    return False


def _meta_matches(meta: Meta, article: ArticleView) -> bool:
    if meta.field == "url":
        return meta.value in fold(article.url)
    value = normalized(article.source if meta.field == "source" else article.language or "")
    if meta.prefix:
        return any(word.startswith(meta.value) for word in value.split(" ")) or value.startswith(
            meta.value
        )
    # source:heise matches "heise online": the value's words appear in order
    return f" {meta.value} " in f" {value} "
