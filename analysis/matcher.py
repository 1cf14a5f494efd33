"""Matching articles against all rules at once.

Every Term of every rule goes into one Aho–Corasick automaton (pyahocorasick) over the
normalised text, so one pass over an article finds every pattern of every rule; only
the rules with a hit (or with no positive pattern, like `lang:de NOT x`) then evaluate
their boolean tree. Adding rules costs little per article.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import ahocorasick

from analysis.analyzer import Analyzed, analyze, fold, is_cjk, token_forms
from analysis.query import (
    PHRASE,
    STEM,
    TEXT_FIELDS,
    And,
    Meta,
    Near,
    Node,
    Not,
    Or,
    Term,
    parse_query,
    terms,
)
from analysis.registry import default_registry
from analysis.tagger import tag


@dataclass(frozen=True)
class ArticleView:
    """What rules look at; built by the caller from a stored article. `analysed` is
    the stored analysis of (title, text), when the caller has it: then the text is
    not analysed again."""

    title: str
    text: str
    source: str = ""
    language: str | None = None
    url: str = ""
    analysed: tuple[Analyzed, Analyzed] | None = None
    # The registry ids the analyse stage tagged in title and text; None when the article
    # has not been tagged yet (the crawl's `require` filter): then `entity:` tags it here.
    entities: frozenset[str] | None = None

    def entity_ids(self) -> frozenset[str]:
        if self.entities is not None:
            return self.entities
        found = tag(self.title, self.language) + tag(self.text, self.language)
        return frozenset(m.entity for m in found)

    def analysed_fields(self) -> tuple[tuple[str, Analyzed], tuple[str, Analyzed]]:
        title, text = self.analysed or (analyze(self.title or ""), analyze(self.text or ""))
        return (("title", title), ("text", text))


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


# Pattern kinds: where a pattern is looked for, and how it must sit in a token.
_KINDS = ("surface", "prefix", "suffix", "infix", "de", "en")
_HAYSTACK = {
    "surface": "surface",
    "prefix": "surface",
    "suffix": "surface",
    "infix": "surface",
    "de": "de",
    "en": "en",
}
Slot = tuple[int, ...]  # pattern ids any of which may stand at one token position


@dataclass
class _Hits:
    """Which patterns occur in one article. Most rules only ask whether a pattern is
    present, which one pass per haystack answers without a Python step per hit; token
    positions are worked out (by a second pass over that field) only when a phrase, a
    NEAR or an explanation asks."""

    ruleset: RuleSet
    present: set[int] = field(default_factory=set)  # patterns found in any field
    analysed: dict[str, Analyzed] = field(default_factory=dict)
    # field → pattern → character offsets in the pattern's haystack, filled on demand
    _offsets: dict[str, dict[int, list[int]]] = field(default_factory=dict)

    def slot_positions(self, field_name: str, slot: Slot) -> list[int]:
        analysed = self.analysed.get(field_name)
        if analysed is None:
            return []
        offsets = self._offsets.get(field_name)
        if offsets is None:
            offsets = self._offsets[field_name] = self.ruleset.offsets(analysed)
        haystack_of = self.ruleset.haystack_of
        return sorted(
            {
                getattr(analysed, haystack_of[pattern]).count(" ", 0, start)
                for pattern in slot
                for start in offsets.get(pattern, ())
            }
        )

    def words(self, field_name: str) -> list[str]:
        analysed = self.analysed.get(field_name)
        return analysed.surface.split(" ") if analysed else []


class RuleSet:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._pattern_ids: dict[tuple[str, str], int] = {}
        self._slots: dict[Term, tuple[Slot, ...]] = {}
        self._by_rule: list[list[int]] = []
        self._always: list[int] = []  # rules without a positive pattern: always evaluated
        for rule in self.rules:
            for term in terms(rule.node):
                self._term_slots(term)
        for index, rule in enumerate(self.rules):
            ids = _triggers(rule.node, self._slots) or []
            self._by_rule.append(ids)
            if not ids:
                self._always.append(index)
        self._rules_by_pattern: dict[int, list[int]] = defaultdict(list)
        for index, ids in enumerate(self._by_rule):
            for pattern in set(ids):
                self._rules_by_pattern[pattern].append(index)
        self._triggers = frozenset(self._rules_by_pattern)
        self._compiled = [_compile(rule.node, self._slots) for rule in self.rules]
        self.haystack_of = {p: _HAYSTACK[kind] for (kind, _), p in self._pattern_ids.items()}
        # Word boundaries are part of the patterns (" word " for a whole word, " word" for
        # a prefix, "word " for a suffix) and of the haystacks (padded with a space at
        # each end), so the automaton reports only real hits: no check per hit in Python.
        self._automata: dict[str, ahocorasick.Automaton] = {}
        self._back = [0] * len(self._pattern_ids)  # from a hit's end back to the word
        for (kind, text), pattern in self._pattern_ids.items():
            automaton = self._automata.setdefault(_HAYSTACK[kind], ahocorasick.Automaton())
            before = " " if kind in ("surface", "prefix", "de", "en") else ""
            after = " " if kind in ("surface", "suffix", "de", "en") else ""
            needle = before + text + after
            automaton.add_word(needle, (*automaton.get(needle, ()), pattern))
            self._back[pattern] = len(needle) - len(before)
        for automaton in self._automata.values():
            automaton.make_automaton()

    def _pattern_id(self, kind: str, text: str) -> int:
        key = (kind, text)
        if key not in self._pattern_ids:
            self._pattern_ids[key] = len(self._pattern_ids)
        return self._pattern_ids[key]

    def _term_slots(self, term: Term) -> tuple[Slot, ...]:
        """One slot per word: the patterns that may stand for it (both stems for a bare
        word, the folded surface form in a phrase or a wildcard)."""
        if term not in self._slots:
            slots = []
            for word in term.text.split(" "):
                forms = token_forms(word)
                if term.mode == STEM:
                    ids = {self._pattern_id("de", forms.de), self._pattern_id("en", forms.en)}
                    slots.append(tuple(sorted(ids)))
                elif term.mode == PHRASE:
                    slots.append((self._pattern_id("surface", forms.surface),))
                else:
                    slots.append((self._pattern_id(term.mode, forms.surface),))
            self._slots[term] = tuple(slots)
        return self._slots[term]

    @property
    def pattern_count(self) -> int:
        return len(self._pattern_ids)

    def match(self, article: ArticleView) -> list[Match]:
        hits = self._scan(article)
        candidates = set(self._always)
        for pattern in hits.present & self._triggers:
            candidates.update(self._rules_by_pattern[pattern])
        matches = []
        for index in sorted(candidates):
            if self._compiled[index](hits, article):
                rule = self.rules[index]
                why: list[str] = []
                _evaluate(rule.node, hits, article, self._slots, why)
                matches.append(Match(rule.name, tuple(dict.fromkeys(why))))
        return matches

    def _scan(self, article: ArticleView) -> _Hits:
        hits = _Hits(self)
        if not self._pattern_ids:
            return hits
        present = hits.present
        for field_name, analysed in article.analysed_fields():
            if not analysed.surface:
                continue
            hits.analysed[field_name] = analysed
            for haystack_name, automaton in self._automata.items():
                # map/itemgetter/chain keep the per-hit work in C
                haystack = f" {getattr(analysed, haystack_name)} "
                present.update(chain.from_iterable(map(_SECOND, automaton.iter(haystack))))
        return hits

    def offsets(self, analysed: Analyzed) -> dict[int, list[int]]:
        """pattern → character offsets of its hits in its (unpadded) haystack."""
        found: dict[int, list[int]] = defaultdict(list)
        for haystack_name, automaton in self._automata.items():
            for end, patterns in automaton.iter(f" {getattr(analysed, haystack_name)} "):
                for pattern in patterns:
                    found[pattern].append(end - self._back[pattern])
        return found


_SECOND = itemgetter(1)


def _triggers(node: Node, slots: Slots) -> list[int] | None:
    """Patterns at least one of which every match of `node` contains: the automaton's
    triggers for the rule. None when no such set exists (a NOT, a metadata test, or an
    OR with such a branch): then the rule is evaluated for every article. An AND needs
    only its most selective part, so a rule is woken by its rarest words."""
    if isinstance(node, Term):
        return list(slots[node][0])
    if isinstance(node, Near):
        return list(slots[node.left][0])
    if isinstance(node, Or):
        found: list[int] = []
        for child in node.children:
            part = _triggers(child, slots)
            if part is None:
                return None
            found += part
        return found
    if isinstance(node, And):
        parts = [p for p in (_triggers(child, slots) for child in node.children) if p]
        return min(parts, key=len) if parts else None
    return None


Predicate = Callable[[_Hits, ArticleView], bool]
Slots = Mapping[Term, tuple[Slot, ...]]


def _compile(node: Node, slots: Slots) -> Predicate:
    """The rule's tree as nested closures with pattern ids resolved once: the hot path.
    (`_evaluate` walks the tree again, for matched rules only, to say why.)"""
    if _is_single_slot(node, slots):
        patterns = frozenset(_single_slot_patterns(node, slots))
        return lambda hits, _article: not patterns.isdisjoint(hits.present)
    if isinstance(node, Term):
        term_slots = slots[node]
        return lambda hits, _article: bool(_term_starts(node, term_slots, hits))
    if isinstance(node, Near):
        return lambda hits, _article: _near_found(node, slots, hits)
    if isinstance(node, Meta):
        return lambda _hits, article: _meta_matches(node, article)
    if isinstance(node, Not):
        inner = _compile(node.child, slots)
        return lambda hits, article: not inner(hits, article)
    parts = [_compile(child, slots) for child in node.children]
    if isinstance(node, And):

        def all_of(hits: _Hits, article: ArticleView) -> bool:
            return all(part(hits, article) for part in parts)

        return all_of

    def any_of(hits: _Hits, article: ArticleView) -> bool:
        return any(part(hits, article) for part in parts)

    return any_of


def _is_single_slot(node: Node, slots: Slots) -> bool:
    """A one-word term in any text field, or an OR of such terms: true as soon as one of
    its patterns is present anywhere, so one set test answers it (no positions)."""
    if isinstance(node, Term):
        return len(slots[node]) == 1 and node.fields == TEXT_FIELDS
    return isinstance(node, Or) and all(_is_single_slot(child, slots) for child in node.children)


def _single_slot_patterns(node: Node, slots: Slots) -> list[int]:
    if isinstance(node, Term):
        return list(slots[node][0])
    assert isinstance(node, Or)
    return [p for child in node.children for p in _single_slot_patterns(child, slots)]


def _evaluate(node: Node, hits: _Hits, article: ArticleView, slots: Slots, why: list[str]) -> bool:
    if isinstance(node, Term):
        found = _term_starts(node, slots[node], hits)
        if found:
            why.append(_explain(node, hits, found))
        return bool(found)
    if isinstance(node, Near):
        found_near = _near_found(node, slots, hits)
        if found_near:
            why.append(f"{node.left.display} NEAR/{node.distance} {node.right.display}")
        return found_near
    if isinstance(node, Meta):
        found_meta = _meta_matches(node, article)
        if found_meta and node.field == "entity":
            why.append(f"entity:{node.value}")
        return found_meta
    if isinstance(node, And):
        return all(_evaluate(child, hits, article, slots, why) for child in node.children)
    if isinstance(node, Or):
        results = [_evaluate(child, hits, article, slots, why) for child in node.children]
        return any(results)
    if isinstance(node, Not):
        return not _evaluate(node.child, hits, article, slots, [])
    raise TypeError(node)


def _explain(term: Term, hits: _Hits, found: list[tuple[str, int]]) -> str:
    """The term, and the text's own word when the match was folded or stemmed:
    `nvidia (nvidias)`."""
    field_name, start = found[0]
    length = term.text.count(" ") + 1
    words = hits.words(field_name)[start : start + length]
    seen = " ".join(words)
    if all(is_cjk(w) for w in words):
        seen = "".join(words)
    shown = term.display
    return shown if seen in (shown, shown.strip('"'), "") else f"{shown} ({seen})"


def _term_starts(term: Term, term_slots: tuple[Slot, ...], hits: _Hits) -> list[tuple[str, int]]:
    """(field, position) where the term begins: its words in a row, or with a slop all
    within `slop` positions of each other."""
    found: list[tuple[str, int]] = []
    present = hits.present
    if not all(any(p in present for p in slot) for slot in term_slots):
        return found  # a word missing everywhere: no positions to work out
    for field_name in sorted(term.fields):
        lists = []
        for slot in term_slots:
            positions = hits.slot_positions(field_name, slot)
            if not positions:
                break
            lists.append(positions)
        else:
            found += _runs(term, lists, field_name)
    return found


def _runs(term: Term, lists: list[list[int]], field_name: str) -> list[tuple[str, int]]:
    """Where the term's words stand in a row (or, with a slop, close together)."""
    if len(lists) == 1:
        return [(field_name, p) for p in lists[0]]
    if term.slop is None:
        rest = [set(positions) for positions in lists[1:]]
        return [
            (field_name, p)
            for p in lists[0]
            if all(p + i + 1 in positions for i, positions in enumerate(rest))
        ]
    if _within(lists, term.slop + len(lists) - 1):
        return [(field_name, min(lists[0]))]
    return []


