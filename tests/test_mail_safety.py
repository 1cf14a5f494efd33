"""Text from the web (titles, source names) and from the config (rule names) never becomes
a header, a header boundary or an RFC 2047 encoded word that decodes into one: each
hostile value is composed, written, parsed back and compared header by header, and one
such message goes through the real SMTP server."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.compose import Composed, MatchedArticle, compose, one_line
from alerts.deliver import SmtpMailer
from tests.smtp import SMTP_ENV, SmtpServer, part_text

SENDER = "chipwatch <alerts@chipwatch.test>"
RECIPIENTS = ("me@example.org", "team@example.org")
URL = "https://news.example/1.html"
PUBLISHED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HEADERS = [
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "X-Chipwatch-Rule",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
]
ZWSP = "\u200b"  # what one_line puts between "=" and "?" of an encoded word it leaves


def b_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


Q_BCC = "=?utf-8?q?x=0D=0ABcc=3A_someone=40example=2Eorg?="
Q_EMPTY_LINE = "=?utf-8?q?x=0D=0A=0D=0AFrom=3A_evil=40example=2Eorg?="
# decodes once into Q_BCC-like text: a second decoder would find a CR/LF
Q_NESTED = "=?utf-8?q?=3D=3Futf-8=3Fq=3Fx=3D0D=3D0ABcc=3D3A=3D20v=3D40example=3D2Eorg=3F=3D?="
LEFT_OF_NESTED = f"={ZWSP}?utf-8?q?x=0D=0ABcc=3A=20v=40example=2Eorg?="
LONG = "A" * 2000


@dataclass(frozen=True)
class Hostile:
    title: str = "H20"
    source: str = "Wire"
    rule: str = "h20"


@dataclass(frozen=True)
class Shown:
    """What a reader sees: the subject, the X-Chipwatch-Rule header, and the title and
    source lines of the text part."""

    subject: str
    rule: str = "h20"
    title: str = "H20"
    source: str = "Wire"


def shown(title: str) -> Shown:
    return Shown(subject=f"[chipwatch] h20: {title}", title=title)


CASES = [
    pytest.param(
        Hostile(title="H20\r\nBcc: victim@example.org"),
        shown("H20 Bcc: victim@example.org"),
        id="raw CRLF",
    ),
    pytest.param(
        Hostile(title="H20\nBcc: v@example.org"), shown("H20 Bcc: v@example.org"), id="LF"
    ),
    pytest.param(
        Hostile(title="H20\rBcc: v@example.org"), shown("H20 Bcc: v@example.org"), id="CR"
    ),
    pytest.param(
        Hostile(title="H20\r\n\r\nFrom: evil@example.org"),
        shown("H20 From: evil@example.org"),
        id="raw CRLFCRLF",
    ),
    pytest.param(Hostile(title=Q_BCC), shown("x Bcc: someone@example.org"), id="Q-encoded CRLF"),
    pytest.param(
        Hostile(title=Q_BCC.replace("utf-8?q", "UTF-8?Q")),
        shown("x Bcc: someone@example.org"),
        id="Q-encoded CRLF, upper case",
    ),
    pytest.param(
        Hostile(title=b_word("x\r\nBcc: someone@example.org")),
        shown("x Bcc: someone@example.org"),
        id="B-encoded CRLF",
    ),
    pytest.param(
        Hostile(title=Q_EMPTY_LINE), shown("x From: evil@example.org"), id="Q-encoded empty line"
    ),
    pytest.param(
        Hostile(title=b_word("x\r\n\r\nFrom: evil@example.org")),
        shown("x From: evil@example.org"),
        id="B-encoded empty line",
    ),
    pytest.param(
        Hostile(title="H20=?utf-8?q?=0D=0ABcc=3A_v=40example=2Eorg?=tail"),
        shown("H20 Bcc: v@example.orgtail"),
        id="encoded word inside a word",
    ),
    pytest.param(
        Hostile(title="寒武纪 =?utf-8?q?=0D=0ABcc=3A_v=40example=2Eorg?="),
        shown("寒武纪 Bcc: v@example.org"),
        id="encoded CRLF after non-ASCII text",
    ),
    pytest.param(Hostile(title="H20\r\n news"), shown("H20 news"), id="folded CRLF space"),
    pytest.param(
        Hostile(title="H20\r\n\tBcc: v@example.org"),
        shown("H20 Bcc: v@example.org"),
        id="folded CRLF tab",
    ),
    pytest.param(
        Hostile(title="H20\x00Bcc: v@example.org"), shown("H20 Bcc: v@example.org"), id="NUL"
    ),
    pytest.param(Hostile(title="=?utf-8?q?H20=00news?="), shown("H20 news"), id="encoded NUL"),
    pytest.param(
        Hostile(title="H20\u2028Bcc: v@example.org"),
        shown("H20 Bcc: v@example.org"),
        id="U+2028",
    ),
    pytest.param(Hostile(title="H20\u2029\x85news"), shown("H20 news"), id="U+2029 and NEL"),
    pytest.param(Hostile(title="H20\ud800 news"), shown("H20 news"), id="lone surrogate"),
    pytest.param(
        Hostile(title=LONG),
        Shown(subject="[chipwatch] h20: " + "A" * 132 + "…", title="A" * 299 + "…"),
        id="2000 characters without a space",
    ),
    pytest.param(Hostile(title=Q_NESTED), shown(LEFT_OF_NESTED), id="nested encoded words"),
    pytest.param(
        Hostile(title=b_word("=?utf-8?q?x=0D=0ABcc=3A_v=40example=2Eorg?=")),
        shown(f"={ZWSP}?utf-8?q?x=0D=0ABcc=3A_v=40example=2Eorg?="),
        id="Q word inside a B word",
    ),
    pytest.param(
        Hostile(title="=?x-unknown?q?x=0D=0ABcc=3A_v=40example=2Eorg?="),
        shown(f"={ZWSP}?x-unknown?q?x=0D=0ABcc=3A_v=40example=2Eorg?="),
        id="unknown charset",
    ),
    pytest.param(
        Hostile(title="H20 =?utf-8?q?=FF?="), shown("H20 \ufffd"), id="bytes invalid in charset"
    ),
    pytest.param(Hostile(title="Is 2+2=?"), shown(f"Is 2+2={ZWSP}?"), id="plain =?"),
    pytest.param(
        Hostile(source="Wire\r\nBcc: v@example.org"),
        Shown(subject="[chipwatch] h20: H20", source="Wire Bcc: v@example.org"),
        id="source with CRLF",
    ),
    pytest.param(
        Hostile(source=Q_EMPTY_LINE),
        Shown(subject="[chipwatch] h20: H20", source="x From: evil@example.org"),
        id="source with encoded empty line",
    ),
    pytest.param(
        Hostile(rule="h20\r\nBcc: v@example.org"),
        Shown(subject="[chipwatch] h20 Bcc: v@example.org: H20", rule="h20 Bcc: v@example.org"),
        id="rule name with CRLF",
    ),
    pytest.param(
        Hostile(rule=Q_BCC),
        Shown(
            subject="[chipwatch] x Bcc: someone@example.org: H20",
            rule="x Bcc: someone@example.org",
        ),
        id="rule name with encoded CRLF",
    ),
]


def compose_one(hostile: Hostile) -> tuple[Composed, EmailMessage]:
    composed = compose(
        rule=hostile.rule,
        query="h20",
        items=[
            MatchedArticle(
                url=URL,
                title=hostile.title,
                source=hostile.source,
                published=PUBLISHED,
                fetched=PUBLISHED,
                language="de",
                text="Nvidia darf den H20 wieder nach China liefern.",
                matched=["h20"],
            )
        ],
        digest=False,
        sender=SENDER,
        recipients=RECIPIENTS,
        zone=ZoneInfo("UTC"),
        now=PUBLISHED,
    )
    return composed, message_from_bytes(composed.raw, policy=policy.default)


def assert_exact_headers(message: EmailMessage, expected: Shown, message_id: str) -> None:
    assert message.keys() == HEADERS
    assert message["Bcc"] is None
    assert message["Cc"] is None
    assert message["From"] == SENDER
    assert message["To"] == ", ".join(RECIPIENTS)
    assert message["Message-ID"] == message_id
    assert message["X-Chipwatch-Rule"] == expected.rule
    assert message["Subject"] == expected.subject
    assert not re.search(r"[\r\n]", message["Subject"])
    assert message["Subject"].startswith("[chipwatch]")


@pytest.mark.parametrize(("hostile", "expected"), CASES)
def test_hostile_text_cannot_add_headers_or_end_the_header_block(
    hostile: Hostile, expected: Shown
) -> None:
    composed, message = compose_one(hostile)
    assert_exact_headers(message, expected, composed.message_id)
    assert composed.subject == expected.subject  # what `alerts list` and errors show
    assert message.get_content_type() == "multipart/alternative"
    text = part_text(message, "plain")
    assert text.splitlines()[:5] == [
        f'New for "{expected.rule}":',
        f"* {expected.title}",
        f"  {URL}",
        f"  {expected.source} · 2026-11-02 09:00 UTC · de",
        "  Nvidia darf den «H20» wieder nach China liefern.",
    ]
    assert max(len(line) for line in composed.raw.split(b"\r\n")) <= 998


@pytest.mark.parametrize(("hostile", "expected"), CASES)
def test_one_line_is_plain_single_line_text_and_idempotent(
    hostile: Hostile, expected: Shown
) -> None:
    for value in (hostile.title, hostile.source, hostile.rule):
        line = one_line(value)
        assert one_line(line) == line
        assert "=?" not in line
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", line)


def test_one_line_caps_length_with_an_ellipsis() -> None:
    assert one_line(LONG, 150) == "A" * 149 + "…"
    assert one_line("word " * 100, 20) == "word word word word…"
    assert one_line("short", 150) == "short"


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    for name, value in SMTP_ENV.items():
        monkeypatch.setenv(name, value)
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


def test_hostile_message_through_smtp_reaches_only_the_configured_recipients(
    smtp: SmtpServer,
) -> None:
    hostile = Hostile(
        title=Q_EMPTY_LINE + " " + b_word("\r\nBcc: victim@example.org\r\nCc: other@example.org"),
        source="Wire\r\nBcc: source@example.org",
    )
    composed, _ = compose_one(hostile)
    with SmtpMailer(smtp.email_config(SENDER)) as mailer:
        refused = mailer.send("alerts@chipwatch.test", RECIPIENTS, composed.raw)
    assert refused == {}
    (received,) = smtp.handler.received
    assert received.mail_from == "alerts@chipwatch.test"
    assert received.rcpt_tos == list(RECIPIENTS)
    expected = shown("x From: evil@example.org Bcc: victim@example.org Cc: other@example.org")
    assert_exact_headers(received.message, expected, composed.message_id)
    text = part_text(received.message, "plain")
    assert "  Wire Bcc: source@example.org · 2026-11-02 09:00 UTC · de" in text.splitlines()
