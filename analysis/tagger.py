"""Tag AI-chip entities in German, English and Chinese text, each tag with its reason.

    >>> [m.entity for m in tag("Nvidia will den H20 wieder nach China liefern.")]
    ['nvidia', 'nvidia-h20']

How a text is read, in one pass:

1. **Tokens** as the analyzer makes them (letters and digits; each CJK character one
   token), each folded like the analyzer's surface form (case, accents, ä = ae) and kept
   with its offsets into the original text. Chinese is matched as written, simplified
   and traditional alike: the registry lists both, nothing is converted.
2. **One Aho–Corasick pass** over the joined tokens finds every registry alias and every
   cue word (analysis/cues.py) at token boundaries.
3. **Case**: an alias flagged `case` must be written as in the registry ("MUSA" is the
   software, "Musa" a name; "Ascend" may be the chip family, "ascend" never is).
4. **Longest match wins**, and a look-alike ("other") entry that wins swallows its span:
   "Kunlun Mountains", "Atlas Copco", "Moore's law".
5. **Context**, by the alias's flag, from its sentence and the neighbouring ones: chip
   words or another tagged entity (`chip`), company words (`company`), its own maker or
   family (`maker`), a model number that is not a quantity (`model`), the nearest
   country for an agency name several countries use (`country`). Evidence may come from
   a tag that itself needed context, so the checks repeat until nothing changes.

A company and its products are separate tags ("Nvidia H20" is `nvidia` and `nvidia-h20`,
"the H20" only the product); the registry's org chain links them (Registry.descendants).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate, repeat
from operator import add

import ahocorasick

from analysis import cues
from analysis.analyzer import BREAK, TOKEN_RE, is_cjk, raw_tokens, token_forms
from analysis.registry import Alias, Entity, Registry, default_registry

# Punctuation a name never runs across ("Biren, Enflame" is two names, 华为、昇腾 too).
_BREAK_CHARS = frozenset(',;:!?()[]{}"“”„«»<>|。！？；：、，（）【】《》「」·・')
_SENTENCE_END = re.compile(r"[.!?…]+[\"”»’)]*\s+(?=[^\s\da-z])|[。！？\n]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_LANGUAGE_COUNTRY = {"en": "us", "de": "de", "zh": "cn"}


@dataclass(frozen=True)
class Mention:
    """One tag: which entity, through which registry alias, where (offsets into the
    original text: text[start:end] is the name as written), and the rule that let it in."""

    entity: str
    name: str
    kind: str
    org: str | None
    alias: str
    start: int
    end: int
    rule: str


@dataclass(frozen=True)
class _AliasRef:
    entity: Entity
    alias: Alias
    written: str  # what `case` compares with (the alias, or its plural)
    ntokens: int
    case: bool  # flagged `case`


@dataclass(frozen=True)
class _Cue:
    kind: str  # chip, company or a country code
    ntokens: int  # tokens spanned, 0 when the cue matches inside one token
    written: str | None  # for case-sensitive cues


@dataclass
class _Hit:
    first: int
    last: int
    refs: list[_AliasRef]
    sentence: int = 0
    accepted: _AliasRef | None = None
    rule: str = ""


@dataclass
class _Text:
    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    surfaces: list[str] = field(default_factory=list)
    sentence_starts: list[int] = field(default_factory=list)

    def sentence_of(self, token: int) -> int:
        return bisect_right(self.sentence_starts, self.starts[token]) - 1


class Tagger:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._automaton = ahocorasick.Automaton()
        patterns: dict[str, list[_AliasRef | _Cue]] = {}
        for entity in registry.entities.values():
            for alias in entity.aliases:
                for key, ref in _alias_patterns(entity, alias):
                    patterns.setdefault(key, []).append(ref)
        lexicon: dict[str, tuple[str, ...]] = {"chip": cues.CHIP, "company": cues.COMPANY}
        for kind, words in {**lexicon, **cues.COUNTRY}.items():
            for word in words:
                key, cue = _cue_pattern(kind, word)
                patterns.setdefault(key, []).append(cue)
        for key, items in patterns.items():
            refs = tuple(i for i in items if isinstance(i, _AliasRef))
            found = tuple(i for i in items if isinstance(i, _Cue))
            self._automaton.add_word(key, (refs, found))
        self._automaton.make_automaton()
        self._tops = {e: registry.top(e) for e in registry.entities}

    def tag(self, text: str, language: str | None = None) -> list[Mention]:
        doc = _tokenize(text)
        if not doc.surfaces:
            return []
        joined_starts, joined = _join(doc.surfaces)
        hits: dict[tuple[int, int], _Hit] = {}
        chip_sentences: set[int] = set()
        company_sentences: set[int] = set()
        countries: list[tuple[int, int, int, str]] = []  # first, last token, sentence, country
        for end, (refs, found_cues) in self._automaton.iter(joined):
            last = bisect_right(joined_starts, end) - 1
            for ref in refs:
                first = last - ref.ntokens + 1
                if not ref.case or _same_case(
                    text[doc.starts[first] : doc.ends[last]], ref.written
                ):
                    hits.setdefault((first, last), _Hit(first, last, [])).refs.append(ref)
            for cue in found_cues:
                first = last - cue.ntokens + 1 if cue.ntokens else last
                if cue.written is not None and not _same_case(
                    text[doc.starts[first] : doc.ends[last]], cue.written
                ):
                    continue
                sentence = bisect_right(doc.sentence_starts, doc.starts[first]) - 1
                if cue.kind == "chip":
                    chip_sentences.add(sentence)
                elif cue.kind == "company":
                    company_sentences.add(sentence)
                else:
                    countries.append((first, last, sentence, cue.kind))
        kept = self._longest(hits.values(), len(doc.surfaces))
        if language:
            language = language.split("-")[0].split("_")[0].lower()  # "de-DE" → "de"
        context = _Context(chip_sentences, company_sentences, countries, language)
        pending: list[_Hit] = []
        done: list[_Hit] = []
        for hit in kept:
            hit.sentence = doc.sentence_of(hit.first)
            if any(ref.entity.kind == "other" for ref in hit.refs):
                continue  # a look-alike owns this span
            unconditional = [ref for ref in hit.refs if ref.alias.context is None]
            if unconditional:
                hit.accepted = unconditional[0]
                hit.rule = "case" if "case" in hit.accepted.alias.flags else "safe"
                done.append(hit)
            else:
                pending.append(hit)
        by_sentence: dict[int, list[_Hit]] = {}
        for hit in done:
            by_sentence.setdefault(hit.sentence, []).append(hit)
        changed = True
        while pending and changed:
            changed = False
            for hit in list(pending):
                s = hit.sentence
                near = [
                    *by_sentence.get(s - 1, ()),
                    *by_sentence.get(s, ()),
                    *by_sentence.get(s + 1, ()),
                ]
                if self._check(hit, doc, context, near):
                    pending.remove(hit)
                    done.append(hit)
                    by_sentence.setdefault(s, []).append(hit)
                    changed = True
        done.sort(key=lambda h: h.first)
        out: list[Mention] = []
        for hit in done:
            assert hit.accepted is not None
            entity = hit.accepted.entity
            out.append(
                Mention(
                    entity.id,
                    entity.name,
                    entity.kind,
                    entity.org,
                    hit.accepted.alias.text,
                    doc.starts[hit.first],
                    doc.ends[hit.last],
                    hit.rule,
                )
            )
        return out

    @staticmethod
    def _longest(hits: Iterable[_Hit], ntokens: int) -> list[_Hit]:
        taken = bytearray(ntokens)
        kept: list[_Hit] = []
        for hit in sorted(hits, key=lambda h: (h.first - h.last, h.first)):
            if not any(taken[hit.first : hit.last + 1]):
                taken[hit.first : hit.last + 1] = b"\1" * (hit.last - hit.first + 1)
                kept.append(hit)
        return kept

    def _check(self, hit: _Hit, doc: _Text, context: _Context, near: list[_Hit]) -> bool:
        for ref in hit.refs:
            rule = self._rule(ref, hit, doc, context, near)
            if rule is not None:
                case = "case+" if "case" in ref.alias.flags else ""
                hit.accepted, hit.rule = ref, case + rule
                return True
        if any(ref.alias.context == "country" for ref in hit.refs):
            return self._resolve_country(hit, context, near)
        return False

    def _rule(
        self, ref: _AliasRef, hit: _Hit, doc: _Text, context: _Context, near: list[_Hit]
    ) -> str | None:
        flag = ref.alias.context
        window = range(hit.sentence - 1, hit.sentence + 2)
        if flag == "chip":
            if any(s in context.chip for s in window):
                return "chip-cue"
            return "entity-nearby" if near else None
        if flag == "company":
            if hit.sentence in context.company:
                return "company-cue"
            if any(s in context.chip for s in window):
                return "chip-cue"
            return "entity-nearby" if near else None
        top = self._tops[ref.entity.id]
        makers = [h for h in near if h.accepted and self._tops[h.accepted.entity.id] == top]
        if flag == "maker":
            return "maker-nearby" if makers else None
        if flag == "model":
            if _is_quantity(doc, hit):
                return None
            if ref.alias.text.isdigit():  # a bare number: its family in the same sentence
                return "maker-nearby" if any(h.sentence == hit.sentence for h in makers) else None
            if makers:
                return "maker-nearby"
            return "chip-cue" if hit.sentence in context.chip else None
        return None

    def _resolve_country(self, hit: _Hit, context: _Context, near: list[_Hit]) -> bool:
        """An agency name several countries use ("Commerce Department", "商务部") is the
        agency of the country that qualifies it: named right before it ("US-", "China's",
        "美国"), or for Latin names right after ("in Peking", "of China"). Unqualified,
        it is the press language's own (商务部 in Chinese news is MOFCOM, the Commerce
        Department in English news the American one); a German unqualified
        "Handelsministerium" stays untagged. A country named further away is often the
        other side ("商务部回应美方"), so it never decides."""
        by_country = {ref.entity.country: ref for ref in hit.refs if ref.alias.context == "country"}
        # How many tokens a qualifier may stand away: "China's commerce ministry", "in
        # Peking" (Latin); 美国商务部 (Chinese puts it right before, never after).
        reach_before, reach_after = (1, 0) if is_cjk(hit.refs[0].alias.text[0]) else (2, 2)
        # A tagged agency names its country too ("the Commerce Department's Bureau of
        # Industry and Security").
        agencies = [
            (h.first, h.last, h.sentence, h.accepted.entity.country)
            for h in near
            if h.accepted is not None and h.accepted.entity.country is not None
        ]
        best: tuple[int, str] | None = None
        for first, last, sentence, country in [*context.countries, *agencies]:
            if sentence != hit.sentence:
                continue
            if 0 < hit.first - last <= reach_before:
                rank = 2 * (hit.first - last)
            elif 0 < first - hit.last <= reach_after:
                rank = 2 * (first - hit.last) + 1  # before wins a tie
            else:
                continue
            if best is None or rank < best[0]:
                best = (rank, country)
        if best is not None:
            ref = by_country.get(best[1])
            rule = f"country:{best[1]}"
        else:
            language = context.language or hit.refs[0].alias.language
            default = _LANGUAGE_COUNTRY.get(language)
            ref = by_country.get(default) if default else None
            rule = f"language-default:{default}"
        if ref is None:
            return False
        hit.accepted, hit.rule = ref, rule
        return True


@dataclass(frozen=True)
class _Context:
    chip: set[int]
    company: set[int]
    countries: list[tuple[int, int, int, str]]
    language: str | None


def _alias_patterns(entity: Entity, alias: Alias) -> list[tuple[str, _AliasRef]]:
    tokens = [token_forms(t).surface for t in raw_tokens(alias.text)]
    out = [(_key(tokens), _AliasRef(entity, alias, alias.text, len(tokens), "case" in alias.flags))]
    last = tokens[-1]
    # German genitive and English plural: "Nvidias", "H20s" (not a bare number: "590s").
    if not is_cjk(last) and not last.endswith("s") and not last.isdigit():
        plural = [*tokens[:-1], last + "s"]
        out.append(
            (
                _key(plural),
                _AliasRef(entity, alias, alias.text + "s", len(tokens), "case" in alias.flags),
            )
        )
    return out


def _cue_pattern(kind: str, word: str) -> tuple[str, _Cue]:
    written = word[1:] if word.startswith("=") else None
    body = word.strip("=*")
    tokens = [token_forms(t).surface for t in raw_tokens(body)]
    if word.startswith("*") and word.endswith("*"):
        return tokens[0], _Cue(kind, 0, None)  # inside one token
    if word.endswith("*"):
        return " " + " ".join(tokens), _Cue(kind, len(tokens), None)
    return _key(tokens), _Cue(kind, len(tokens), written)


def _key(tokens: list[str]) -> str:
    return " " + " ".join(tokens) + " "


def _tokenize(text: str) -> _Text:
    # In C, no Python loop per token: split keeps the tokens (odd parts) between the
    # gaps (even parts), and running sums of the part lengths are the offsets. Tokens
    # are the analyzer's; punctuation that names never run across is a token too (BREAK).
    parts = _TOKEN_OR_BREAK.split(text)
    offsets = list(accumulate(map(len, parts)))
    doc = _Text(text)
    doc.starts = offsets[0:-1:2]
    doc.ends = offsets[1::2]
    doc.surfaces = list(map(_surface, parts[1::2]))
    doc.sentence_starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    return doc


_TOKEN_OR_BREAK = re.compile(
    "(" + TOKEN_RE.pattern + "|[" + re.escape("".join(sorted(_BREAK_CHARS))) + "])"
)


@lru_cache(maxsize=200_000)
def _surface(raw: str) -> str:
    """A token's folded surface form, as the analyzer folds it (cached: news reuses
    its words)."""
    if raw in _BREAK_CHARS:
        return BREAK
    folded = raw.lower() if raw.isascii() else unicodedata.normalize("NFKC", raw).casefold()
    return token_forms(folded).surface.replace(" ", "") or BREAK


def _join(surfaces: list[str]) -> tuple[list[int], str]:
    """The tokens joined by single spaces between two spaces, and where each token
    starts in that string (a match ending on a token's trailing space belongs to it)."""
    starts = list(accumulate(map(add, map(len, surfaces), repeat(1)), initial=1))
    starts.pop()
    return starts, " " + " ".join(surfaces) + " "


def _same_case(span: str, written: str) -> bool:
    return span == written or _case_key(span) == _case_key(written)


def _case_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return "".join(ch for ch in text if ch.isalnum())


def _is_quantity(doc: _Text, hit: _Hit) -> bool:
    """A number that measures something: a unit or currency after it ("590 Euro", "910
    km", "H20 Prozent"), a currency sign or a digit group before it ("$590", "2.590")."""
    text = doc.text
    start, end = doc.starts[hit.first], doc.ends[hit.last]
    before = text[max(0, start - 2) : start]
    if before[-1:] in cues.CURRENCY_SIGNS or before.strip()[-1:] in cues.CURRENCY_SIGNS:
        return True
    if len(before) == 2 and before[1] in ".," and before[0].isdigit():
        return True
    after = text[end : end + 2]
    if after[:1] in ("%", "°") or after.strip()[:1] == "%":
        return True
    if after[:1] in ".," and after[1:2].isdigit():
        return True
    following = hit.last + 1
    return following < len(doc.surfaces) and doc.surfaces[following] in cues.UNITS


@cache
def default_tagger() -> Tagger:
    """The tagger over the packaged registry, built once per process."""
    return Tagger(default_registry())


def tag(text: str, language: str | None = None) -> list[Mention]:
    """The entity mentions in TEXT, in order (see the module docstring)."""
    return default_tagger().tag(text, language)
