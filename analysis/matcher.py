"""Matching articles against all rules at once.

Every Term of every rule becomes patterns (a folded word, a German or English stem, a
wildcard), and one lookup per article finds all of them in its stored `Vocabulary` (its
distinct tokens): stems by one set intersection in C, whole words and wildcards by one
Aho–Corasick pass (pyahocorasick) over its distinct words. A rule is then evaluated only
when the two smallest groups of words it cannot match without are both in the article
(rules with no positive pattern, like `lang:de NOT x`, always), and an article with no
rule's smallest group is left after looking for those alone; where a phrase, a NEAR
or a field asks for positions, only that pattern is looked for in that field. Adding
rules costs little per article.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter

import ahocorasick

from analysis.analyzer import (
    BREAK,
    DE_ONLY,
    EN_ONLY,
    Analyzed,
    Vocabulary,
    analyze,
    as_written,
    fold,
    is_cjk,
    raw_tokens,
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
# What the scan of an article finds: its vocabulary's stems that some pattern is, as
# stored (a bare or a marked stem, see DE_ONLY), and the needles found in its words,
# marked so that they never equal a stem (tokens have no colon).
Key = str
Keys = Sequence[frozenset[Key]]  # each pattern's keys, by pattern id
_FOUND_IN_WORDS = "w:"


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
    present, which the vocabulary answers (`present` holds the keys found in it); token
    positions are worked out (by searching that field for those patterns) only when a
    phrase, a NEAR or an explanation asks."""

    # a plain class with slots: one is made per article and rule set, on the hot path
    __slots__ = (
        "_analysed",
        "_folded",
        "_haystacks",
        "_positions",
        "_written",
        "article",
        "present",
        "ruleset",
    )

    def __init__(self, ruleset: RuleSet, article: ArticleView) -> None:
        self.ruleset = ruleset
        self.article = article
        self.present: AbstractSet[Key] = frozenset()  # keys found in any field
        self._analysed: dict[str, Analyzed] | None = None
        self._positions: dict[tuple[str, int], list[int]] = {}
        self._haystacks: dict[tuple[str, str], str] = {}  # a field's form, padded
        # a field's words as written, from its first `size` characters: (size, words)
        self._written: dict[str, tuple[int, list[str]]] = {}
        # a field's indexed words and its case-folded text
        self._folded: dict[str, tuple[list[str], str]] = {}

    @property
    def analysed(self) -> dict[str, Analyzed]:
        """The fields with text (looked at only when positions are asked for)."""
        if self._analysed is None:
            fields = self.article.analysed_fields()
            self._analysed = {name: form for name, form in fields if form.surface}
        return self._analysed

    def slot_positions(self, field_name: str, slot: Slot) -> list[int]:
        analysed = self.analysed.get(field_name)
        if analysed is None:
            return []
        found: set[int] = set()
        keys = self.ruleset.pattern_keys
        for pattern in slot:
            if not keys[pattern].isdisjoint(self.present):
                found.update(self._pattern_positions(field_name, analysed, pattern))
        return sorted(found)

    def first_position(self, field_name: str, slot: Slot) -> int | None:
        """The first position in the field where one of the slot's patterns stands
        (explanations need no more; not cached)."""
        analysed = self.analysed.get(field_name)
        if analysed is None:
            return None
        first = None
        keys = self.ruleset.pattern_keys
        for pattern in slot:
            if keys[pattern].isdisjoint(self.present):
                continue
            positions = self._positions.get((field_name, pattern))
            if positions is None:
                form, needle = self.ruleset.needles[pattern]
                haystack = self._haystack(field_name, analysed, form)
                start = haystack.find(needle)
                positions = [haystack.count(" ", 0, start + 1) - 1] if start >= 0 else []
            if positions and (first is None or positions[0] < first):
                first = positions[0]
        return first

    def _haystack(self, field_name: str, analysed: Analyzed, form: str) -> str:
        key = (field_name, form)
        if key not in self._haystacks:
            self._haystacks[key] = f" {getattr(analysed, form)} "
        return self._haystacks[key]

    def _pattern_positions(self, field_name: str, analysed: Analyzed, pattern: int) -> list[int]:
        key = (field_name, pattern)
        if key not in self._positions:
            form, needle = self.ruleset.needles[pattern]
            haystack = self._haystack(field_name, analysed, form)
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

    def _written_as_indexed(self, field_name: str, text: str, position: int) -> str | None:
        """The indexed word at `position` when the text writes it so there, known
        without tokenising the text up to it (the usual case); else None. Known when
        the text writes the word so as often as the index holds it: then it does so
        everywhere, as no other spelling that folds to it is left."""
        if field_name not in self._folded:
            analysed = self.analysed.get(field_name)
            words = analysed.surface.split(" ") if analysed else []
            self._folded[field_name] = (words, text.casefold())
        words, folded = self._folded[field_name]
        indexed = words[position] if position < len(words) else ""
        if indexed == BREAK:  # punctuation between CJK characters, as raw_tokens has it
            return BREAK
        # a word the analyzer keeps as it is (not "munchen", the index's "München")
        if not indexed or token_forms(indexed).surface != indexed:
            return None
        if is_cjk(indexed):  # a token wherever it stands
            written = folded.count(indexed)
        elif indexed.isascii():
            written = 0
            start = folded.find(indexed)
            while start >= 0:
                end = start + len(indexed)
                written += not (_in_word(folded, start - 1) or _in_word(folded, end))
                start = folded.find(indexed, end)
        else:
            return None
        return indexed if written == words.count(indexed) else None

    def words(self, field_name: str, start: int, count: int) -> list[str]:
        """The field's words from position `start` on as the text writes them, only
        case-folded ("revenues", where the index holds the folded "revenus"). The text
        is tokenised as far as needed: matches are mostly early (title, first lines)."""
        text = (self.article.title if field_name == "title" else self.article.text) or ""
        written = []
        for position in range(start, start + count):
            if (word := self._written_as_indexed(field_name, text, position)) is None:
                break
            written.append(word)
        else:
            return written
        end = start + count
        size, tokens = self._written.get(field_name, (0, []))
        # more tokens than needed: the last one of a cut text may be cut short
        while len(tokens) <= end and size < len(text):
            size = max(size * 4, 1024)
            tokens = raw_tokens(text[:size])
            self._written[field_name] = (size, tokens)
        if len(tokens) >= end:
            return tokens[start:end]
        # the stored analysis is of another text (never expected): its own words
        analysed = self.analysed.get(field_name)
        return analysed.surface.split(" ")[start:end] if analysed else []


