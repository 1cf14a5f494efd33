"""Matching articles against all rules at once.

Every Term of every rule becomes patterns (a folded word, a German or English stem, a
wildcard), and one lookup per article finds all of them: whole words and stems in the
article's stored `Vocabulary` (its distinct tokens: a set intersection in C), wildcards
by one Aho–Corasick pass (pyahocorasick) over its distinct words. Only the rules with a
hit (or with no positive pattern, like `lang:de NOT x`) then evaluate their boolean
tree; where a phrase, a NEAR or a field asks for positions, only that pattern is looked
for in that field. Adding rules costs little per article.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import ahocorasick

from analysis.analyzer import (
    DE_ONLY,
    EN_ONLY,
    Analyzed,
    Vocabulary,
    analyze,
    fold,
    is_cjk,
    token_forms,
)
from analysis.query import (
    INFIX,
    PHRASE,
    PREFIX,
    STEM,
    SUFFIX,
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
    the stored analysis of (title, text) and `vocabulary` the stored distinct tokens,
    when the caller has them: then the text is not analysed again."""

    title: str
    text: str
    source: str = ""
    language: str | None = None
    url: str = ""
    analysed: tuple[Analyzed, Analyzed] | None = None
    # The registry ids the analyse stage tagged in title and text; None when the article
    # has not been tagged yet (the crawl's `require` filter): then `entity:` tags it here.
    entities: frozenset[str] | None = None
    vocabulary: Vocabulary | None = None

    def entity_ids(self) -> frozenset[str]:
        if self.entities is not None:
            return self.entities
        found = tag(self.title, self.language) + tag(self.text, self.language)
        return frozenset(m.entity for m in found)

    def analysed_fields(self) -> tuple[tuple[str, Analyzed], tuple[str, Analyzed]]:
        title, text = self.analysed or (analyze(self.title or ""), analyze(self.text or ""))
        return (("title", title), ("text", text))

    def distinct_tokens(self, fields: Iterable[Analyzed]) -> Vocabulary:
        return self.vocabulary or Vocabulary.of(*fields)


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


# Pattern kinds: the folded word, a wildcard over it, or a bare term's stem.
_WHOLE, _DE, _EN = "surface", "de", "en"
_WILDCARDS = (PREFIX, SUFFIX, INFIX)
Slot = tuple[int, ...]  # pattern ids any of which may stand at one token position


def _needle(kind: str, text: str) -> tuple[str, str]:
    """Where a pattern is looked for in a field's forms (padded with a space at each
    end), and as what: word boundaries are part of the needle."""
    if kind in (_DE, _EN):
        return kind, f" {text} "
    before = " " if kind in (_WHOLE, PREFIX) else ""
    after = " " if kind in (_WHOLE, SUFFIX) else ""
    return "surface", before + text + after


