"""Snippets around the matched words, as (text, highlighted) segments that templates
escape and mark up (plain text: «word»; HTML: <mark>)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from itertools import chain

from analysis.analyzer import BREAK, TOKEN_RE, fold, raw_tokens, token_forms

Segment = tuple[str, bool]


def _word_tests(terms: list[str]) -> list[tuple[str, str]]:
    """(how, folded word) for every word the explanations name. An explanation is a
    matcher `why` entry: `nvidia`, `nvidia (nvidias)`, `"export controls"`, `export*`,
    `*kontrollen`, `*chip*`, `寒武纪`, `a NEAR/5 b`."""
    tests: list[tuple[str, str]] = []
    for term in terms:
        seen = re.search(r"\(([^()]*)\)\s*$", term)
        text = seen[1] if seen else term
        for part in re.split(r"\s+NEAR/\d+\s+", text):
            part = part.strip().strip('"')
            how = (
                "infix"
                if part.startswith("*") and part.endswith("*") and len(part) > 1
                else (
                    "suffix" if part.startswith("*") else "prefix" if part.endswith("*") else "word"
                )
            )
            tests += [(how, fold(w)) for w in raw_tokens(part.strip("*")) if w != BREAK]
    return tests


def _hit(surface: str, tests: list[tuple[str, str]]) -> bool:
    for how, word in tests:
        if (
            (how == "word" and surface == word)
            or (how == "prefix" and surface.startswith(word))
            or (how == "suffix" and surface.endswith(word))
            or (how == "infix" and word in surface)
        ):
            return True
    return False


def find_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans of the words the matcher matched (folded as the analyzer folds),
    neighbouring ones merged."""
    return list(_spans(text, _word_tests(terms)))


def _spans(text: str, tests: list[tuple[str, str]]) -> Iterator[tuple[int, int]]:
    """find_spans, lazily: a snippet needs only the spans up to its end."""
    if not tests:
        return
    pending: tuple[int, int] | None = None
    for match in TOKEN_RE.finditer(text):
        if not _hit(token_forms(match[0].casefold()).surface, tests):
            continue
        if pending and text[pending[1] : match.start()].strip(" -'’") == "":
            pending = (pending[0], match.end())
            continue
        if pending:
            yield pending
        pending = (match.start(), match.end())
    if pending:
        yield pending


def snippet(text: str, terms: list[str], width: int = 110) -> list[Segment]:
    """About 2×width characters around the first match, with every match inside marked."""
    text = unicodedata.normalize("NFC", re.sub(r"\s+", " ", text)).strip()
    spans = _spans(text, _word_tests(terms))
    first_span = next(spans, None)
    if first_span is None:
        return [(text[: 2 * width] + ("…" if len(text) > 2 * width else ""), False)]
    first = first_span[0]
    start = max(0, first - width)
    end = min(len(text), first + width)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    if end < len(text):
        space = text.rfind(" ", first, end)
        end = space if space > first else end
    segments: list[Segment] = [("…", False)] if start > 0 else []
    cursor = start
    for span_start, span_end in chain([first_span], spans):
        if span_start >= end:
            break
        if span_end <= start:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start > cursor:
            segments.append((text[cursor:span_start], False))
        segments.append((text[span_start:span_end], True))
        cursor = span_end
    if cursor < end:
        segments.append((text[cursor:end], False))
    if end < len(text):
        segments.append(("…", False))
    return segments