class RuleSet:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._pattern_ids: dict[tuple[str, str], int] = {}
        self._slots: dict[Term, tuple[Slot, ...]] = {}
        for rule in self.rules:
            for term in terms(rule.node):
                self._term_slots(term)
        # The article's stored distinct tokens (see Vocabulary) are looked up whole: a
        # pattern is present when one of its keys is. A stem pattern's keys are its stem
        # bare and marked with its language; the other patterns are needles looked for
        # by an automaton (pyahocorasick) in the article's words, space-joined and padded,
        # a whole word as " word ", a prefix " pre", a suffix "fix " and an infix bare.
        # The scan costs per distinct token, not per rule.
        self.needles = [_needle(kind, text) for kind, text in self._pattern_ids]
        self.pattern_keys: list[frozenset[Key]] = []
        stem_keys: set[Key] = set()
        in_words = ahocorasick.Automaton()
        for (kind, text), (_form, needle) in zip(self._pattern_ids, self.needles, strict=True):
            if kind in (_DE, _EN):
                pattern_keys = {text, (DE_ONLY if kind == _DE else EN_ONLY) + text}
                stem_keys.update(pattern_keys)
            else:
                pattern_keys = {_FOUND_IN_WORDS + needle}
                in_words.add_word(needle, _FOUND_IN_WORDS + needle)
            self.pattern_keys.append(frozenset(pattern_keys))
        self._stem_keys = frozenset(stem_keys)
        self._in_words = in_words if len(in_words) else None
        if self._in_words is not None:
            self._in_words.make_automaton()
        # A rule is woken when its two smallest required parts (fewest keys: see
        # _required_parts) both have a key in the article: most rules that cannot match
        # are not evaluated. Ties are broken by the keys, so runs wake rules alike.
        self._always: list[int] = []  # rules without a positive pattern: always evaluated
        first: list[frozenset[Key]] = []
        second: list[frozenset[Key]] = []
        for index, rule in enumerate(self.rules):
            parts = _required_parts(rule.node, self._slots) or []
            wakers = sorted(
                {_keys_of(part, self.pattern_keys) for part in parts},
                key=lambda keys: (len(keys), sorted(keys)),
            )
            if not wakers:
                self._always.append(index)
            first.append(wakers[0] if wakers else frozenset())
            second.append(wakers[1] if len(wakers) > 1 else first[-1])
        self._first_parts = _Wakers(first)
        self._second_parts = _Wakers(second)
        first_keys = frozenset(chain.from_iterable(first))
        second_keys = frozenset(chain.from_iterable(second))
        self._first_stem_keys = first_keys & self._stem_keys
        self._first_word_keys = first_keys - self._stem_keys
        self._second_stem_keys = second_keys & self._stem_keys
        self._second_word_keys = second_keys - self._stem_keys
        nodes = [rule.node for rule in self.rules]
        # evaluated only once woken: the two waking parts need no second test
        self._compiled = [
            _compile_and(node, self._slots, self.pattern_keys, known={first[i], second[i]})
            if isinstance(node, And)
            else _compile(node, self._slots, self.pattern_keys)
            for i, node in enumerate(nodes)
        ]
        self._explainers = [_compile_why(node, self._slots, self.pattern_keys) for node in nodes]

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
        hits = _Hits(self, article)
        scan = _Scan(self, hits)
        # the two parts that wake each rule are looked for first, alone: most articles
        # wake no rule, and the rest of the scan is skipped
        candidates = set(self._always)
        found = scan.keys_among(self._first_word_keys, self._first_stem_keys)
        if found and (woken := self._first_parts.rules(found)):
            found = scan.keys_among(self._second_word_keys, self._second_stem_keys)
            candidates.update(woken & self._second_parts.rules(found))
        if not candidates:
            return []  # most articles, for most rule sets
        hits.present = scan.present()
        matches = []
        for index in sorted(candidates):
            if self._compiled[index](hits, article):
                rule = self.rules[index]
                why: list[str] = []
                self._explainers[index](hits, article, why)
                matches.append(Match(rule.name, tuple(dict.fromkeys(why))))
        return matches


