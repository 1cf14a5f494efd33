"""Snippets around the matched words, as (text, highlighted) segments that templates
escape and mark up (plain text: «word»; HTML: <mark>)."""

from __future__ import annotations

import re
import unicodedata

from analysis.normalize import fold, is_cjk

Segment = tuple[str, bool]


def _folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, its index in the original."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        folded = fold(ch) if not ch.isspace() else " "
        for out in folded:
            chars.append(out)
            offsets.append(index)
    return "".join(chars), offsets


def _pattern(term: str) -> re.Pattern[str] | None:
    """A regex over folded text for a normalised term ("h20", "nvidia china", "export*")."""
    prefix = term.endswith("*")
    words = [w for w in term.rstrip("*").split(" ") if w]
    if not words:
        return None
    if all(is_cjk(w) for w in words):
        return re.compile(r"\s*".join(map(re.escape, words)))
    body = r"[\W_]+".join(map(re.escape, words))
    tail = r"[^\W_]*" if prefix else r"(?![^\W_])"
    return re.compile(rf"(?<![^\W_]){body}{tail}")


def find_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    folded, offsets = _folded_with_offsets(text)
    spans = []
    for term in terms:
        pattern = _pattern(term)
        if pattern is None:
            continue
        for match in pattern.finditer(folded):
            if match.end() > match.start():
                spans.append((offsets[match.start()], offsets[match.end() - 1] + 1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, terms: list[str], width: int = 110) -> list[Segment]:
    """About 2×width characters around the first match, with every match inside marked."""
    text = unicodedata.normalize("NFC", re.sub(r"\s+", " ", text)).strip()
    spans = find_spans(text, terms)
    if not spans:
        return [(text[: 2 * width] + ("…" if len(text) > 2 * width else ""), False)]
    first = spans[0][0]
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
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
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
