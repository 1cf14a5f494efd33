"""Alert messages: multipart text + HTML from Jinja2 templates (autoescaped), with
headers that web-supplied titles cannot break."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from zoneinfo import ZoneInfo

from chipwatch.alerts.normalize import is_cjk
from chipwatch.alerts.snippets import snippet
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENV = Environment(
    loader=PackageLoader("chipwatch.alerts", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
SUBJECT_MAX = 150


@dataclass(frozen=True)
class MatchedArticle:
    url: str
    title: str | None
    source: str
    published: datetime | None
    fetched: datetime
    language: str | None
    text: str
    matched: Sequence[str]


@dataclass(frozen=True)
class Composed:
    message_id: str
    subject: str
    raw: bytes


def one_line(value: str | None) -> str:
    """Web text in a header or a list line: no CR/LF or other control characters."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", value or "")).strip()


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
    if len(ordered) == 1 and not digest:
        subject = f"[chipwatch] {one_line(rule)}: {one_line(ordered[0].title) or ordered[0].url}"
    else:
        subject = f"[chipwatch] {one_line(rule)}: {len(ordered)} new articles"
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1].rstrip() + "…"
    context = {
        "rule": rule,
        "query": query,
        "digest": digest,
        "count": len(ordered),
        "period": period,
        "subject": subject,
        "days": _group_by_day(ordered, zone, digest),
    }
    domain = parseaddr(sender)[1].rpartition("@")[2] or "chipwatch.invalid"
    message = EmailMessage(policy=SMTP)
    message_id = make_msgid(idstring="chipwatch", domain=domain)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["X-Chipwatch-Rule"] = one_line(rule)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_ENV.get_template("alert.txt.j2").render(context))
    message.add_alternative(_ENV.get_template("alert.html.j2").render(context), subtype="html")
    return Composed(message_id=message_id, subject=subject, raw=message.as_bytes())


def display_term(term: str) -> str:
    """Normalised terms keep CJK characters apart ("寒 武 纪"); show them joined."""
    words = term.split(" ")
    return "".join(words) if all(is_cjk(w.rstrip("*")) for w in words) else term


def _group_by_day(items: Sequence[MatchedArticle], zone: ZoneInfo, digest: bool) -> list[dict]:
    days: dict[str, list[dict]] = {}
    for item in items:
        moment = (item.published or item.fetched).astimezone(zone)
        label = moment.strftime("%A, %d %B %Y") if digest else ""
        days.setdefault(label, []).append(
            {
                "title": one_line(item.title) or item.url,
                "url": item.url,
                "source": one_line(item.source),
                "date": moment.strftime("%Y-%m-%d %H:%M %Z"),
                "language": item.language or "?",
                "snippet": (parts := snippet(item.text, list(item.matched))),
                "snippet_text": "".join(f"«{t}»" if marked else t for t, marked in parts),
                "why": ", ".join(display_term(t) for t in item.matched) or "metadata",
            }
        )
    return [{"label": label, "entries": entries} for label, entries in days.items()]