class _Scan:
    """The lookup of one article's vocabulary, done as far as asked: its words by the
    automaton, its stems split once and intersected in C."""

    __slots__ = ("_in_words", "_stems", "_vocabulary", "hits", "ruleset")

    def __init__(self, ruleset: RuleSet, hits: _Hits) -> None:
        self.ruleset = ruleset
        self.hits = hits
        self._vocabulary: Vocabulary | None = None
        self._in_words: set[Key] | None = None
        self._stems: list[str] | None = None

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:  # the stored one, or the article's analysis's
            stored = self.hits.article.vocabulary
            self._vocabulary = stored or Vocabulary.of(*self.hits.analysed.values())
        return self._vocabulary

    def in_words(self) -> set[Key]:
        if self._in_words is None:
            automaton = self.ruleset._in_words
            self._in_words = (
                set(map(_SECOND, automaton.iter(f" {self.vocabulary.words} ")))
                if automaton is not None
                else set()
            )
        return self._in_words

    def stems(self) -> list[str]:
        if self._stems is None:
            self._stems = self.vocabulary.stems.split(" ")
        return self._stems

    def keys_among(self, word_keys: frozenset[Key], stem_keys: frozenset[Key]) -> set[Key]:
        """Which of these keys the article has."""
        found = set(word_keys.intersection(self.in_words())) if word_keys else set()
        if stem_keys:
            found.update(stem_keys.intersection(self.stems()))
        return found

    def present(self) -> AbstractSet[Key]:
        """All the rules' keys the article has."""
        if not self.ruleset.pattern_count:
            return frozenset()
        present = self.ruleset._stem_keys.intersection(self.stems())
        in_words = self.in_words()
        return present.union(in_words) if in_words else present