class _Hits:
    """Which patterns occur in one article. Most rules only ask whether a pattern is
    present, which the vocabulary answers; token positions are worked out (by searching
    that field for those patterns) only when a phrase, a NEAR or an explanation asks."""

    # a plain class with slots: one is made per article and rule set, on the hot path
    __slots__ = ("_positions", "analysed", "present", "ruleset")

    def __init__(self, ruleset: RuleSet, analysed: dict[str, Analyzed]) -> None:
        self.ruleset = ruleset
        self.analysed = analysed  # the fields with text
        self.present: set[int] = set()  # patterns found in any field
        self._positions: dict[tuple[str, int], list[int]] = {}

    def slot_positions(self, field_name: str, slot: Slot) -> list[int]:
        analysed = self.analysed.get(field_name)
        if analysed is None:
            return []
        found: set[int] = set()
        for pattern in slot:
            if pattern in self.present:
                found.update(self._pattern_positions(field_name, analysed, pattern))
        return sorted(found)

    def _pattern_positions(self, field_name: str, analysed: Analyzed, pattern: int) -> list[int]:
        key = (field_name, pattern)
        if key not in self._positions:
            form, needle = self.ruleset.needles[pattern]
            haystack = f" {getattr(analysed, form)} "
            positions = []
            start = haystack.find(needle)
            counted_to = spaces = 0
            while start >= 0:
                # the token a hit starts in: spaces up to and including its first char
                spaces += haystack.count(" ", counted_to, start + 1)
                counted_to = start + 1
                positions.append(spaces - 1)
                start = haystack.find(needle, start + 1)
            self._positions[key] = positions
        return self._positions[key]

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
        self.needles = [("", "")] * len(self._pattern_ids)
        # vocabulary token → the patterns it is: a whole word in `words`; in `stems` a
        # bare stem is both languages' pattern, a marked one only its language's
        words: dict[str, list[int]] = defaultdict(list)
        stems: dict[str, list[int]] = defaultdict(list)
        self._wildcards: ahocorasick.Automaton | None = None
        for (kind, text), pattern in self._pattern_ids.items():
            self.needles[pattern] = _needle(kind, text)
            if kind == _WHOLE:
                words[text].append(pattern)
            elif kind in (_DE, _EN):
                stems[text].append(pattern)
                stems[(DE_ONLY if kind == _DE else EN_ONLY) + text].append(pattern)
            else:
                # distinct words padded and space-joined: the needle's spaces are the
                # word boundaries a prefix or suffix needs
                self._wildcards = self._wildcards or ahocorasick.Automaton()
                needle = self.needles[pattern][1]
                self._wildcards.add_word(needle, (*self._wildcards.get(needle, ()), pattern))
        if self._wildcards is not None:
            self._wildcards.make_automaton()
        self._words = {token: tuple(ids) for token, ids in words.items()}
        self._stems = {token: tuple(ids) for token, ids in stems.items()}
        self._word_keys = frozenset(self._words)
        self._stem_keys = frozenset(self._stems)

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
                    ids = {self._pattern_id(_DE, forms.de), self._pattern_id(_EN, forms.en)}
                    slots.append(tuple(sorted(ids)))
                elif term.mode == PHRASE:
                    slots.append((self._pattern_id(_WHOLE, forms.surface),))
                else:
                    assert term.mode in _WILDCARDS
                    slots.append((self._pattern_id(term.mode, forms.surface),))
            self._slots[term] = tuple(slots)
        return self._slots[term]

    @property
    def pattern_count(self) -> int:
        return len(self._pattern_ids)

    def match(self, article: ArticleView) -> list[Match]:
        hits = self._scan(article)
        candidates = set(self._always)
        triggered = hits.present.intersection(self._triggers)
        if triggered:
            candidates.update(*map(self._rules_by_pattern.__getitem__, triggered))
        matches = []
        for index in sorted(candidates):
            if self._compiled[index](hits, article):
                rule = self.rules[index]
                why: list[str] = []
                _evaluate(rule.node, hits, article, self._slots, why)
                matches.append(Match(rule.name, tuple(dict.fromkeys(why))))
        return matches

    def _scan(self, article: ArticleView) -> _Hits:
        hits = _Hits(self, {name: form for name, form in article.analysed_fields() if form.surface})
        if not self._pattern_ids or not hits.analysed:
            return hits
        vocabulary = article.distinct_tokens(hits.analysed.values())
        # set intersections and map/chain keep the per-token work in C
        found = self._word_keys.intersection(vocabulary.words.split(" "))
        found_stems = self._stem_keys.intersection(vocabulary.stems.split(" "))
        present = hits.present
        present.update(
            *map(self._words.__getitem__, found), *map(self._stems.__getitem__, found_stems)
        )
        if self._wildcards is not None:
            hay = f" {vocabulary.words} "
            present.update(chain.from_iterable(map(_SECOND, self._wildcards.iter(hay))))
        return hits


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
    if isinstance(node, And):
        return _compile_and(node, slots)
    parts = [_compile(child, slots) for child in node.children]

    def any_of(hits: _Hits, article: ArticleView) -> bool:
        return any(part(hits, article) for part in parts)

    return any_of


def _compile_and(node: And, slots: Slots) -> Predicate:
    """The usual rule is an AND of words, OR-groups of words and NOTs of them: each a
    set test, done first and in one loop; phrases, NEARs and metadata after."""
    required: list[frozenset[int]] = []
    forbidden: list[frozenset[int]] = []
    rest: list[Predicate] = []
    for child in _and_parts(node):
        if _is_single_slot(child, slots):
            required.append(frozenset(_single_slot_patterns(child, slots)))
        elif isinstance(child, Not) and _is_single_slot(child.child, slots):
            forbidden.append(frozenset(_single_slot_patterns(child.child, slots)))
        else:
            rest.append(_compile(child, slots))

    def all_of(hits: _Hits, article: ArticleView) -> bool:
        disjoint = hits.present.isdisjoint  # the set tests in C, without a Python loop
        if any(map(disjoint, required)) or not all(map(disjoint, forbidden)):
            return False
        return all(part(hits, article) for part in rest)

    return all_of


def _and_parts(node: And) -> list[Node]:
    """The children of nested ANDs (`a AND (b OR c) -d` parses as a AND (… AND NOT d))."""
    parts: list[Node] = []
    for child in node.children:
        parts += _and_parts(child) if isinstance(child, And) else [child]
    return parts


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
