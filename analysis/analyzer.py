"""The one analyzer: how rules, search and the `require` filter see text.

Defined once, here:

- **Unicode and case**: NFKC, then case folding.
- **Accents and German umlauts** fold to the base letter, and so do their two-letter
  spellings (ä = ae = a, ö = oe = o, ü = ue = u, ß = ss), as Lucene's German
  normalisation does: `umsatz*`, "Umsätze", `muenchen`, `munchen` and "München" meet.
- **Word breaks**: anything that is not a letter or digit, hyphens and apostrophes
  included ("KI-Chips" is "ki chips", "Nvidia's" is "nvidia s").
- **Chinese, Japanese and Korean** characters are one token each (character n-grams of
  length one): a name such as 寒武纪 is a phrase of three tokens and is found inside text
  without spaces.
- **Inflection**: each token also has its Snowball stem in German and in English (stemmed
  before the umlaut fold, which the German stemmer needs; folded after). A bare query
  term matches a token when their German or their English stems agree, so `nvidia`
  finds "Nvidias" and `chip` finds "Chips", but never a longer word ("Chiphersteller").

Three aligned forms come out of one pass: the folded surface tokens (for phrases and
wildcards) and the two stem sequences (for bare terms), token i in each the same word.
An article's `Vocabulary` (its distinct words and stems, without positions) is derived
from them and stored too: most rule terms only ask whether a word is there at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

CJK_RANGES = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
)
TOKEN_RE = re.compile(rf"[{CJK_RANGES}]|[^\W_{CJK_RANGES}]+")
_CJK_RE = re.compile(rf"[{CJK_RANGES}]")
# A token, or (first group) the characters between two CJK tokens when they are more
# than spaces: what raw_tokens turns into a BREAK, found in the same pass in C.
_NOT_TOKEN = rf"(?:_|[^\w{CJK_RANGES}])"
# Possessive quantifiers: a long run of punctuation after a CJK character that no CJK
# character follows must fail in one pass, not by backtracking (quadratic in the run).
_TOKEN_OR_BREAK_RE = re.compile(
    rf"(?<=[{CJK_RANGES}])(\s*+(?:_|[^\s\w{CJK_RANGES}]){_NOT_TOKEN}*+)(?=[{CJK_RANGES}])"
    rf"|({TOKEN_RE.pattern})"
)
_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Lucene's GermanNormalizationFilter: an e after a, o or u (not in "qu") is the umlaut's
# second letter.
_TWO_LETTER_UMLAUT = re.compile(r"(?<=[ao])e|(?<=(?<!q)u)e")
_SPECIAL = str.maketrans({"ß": "ss", "ẞ": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l"})

# Raise it whenever a change here changes what analyze() returns: stored analyses of
# an older version are redone by `chipwatch reindex` (and by the migration that ships
# the change).
ANALYZER_VERSION = 1

# Stands between CJK characters that punctuation separates; no query ever produces it.
BREAK = "_"

_GERMAN = Stemmer.Stemmer("german")
_ENGLISH = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class TokenForms:
    surface: str  # folded: what phrases and wildcards compare
    de: str  # folded German stem
    en: str  # folded English stem


@dataclass(frozen=True)
class Analyzed:
    """One text, analysed: three space-joined sequences, aligned token by token."""

    surface: str
    de: str
    en: str

    @property
    def token_count(self) -> int:
        return self.surface.count(" ") + 1 if self.surface else 0


# In a Vocabulary's stems, a token whose German and English stems differ stands twice,
# marked: "de:x" and "en:y" (no token contains a colon); agreeing stems stand bare.
DE_ONLY = "de:"
EN_ONLY = "en:"


@dataclass(frozen=True)
class Vocabulary:
    """The distinct tokens of an article (title and text together), space-joined: the
    folded surface words, and the stems (see DE_ONLY). A rule term that only asks
    whether a word occurs looks it up here, in a tenth of the article's length."""

    words: str
    stems: str

    @classmethod
    def of(cls, *analysed: Analyzed) -> Vocabulary:
        words: dict[str, None] = {}
        stems: dict[str, None] = {}
        for form in analysed:
            if not form.surface:
                continue
            words.update(dict.fromkeys(form.surface.split(" ")))
            for de, en in dict.fromkeys(zip(form.de.split(" "), form.en.split(" "), strict=True)):
                if de == en:
                    stems[de] = None
                else:
                    stems[DE_ONLY + de] = None
                    stems[EN_ONLY + en] = None
        return cls(" ".join(words), " ".join(stems))

    def stored(self) -> str:
        return f"{self.words}\n{self.stems}"

    @classmethod
    def from_stored(cls, value: str) -> Vocabulary:
        words, stems = value.split("\n", 1)
        return cls(words, stems)


def raw_tokens(text: str) -> list[str]:
    """Case-folded tokens before any other folding (what the stemmers take). Between
    two CJK characters that punctuation separates (华为、昇腾), a BREAK token keeps a
    phrase from running across it, as a space would in other scripts."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if _CJK_RE.search(folded) is None:  # no BREAK to place: the plain token regex
        return TOKEN_RE.findall(folded)
    return [token or BREAK for _gap, token in _TOKEN_OR_BREAK_RE.findall(folded)]


def fold_word(word: str) -> str:
    """Accents and umlauts to base letters, ß to ss, then two-letter umlauts to one."""
    word = word.translate(_SPECIAL)
    if not word.isascii():
        word = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", word))
    return _TWO_LETTER_UMLAUT.sub("", word)


@lru_cache(maxsize=500_000)
def token_forms(token: str) -> TokenForms:
    """The three forms of one case-folded token (cached: news reuses its words)."""
    if token == BREAK or _CJK_RE.fullmatch(token):
        return TokenForms(token, token, token)
    return TokenForms(
        fold_word(token),
        fold_word(_GERMAN.stemWord(token)),
        fold_word(_ENGLISH.stemWord(token)),
    )


def analyze(text: str) -> Analyzed:
    forms = [token_forms(token) for token in raw_tokens(text)]
    return Analyzed(
        surface=" ".join(f.surface for f in forms),
        de=" ".join(f.de for f in forms),
        en=" ".join(f.en for f in forms),
    )


def fold(text: str) -> str:
    """The folded surface form of a whole text, tokens joined by single spaces."""
    return " ".join(token_forms(token).surface for token in raw_tokens(text))


def is_cjk(token: str) -> bool:
    return bool(_CJK_RE.fullmatch(token))


def as_written(tokens: Iterable[str]) -> str:
    """Tokens as a reader writes them: CJK characters side by side, other words spaced
    (华为 昇腾 for 华 为 BREAK 昇 腾, nvidia 芯片)."""
    written = ""
    previous_cjk = False
    for token in tokens:
        cjk = is_cjk(token)
        if token == BREAK or not (cjk and previous_cjk):
            written += " "
        if token != BREAK:
            written += token
        previous_cjk = cjk
    return " ".join(written.split())