_SECOND = itemgetter(1)


def _in_word(text: str, index: int) -> bool:
    """Could the character at `index` be part of a token, once NFKC-normalised (a
    letter, a digit, "™" as "tm", or a mark joined to the letter before it)?"""
    if not 0 <= index < len(text):
        return False
    char = text[index]
    if char.isascii():
        return char.isalnum()
    return any(c.isalnum() or unicodedata.combining(c) for c in unicodedata.normalize("NFKC", char))


class _Wakers:
    """key → the rules it wakes, for one required part of each rule."""

    __slots__ = ("_keys", "_rules_by_key")

    def __init__(self, parts: list[frozenset[Key]]) -> None:
        by_key: dict[Key, set[int]] = defaultdict(set)
        for index, keys in enumerate(parts):
            for key in keys:
                by_key[key].add(index)
        self._rules_by_key = {key: tuple(rules) for key, rules in by_key.items()}
        self._keys = frozenset(by_key)

    def rules(self, present: AbstractSet[Key]) -> set[int]:
        woken: set[int] = set()
        woken.update(*map(self._rules_by_key.__getitem__, self._keys.intersection(present)))
        return woken


def _keys_of(patterns: Iterable[int], keys: Keys) -> frozenset[Key]:
    """The keys any of which makes one of the patterns present."""
    return frozenset(chain.from_iterable(keys[pattern] for pattern in patterns))


def _required_parts(node: Node, slots: Slots) -> list[list[int]] | None:
    """Groups of patterns such that every match of `node` contains a pattern of each
    group (each word of a phrase, an OR of words). None when a match may contain none (a
    NOT, a metadata test, or an OR with such a branch): then the rule is evaluated for
    every article."""
    if isinstance(node, Term):
        return [list(slot) for slot in slots[node]]
    if isinstance(node, Near):
        return [list(slot) for term in (node.left, node.right) for slot in slots[term]]
    if isinstance(node, Or):
        # one part: for each branch, its smallest part
        found: list[int] = []
        for child in node.children:
            branch = _required_parts(child, slots)
            if not branch:
                return None
            shortest: list[int] = min(branch, key=len)
            found += shortest
        return [found]
    if isinstance(node, And):
        every = [_required_parts(child, slots) or [] for child in node.children]
        return [part for parts in every for part in parts] or None
    return None


Predicate = Callable[[_Hits, ArticleView], bool]
Slots = Mapping[Term, tuple[Slot, ...]]


def _compile(node: Node, slots: Slots, keys: Keys) -> Predicate:
    """The rule's tree as nested closures with pattern ids resolved once: the hot path.
    (`_compile_why` makes the same for matched rules only, to say why.)"""
    if _is_single_slot(node, slots):
        any_of_keys = _keys_of(_single_slot_patterns(node, slots), keys)
        return lambda hits, _article: not any_of_keys.isdisjoint(hits.present)
    if isinstance(node, Term):
        term_slots = slots[node]
        return lambda hits, _article: bool(_term_starts(node, term_slots, hits))
    if isinstance(node, Near):
        return lambda hits, _article: _near_found(node, slots, hits)
    if isinstance(node, Meta):
        return lambda _hits, article: _meta_matches(node, article)
    if isinstance(node, Not):
        inner = _compile(node.child, slots, keys)
        return lambda hits, article: not inner(hits, article)
    if isinstance(node, And):
        return _compile_and(node, slots, keys)
    parts = [_compile(child, slots, keys) for child in node.children]

    def any_of(hits: _Hits, article: ArticleView) -> bool:
        return any(part(hits, article) for part in parts)

    return any_of


