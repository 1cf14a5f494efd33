"""Alert messages: multipart text + HTML from Jinja2 templates (autoescaped), with
headers that web-supplied titles cannot break.

Every header is set from plain text that went through `one_line`, so the email package
never sees a line break or an RFC 2047 encoded word from the web: it encodes non-ASCII
text itself when the message is written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from analysis.snippets import snippet

_ENV = Environment(
    loader=PackageLoader("alerts", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
# C0 and C1 controls (CR, LF, NUL, NEL, …), line and paragraph separators, and lone
# surrogates (which cannot be written as UTF-8 at all).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")
# RFC 2047 encoded words, and runs of them (the space between two is not text).
_ENCODED_WORD = r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?="
_ENCODED_RUN = re.compile(rf"{_ENCODED_WORD}(?:\s+{_ENCODED_WORD})*")
# What is left of "=?" after decoding must never start an encoded word again: a zero-width
# space between the two characters keeps the text looking the same.
_EW_START, _EW_BROKEN = "=?", "=\u200b?"
SUBJECT_MAX = 150
LINE_MAX = 300  # a title or a source name in the body, a rule name in a header


@dataclass(frozen=True)
class AlsoReported:
    """Another article of the same story: one more source (and language) that has it."""

    source: str
    language: str | None
    url: str
    title: str | None


@dataclass(frozen=True)
class MatchedArticle:
    """One story in a message, shown by its earliest matched article."""

    url: str
    title: str | None
    source: str
    published: datetime | None
    fetched: datetime
    language: str | None
    text: str
    matched: Sequence[str]
    also: Sequence[AlsoReported] = ()
    update: bool = False  # the rule has sent this story before: an article joined it


@dataclass(frozen=True)
class Composed:
    message_id: str
    subject: str
    raw: bytes


def one_line(value: str | None, limit: int | None = None) -> str:
    """Web or config text as one line of plain text, for a header or a list line.

    Encoded words are decoded first (a feed may carry `=?utf-8?q?…?=` titles), then
    control characters (CR, LF, NUL, U+2028, …) become spaces, whitespace is collapsed,
    and any "=?" left over is broken up, so that no later decoder turns the text into a
    line break, a header or the end of the header block. At most `limit` characters (a
    very long word is cut like any other text). Idempotent: one_line(one_line(x)) ==
    one_line(x).
    """
    text = _CONTROL.sub(" ", value or "")
    text = _ENCODED_RUN.sub(lambda run: _decode_words(run.group()), text)
    text = re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()
    text = text.replace(_EW_START, _EW_BROKEN)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def compose(
    *,
    rule: str,
    query: str,
    items: Sequence[MatchedArticle],
    digest: bool,
    sender: str,
    recipients: Sequence[str],
    zone: ZoneInfo,
    now: datetime,
    period: str = "",
) -> Composed:
    if not items:
        raise ValueError("a message needs at least one article")
    ordered = sorted(items, key=lambda i: i.published or i.fetched, reverse=True)
    stories = [i for i in ordered if not i.update]
    updates = [i for i in ordered if i.update]
    if len(stories) == 1 and not digest:
        first = stories[0]
        about = one_line(first.title) or one_line(first.url)
    elif stories:
        about = f"{len(stories)} new stories"
    else:
        about = f"{len(updates)} update{'s' if len(updates) != 1 else ''}"
    rule = one_line(rule, LINE_MAX)
    subject = one_line(f"[chipwatch] {rule}: {about}", SUBJECT_MAX)
    context = {
        "rule": rule,
        "query": query,
        "digest": digest,
        "count": len(stories),
        "period": period,
        "subject": subject,
        "days": _group_by_day(stories, zone, digest),
        "updates": _group_by_day(updates, zone, False)[0]["entries"] if updates else [],
    }
    sender = one_line(sender)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "chipwatch.invalid"
    message = EmailMessage(policy=SMTP)
    message_id = make_msgid(idstring="chipwatch", domain=domain)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(one_line(r) for r in recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["X-Chipwatch-Rule"] = rule
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_ENV.get_template("alert.txt.j2").render(context))
    message.add_alternative(_ENV.get_template("alert.html.j2").render(context), subtype="html")
    return Composed(message_id=message_id, subject=subject, raw=message.as_bytes())


def _decode_words(run: str) -> str:
    """Encoded words as text; bytes that are not valid in their charset become U+FFFD.
    (make_header would refuse those, and an unknown charset keeps the words as they are:
    `one_line` then breaks them up.)"""
    try:
        return "".join(
            data.decode(charset or "ascii", "replace") if isinstance(data, bytes) else data
            for data, charset in decode_header(run)
        )
    except (HeaderParseError, LookupError):
        return run


def _group_by_day(items: Sequence[MatchedArticle], zone: ZoneInfo, digest: bool) -> list[dict]:
    days: dict[str, list[dict]] = {}
    for item in items:
        moment = (item.published or item.fetched).astimezone(zone)
        label = moment.strftime("%A, %d %B %Y") if digest else ""
        days.setdefault(label, []).append(
            {
                "title": one_line(item.title, LINE_MAX) or item.url,
                "url": item.url,
                "source": one_line(item.source, LINE_MAX),
                "date": moment.strftime("%Y-%m-%d %H:%M %Z"),
                "language": item.language or "?",
                "snippet": (parts := snippet(item.text, list(item.matched))),
                "snippet_text": "".join(f"«{t}»" if marked else t for t, marked in parts),
                "why": ", ".join(item.matched) or "metadata",
                "also": [
                    {
                        "source": one_line(a.source, LINE_MAX),
                        "language": a.language or "?",
                        "url": a.url,
                        "title": one_line(a.title, LINE_MAX) or a.url,
                    }
                    for a in item.also
                ],
                "also_text": ", ".join(
                    f"{one_line(a.source, LINE_MAX)} ({a.language or '?'})" for a in item.also
                ),
            }
        )
    return [{"label": label, "entries": entries} for label, entries in days.items()]
