"""Bytes → text for an HTML page, when nothing on the page says how.

Scrapy honours what a page declares (BOM, Content-Type charset, <meta charset>) and
otherwise tries ASCII, UTF-8 and cp1252 before falling back to UTF-8 with replacement
characters: an undeclared Shift-JIS or GBK page comes out as U+FFFD. Here an
undeclared page that is not valid UTF-8 is decoded with the encoding charset-normalizer
detects instead."""

from __future__ import annotations

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Enough of the page for a reliable guess; the rest costs time and says nothing new.
DETECT_BYTES = 64_000


def declared_encoding(body: bytes, content_type: str | None) -> str | None:
    """What the page itself says: a BOM, the Content-Type charset or a <meta> tag."""
    bom, _ = read_bom(body)
    return bom or http_content_type_encoding(content_type) or html_body_declared_encoding(body)


def detect_encoding(body: bytes) -> str:
    """For a page that declares nothing: UTF-8 when it is valid UTF-8, else the best
    guess of charset-normalizer (cp1252 when it has none)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = from_bytes(body[:DETECT_BYTES]).best()
    return best.encoding if best is not None else "cp1252"


def replacement_share(text: str) -> float:
    """How much of the text (ignoring whitespace) is U+FFFD: garbage in, garbage out."""
    if "\ufffd" not in text:
        return 0.0  # nearly every page: no count of its characters
    visible = sum(1 for ch in text if not ch.isspace())
    return text.count("\ufffd") / visible if visible else 0.0
