"""Text normalisation shared by rules and articles, so both sides fold alike.

Case and accents fold away; German umlauts fold to their two-letter spellings on both
sides (so `muenchen` finds "München" and `München` finds "Muenchen"); anything that is
not a letter or digit (hyphens included) breaks words, so `h20` finds "H20-Chips";
Chinese, Japanese and Korean characters become one token each, so a name such as 寒武纪
is a phrase of three tokens and matches inside text that has no spaces.
"""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
)
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)
    if text.isascii():  # the common case after umlaut folding: nothing left to strip
        return text
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(fold(text))


def normalized(text: str) -> str:
    """Tokens joined by single spaces: the form the automaton searches. A match that
    starts and ends at a space (or the string's ends) is a match of whole words."""
    return " ".join(tokens(text))


def is_cjk(token: str) -> bool:
    return bool(re.fullmatch(rf"[{_CJK}]", token))