def _compile_and(
    node: And, slots: Slots, keys: Keys, known: AbstractSet[frozenset[Key]] = frozenset()
) -> Predicate:
    """The usual rule is an AND of words, OR-groups of words and NOTs of them: each a
    set test, done first and in one loop, the smallest first; phrases, NEARs and
    metadata after, and only when the words they need are all present (the same set
    tests). Parts in `known` are present whenever the predicate is asked."""
    required: dict[frozenset[Key], None] = {}
    forbidden: list[frozenset[Key]] = []
    rest: list[Predicate] = []
    for child in _and_parts(node):
        if isinstance(child, Not) and _is_single_slot(child.child, slots):
            forbidden.append(_keys_of(_single_slot_patterns(child.child, slots), keys))
            continue
        for part in _required_parts(child, slots) or []:
            required[_keys_of(part, keys)] = None
        if not _is_single_slot(child, slots):
            rest.append(_compile(child, slots, keys))

    to_test = sorted(required.keys() - known, key=len)

    def all_of(hits: _Hits, article: ArticleView) -> bool:
        disjoint = hits.present.isdisjoint  # the set tests in C, without a Python loop
        if any(map(disjoint, to_test)) or not all(map(disjoint, forbidden)):
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


Explainer = Callable[[_Hits, ArticleView, list[str]], bool]


def _compile_why(node: Node, slots: Slots, keys: Keys) -> Explainer:
    """Like `_compile`, for a rule that matched: also collects in `why` the words and
    phrases that made it match (every branch of an OR that holds)."""
    if isinstance(node, Term):
        term_slots = slots[node]
        slot_keys = [_keys_of(slot, keys) for slot in term_slots]
        fields = sorted(node.fields)
        # the term, and the text's own words when the match was folded or stemmed:
        # `nvidia (nvidias)`
        shown = node.display
        as_shown = {shown, shown.strip('"'), ""}

        def term(hits: _Hits, _article: ArticleView, why: list[str]) -> bool:
            if any(map(hits.present.isdisjoint, slot_keys)):
                return False  # a word missing everywhere
            found: tuple[str, int] | None = None
            if len(term_slots) == 1:  # one word: where it first stands is all `why` shows
                for name in fields:
                    if (first := hits.first_position(name, term_slots[0])) is not None:
                        found = (name, first)
                        break
            elif starts := _term_starts(node, term_slots, hits):
                found = starts[0]
            if found is None:
                return False
            if node.slop is not None:  # its words stand apart: the term says it
                why.append(shown)
                return True
            seen = as_written(hits.words(*found, len(term_slots)))
            why.append(shown if seen in as_shown else f"{shown} ({seen})")
            return True

        return term
    if isinstance(node, Near):
        shown = f"{node.left.display} NEAR/{node.distance} {node.right.display}"

        def near(hits: _Hits, _article: ArticleView, why: list[str]) -> bool:
            found = _near_found(node, slots, hits)
            if found:
                why.append(shown)
            return found

        return near
    if isinstance(node, Meta):

        def meta(_hits: _Hits, article: ArticleView, why: list[str]) -> bool:
            found = _meta_matches(node, article)
            if found and node.field == "entity":
                why.append(f"entity:{node.value}")
            return found

        return meta
    if isinstance(node, Not):
        inner = _compile(node.child, slots, keys)
        return lambda hits, article, _why: not inner(hits, article)
    parts = [_compile_why(child, slots, keys) for child in node.children]
    if isinstance(node, And):
        return lambda hits, article, why: all(part(hits, article, why) for part in parts)
    assert isinstance(node, Or)
    # a list, not a generator: every branch that holds adds its words to `why`
    return lambda hits, article, why: any([part(hits, article, why) for part in parts])


def _term_starts(term: Term, term_slots: tuple[Slot, ...], hits: _Hits) -> list[tuple[str, int]]:
    """(field, position) where the term begins: its words in a row, or with a slop all
    within `slop` positions of each other."""
    found: list[tuple[str, int]] = []
    keys, present = hits.ruleset.pattern_keys, hits.present
    if not all(any(not keys[p].isdisjoint(present) for p in slot) for slot in term_slots):
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