def _near_found(near: Near, slots: Slots, hits: _Hits) -> bool:
    left = _term_starts(near.left, slots[near.left], hits)
    right = _term_starts(near.right, slots[near.right], hits)
    by_field: dict[str, list[int]] = defaultdict(list)
    for field_name, position in right:
        by_field[field_name].append(position)
    for field_name, position in left:
        others = by_field.get(field_name)
        if others and any(abs(position - other) <= near.distance for other in others):
            return True
    return False


def _within(lists: list[list[int]], window: int) -> bool:
    """Is there one position from each list, all within `window` of each other?"""
    events = sorted((pos, i) for i, positions in enumerate(lists) for pos in positions)
    latest: dict[int, int] = {}
    for pos, i in events:
        latest[i] = pos
        if len(latest) == len(lists) and pos - min(latest.values()) <= window:
            return True
    return False


@lru_cache(maxsize=1024)
def entity_members(entity_id: str) -> frozenset[str]:
    """The entity and everything whose org chain leads to it: `entity:huawei` is also
    met by a tag of the Ascend 910C."""
    return frozenset(default_registry().descendants(entity_id)) | {entity_id}


def _meta_matches(meta: Meta, article: ArticleView) -> bool:
    if meta.field == "entity":
        return not entity_members(meta.value).isdisjoint(article.entity_ids())
    if meta.field == "url":
        return meta.value in article.url.casefold()
    value = fold(article.source if meta.field == "source" else article.language or "")
    if meta.prefix:
        return any(word.startswith(meta.value) for word in value.split(" ")) or value.startswith(
            meta.value
        )
    # source:heise matches "heise online": the value's words appear in order
    return f" {meta.value} " in f" {value} "
