"""Alerts end to end: rules in the config, articles in the database, the real CLI, and a
real SMTP server (aiosmtpd with STARTTLS and AUTH) reading the messages back. The tests
that take `database_url` run on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from alerts.service import run_alerts
from chipwatch.config import load_config
from storage import ArticleRecord, open_database, store_articles, upgrade
from storage.stage import analyse_pending
from tests.conftest import FAST_CRAWL, chipwatch, source_block, with_database, write_config
from tests.smtp import SMTP_ENV, Handler, SmtpServer, part_text

_ids = count()


def rule(name: str, query: str, recipients: list[str], schedule: str = "immediate") -> str:
    quoted = ", ".join(f'"{r}"' for r in recipients)
    return (
        f"\n[[alerts]]\nname = \"{name}\"\nquery = '{query}'\nrecipients = [{quoted}]\n"
        f'schedule = "{schedule}"\n'
    )


def make_config(folder: Path, email: str, rules: str, database_url: str | None = None) -> Path:
    """A config with these rules; its database (FAST_CRAWL's SQLite file, or
    `database_url`) made as `init` makes it."""
    url = database_url or f"sqlite:///{folder / 'chipwatch.db'}"
    body = with_database(FAST_CRAWL, url)
    body += source_block("Wire", feeds=["http://127.0.0.1:9/feed.xml"]) + email + rules
    upgrade(url)
    return write_config(folder, body)


def rows(config: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(load_config(config).database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def add_article(
    config: Path,
    title: str,
    text: str,
    *,
    language: str = "de",
    published: datetime | None = None,
    source: str = "Wire",
) -> None:
    n = next(_ids)
    url = f"https://news.example/{n}.html"
    body = text + f" (Meldung {n})"
    sessions = open_database(load_config(config).database_url)
    with sessions.begin() as session:
        store_articles(
            session,
            [
                ArticleRecord(
                    url=url,
                    source=source,
                    text=body,
                    title=title,
                    language=language,
                    content_hash=hashlib.sha256(body.encode()).hexdigest(),
                    keys={url: url},
                    published_at=published or datetime.now(UTC),
                )
            ],
        )
    sessions.kw["bind"].dispose()


def alerts(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return chipwatch(config, "alerts", *args, env=SMTP_ENV)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


H20 = "Nvidia darf den H20 wieder nach China liefern, berichten Insider."
ASCEND = "Huawei baut die Ascend-Produktion aus; 寒武纪 meldet Rekordumsatz."
ASCEND_910C = (
    "Huawei hat die ersten Cluster mit Ascend-910C-Beschleunigern an drei Rechenzentren "
    "in Guizhou ausgeliefert. Jedes Cluster umfasst 8.000 Chips."
)
ASCEND_910D = (
    "Huawei testet nach Angaben aus Lieferkreisen einen Prototyp des Ascend 910D. Der Chip "
    "soll schneller rechnen als Nvidias H100; Muster werden im Mai erwartet."
)
ASCEND_950 = (
    "Auf der Huawei Connect in Shanghai hat Huawei den Ascend 950 für 2026 und den Ascend "
    "960 für 2027 angekündigt, dazu eigenen HBM-Speicher."
)
H200_ORDERS = (
    "Alibaba und ByteDance wollen nach Insiderangaben mehr als 200.000 Nvidia-H200-Chips "
    "für chinesische Rechenzentren bestellen."
)
H20_SUMMONS = (
    "Die chinesische Internetaufsicht CAC hat Vertreter von Nvidia wegen möglicher "
    "Sicherheitsrisiken im H20 vorgeladen und Unterlagen verlangt."
)
H20_LICENCE = (
    "Das US-Handelsministerium hat die Ausfuhr von Nvidias H20 nach China genehmigt; erste "
    "Lieferungen sollen im Juli folgen."
)


def test_immediate_alert_one_message_per_run_per_rule(
    tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    config = make_config(
        tmp_path,
        smtp.email_toml(),
        rule(
            "nvidia-china",
            "nvidia AND (h20 OR h200) AND (china OR chinesisch*)",
            ["me@example.org"],
        ),
        database_url=database_url,
    )
    add_article(config, "Alt: Nvidia H20 China", H20)  # before the rule existed: no alert
    first = alerts(config)
    assert first.returncode == 0, first.stderr
    assert smtp.handler.received == []

    add_article(config, "Nvidia: H20 für China", H20_LICENCE)
    add_article(config, "Huawei Ascend", ASCEND)  # does not match
    result = alerts(config)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # cron: silent on success
    (message,) = smtp.handler.messages()
    assert message["Subject"] == "[chipwatch] nvidia-china: Nvidia: H20 für China"
    assert message["To"] == "me@example.org"
    assert message["Message-ID"].endswith("@chipwatch.test>")
    assert smtp.handler.received[0].rcpt_tos == ["me@example.org"]
    text = part_text(message, "plain")
    html = part_text(message, "html")
    assert "«Nvidias H20»" in text  # neighbouring hits merge; the text's own word
    assert "«China»" in text
    assert "<mark>Nvidias H20</mark>" in html
    assert "Matched: nvidia (nvidias), h20, china" in text
    assert "Also reported by: Wire (de)" in text  # the article from before the rule
    assert 'href="https://news.example/' in html

    add_article(config, "Nvidia H200", H200_ORDERS)
    add_article(config, "Nvidia H20", H20_SUMMONS)  # another story…
    add_article(config, "Nvidia H20 (Kopie)", H20_LICENCE)  # …and a copy: never again
    assert alerts(config).returncode == 0
    assert len(smtp.handler.received) == 2
    second = smtp.handler.messages()[1]
    assert second["Subject"] == "[chipwatch] nvidia-china: 2 new stories"

    # nothing new: nothing sent, and never the same article twice
    assert alerts(config).returncode == 0
    assert len(smtp.handler.received) == 2


def test_digest_grouped_by_day_in_the_configured_time_zone(
    tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    config_path = make_config(
        tmp_path,
        smtp.email_toml(),
        rule("ascend", "huawei AND ascend", ["team@example.org", "me@example.org"], "daily 08:00"),
        database_url=database_url,
    )
    config = load_config(config_path)
    sessions = open_database(config.database_url)
    import os

    os.environ.update(SMTP_ENV)
    berlin = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # 08:00 in Berlin (CET)
    # the rule starts on Sunday at noon, after that day's 08:00 slot
    run_alerts(sessions, config.alerts, config.email, berlin - timedelta(hours=20))
    # three stories (one article each would be one story, and a copy no story at all)
    add_article(
        config_path, "Ascend 910C", ASCEND_910C, published=berlin - timedelta(days=1, hours=3)
    )
    add_article(config_path, "Ascend 910D", ASCEND_910D, published=berlin - timedelta(hours=2))
    analyse_pending(sessions)
    # 07:30 Berlin: not due yet
    report = run_alerts(sessions, config.alerts, config.email, berlin - timedelta(minutes=30))
    assert (report.evaluated, report.queued) == (2, 0)
    assert smtp.handler.received == []
    dry = alerts(config_path, "--dry-run")  # the digest's matches wait, and are shown
    assert "ascend: 0 new match(es); 2 earlier match(es) not sent yet" in dry.stdout, dry.stderr
    # 08:05 Berlin: one digest with both, grouped by day
    report = run_alerts(sessions, config.alerts, config.email, berlin + timedelta(minutes=5))
    assert (report.queued, report.delivery.sent) == (1, 1)
    (message,) = smtp.handler.messages()
    assert message["Subject"] == "[chipwatch] ascend: 2 new stories"
    assert sorted(smtp.handler.received[0].rcpt_tos) == ["me@example.org", "team@example.org"]
    text = part_text(message, "plain")
    assert "== Sunday, 01 November 2026 ==" in text
    assert "== Monday, 02 November 2026 ==" in text
    # later the same day: already sent for this slot
    add_article(config_path, "Ascend 950", ASCEND_950, published=berlin + timedelta(hours=1))
    analyse_pending(sessions)
    report = run_alerts(sessions, config.alerts, config.email, berlin + timedelta(hours=3))
    assert report.queued == 0
    report = run_alerts(
        sessions, config.alerts, config.email, berlin + timedelta(days=1, minutes=1)
    )
    assert report.queued == 1
    assert len(smtp.handler.received) == 2


def test_smtp_down_then_up_delivers_everything_once(tmp_path: Path) -> None:
    server = SmtpServer(tmp_path)  # not started: connection refused
    config = make_config(
        tmp_path,
        server.email_toml(),
        rule("h20", "h20", ["me@example.org"]) + rule("ascend", "ascend", ["me@example.org"]),
    )
    assert alerts(config).returncode == 0
    add_article(config, "H20", H20)
    add_article(config, "Ascend", ASCEND)
    down = alerts(config)
    assert down.returncode == 0
    assert "cannot reach 127.0.0.1" in down.stderr
    assert "2 message(s) kept; a later run sends them" in down.stderr
    listing = alerts(config, "list")
    assert listing.stdout.count("1 queued") == 2
    # the dry run shows the outbox too, a disabled or removed rule's messages included:
    # the next runs send them all
    written = config.read_text()
    config.write_text(
        written.replace('name = "ascend"', 'name = "ascend"\nenabled = false').replace(
            'name = "h20"', 'name = "h20-renamed"'
        )
    )
    dry = alerts(config, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "h20-renamed: 0 new match(es)" in dry.stdout
    outbox = "Outbox: 2 message(s) queued by earlier runs, 2 due now, 0 waiting to retry"
    assert outbox in dry.stdout
    assert "[chipwatch] h20: H20 to me@example.org — due now" in dry.stdout
    assert "[chipwatch] ascend: Ascend to me@example.org — due now" in dry.stdout
    config.write_text(written)
    server.start()
    try:
        up = alerts(config)
        assert up.returncode == 0, up.stderr
        assert sorted(m["Subject"] for m in server.handler.messages()) == [
            "[chipwatch] ascend: Ascend",
            "[chipwatch] h20: H20",
        ]
        assert alerts(config).returncode == 0
        assert len(server.handler.received) == 2
    finally:
        server.stop()


def test_sigkill_while_sending_then_rerun_loses_and_duplicates_nothing(
    tmp_path: Path, database_url: str, smtp: SmtpServer
) -> None:
    config = make_config(
        tmp_path,
        smtp.email_toml(),
        rule("first", "h20", ["me@example.org"]) + rule("second", "ascend", ["slow@example.org"]),
        database_url=database_url,
    )
    assert alerts(config).returncode == 0
    add_article(config, "H20", H20)
    add_article(config, "Ascend", ASCEND)
    smtp.handler.stall_rcpt.add("slow@example.org")
    import os

    process = subprocess.Popen(
        [sys.executable, "-m", "chipwatch", "--config", str(config), "alerts"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **SMTP_ENV},
    )
    assert smtp.handler.stalled.wait(60), "the second message never reached the server"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert [m["Subject"] for m in smtp.handler.messages()] == ["[chipwatch] first: H20"]

    smtp.handler.stall_rcpt.clear()
    assert alerts(config).returncode == 0
    ids = Counter(m["Message-ID"] for m in smtp.handler.messages())
    assert sorted(m["Subject"] for m in smtp.handler.messages()) == [
        "[chipwatch] first: H20",
        "[chipwatch] second: Ascend",
    ]
    assert set(ids.values()) == {1}
    assert rows(config, "SELECT status, count(*) FROM alert_messages GROUP BY status") == [
        ("sent", 2)
    ]


def test_permanent_refusal_is_recorded_and_shown(tmp_path: Path, smtp: SmtpServer) -> None:
    smtp.handler.refuse.add("gone@example.org")
    config = make_config(
        tmp_path,
        smtp.email_toml(),
        rule("mixed", "h20", ["me@example.org", "gone@example.org"])
        + rule("dead", "ascend", ["gone@example.org"]),
    )
    assert alerts(config).returncode == 0
    add_article(config, "H20", H20)
    add_article(config, "Ascend", ASCEND)
    result = alerts(config)
    assert result.returncode == 0
    assert "550" in result.stderr
    (received,) = smtp.handler.received
    assert received.rcpt_tos == ["me@example.org"]
    listing = alerts(config, "list")
    assert "gone@example.org: 550 5.1.1 No such user here" in listing.stdout
    assert "1 failed" in listing.stdout  # "dead": every recipient refused
    stats = chipwatch(config, "stats")
    assert "gone@example.org: 550 5.1.1 No such user here" in stats.stdout
    assert alerts(config).returncode == 0  # a permanent failure is not retried
    assert len(smtp.handler.received) == 1


class RefuseEveryRecipient(Handler):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        return f"550 5.7.1 <{address}> mailbox frozen by the test policy"


def test_all_recipients_refused_shows_each_reply(tmp_path: Path) -> None:
    server = SmtpServer(tmp_path)
    server.handler = RefuseEveryRecipient()
    server.start()
    try:
        config = make_config(
            tmp_path,
            server.email_toml(),
            rule("dead", "h20", ["gone@example.org", "away@example.org"]),
        )
        assert alerts(config).returncode == 0
        add_article(config, "H20", H20)
        result = alerts(config)
    finally:
        server.stop()
    replies = (
        "gone@example.org: 550 5.7.1 <gone@example.org> mailbox frozen by the test policy; "
        "away@example.org: 550 5.7.1 <away@example.org> mailbox frozen by the test policy"
    )
    error = f"all recipients refused: {replies}"
    assert result.returncode == 0
    assert result.stderr == f"chipwatch alerts: [chipwatch] dead: H20: {error}\n"
    assert server.handler.received == []
    (row,) = rows(config, "SELECT status, last_error, refused FROM alert_messages")
    assert row[:2] == ("failed", error)
    refused = row[2] if isinstance(row[2], dict) else json.loads(row[2])  # JSON on PostgreSQL
    assert refused == {
        "gone@example.org": "550 5.7.1 <gone@example.org> mailbox frozen by the test policy",
        "away@example.org": "550 5.7.1 <away@example.org> mailbox frozen by the test policy",
    }
    assert f"  last delivery error: {error}\n" in alerts(config, "list").stdout
    assert f"    last delivery problem: {error}\n" in chipwatch(config, "stats").stdout


def test_titles_cannot_inject_headers_or_markup(tmp_path: Path, smtp: SmtpServer) -> None:
    config = make_config(tmp_path, smtp.email_toml(), rule("h20", "h20", ["me@example.org"]))
    assert alerts(config).returncode == 0
    evil = "H20 news\r\nBcc: victim@example.org\r\nX-Evil: 1 <script>alert(1)</script>"
    add_article(config, evil, H20 + " <img src=x onerror=alert(2)>")
    assert alerts(config).returncode == 0
    (received,) = smtp.handler.received
    assert received.rcpt_tos == ["me@example.org"]
    message = received.message
    assert message["Bcc"] is None
    assert message["X-Evil"] is None
    assert "\n" not in message["Subject"]
    assert "\r" not in message["Subject"]
    assert message["Subject"].startswith("[chipwatch] h20: H20 news Bcc: victim@example.org")
    html = part_text(message, "html")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert "&lt;img" in html


def test_without_smtp_messages_become_eml_files(tmp_path: Path, database_url: str) -> None:
    email = '\n[email]\nfrom = "chipwatch <alerts@chipwatch.test>"\noutbox_dir = "mail"\n'
    config = make_config(
        tmp_path, email, rule("h20", "h20", ["me@example.org"]), database_url=database_url
    )
    assert alerts(config).returncode == 0
    add_article(config, "Nvidia H20 zurück", H20)
    add_article(config, "寒武纪 legt zu", ASCEND + " 寒武纪")
    result = alerts(config)
    assert result.returncode == 0, result.stderr
    (path,) = (tmp_path / "mail").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "[chipwatch] h20: Nvidia H20 zurück"
    assert message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    assert "Nvidia" in part_text(message, "plain")
    assert not list((tmp_path / "mail").glob(".tmp-*"))


def test_dry_run_and_back_test_change_nothing(tmp_path: Path) -> None:
    email = '\n[email]\nfrom = "chipwatch <alerts@chipwatch.test>"\n'
    config = make_config(tmp_path, email, rule("h20", "h20", ["me@example.org"]))
    assert alerts(config).returncode == 0
    add_article(config, "Nvidia H20", H20)
    dry = alerts(config, "--dry-run")
    assert "h20: 1 new match(es)" in dry.stdout
    backtest = alerts(config, "test", "huawei OR h20", "--since", "1d")
    assert backtest.returncode == 0, backtest.stderr
    assert "1 matching article(s)" in backtest.stdout
    assert "Wire 1" in backtest.stdout
    bad = alerts(config, "test", "nvidia AND (")
    assert bad.returncode == 1
    assert "unexpected end of query" in bad.stderr
    assert not (tmp_path / "outbox").exists()
    assert alerts(config).returncode == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_dry_run_shows_a_message_waiting_to_retry(tmp_path: Path) -> None:
    server = SmtpServer(tmp_path)  # not started: connection refused
    email = server.email_toml().replace("retry_base_seconds = 0", "retry_base_seconds = 3600")
    config = make_config(tmp_path, email, rule("h20", "h20", ["me@example.org"]))
    assert alerts(config).returncode == 0
    add_article(config, "H20", H20)
    assert "1 message(s) kept" in alerts(config).stderr
    dry = alerts(config, "--dry-run")
    assert "h20: 0 new match(es)" in dry.stdout
    outbox = "Outbox: 1 message(s) queued by earlier runs, 0 due now, 1 waiting to retry"
    assert outbox in dry.stdout
    assert "[chipwatch] h20: H20 to me@example.org — retry after " in dry.stdout


def test_invalid_rule_is_refused_at_config_load(tmp_path: Path) -> None:
    config = make_config(tmp_path, "", rule("broken", "nvidia AND AND h20", ["me@example.org"]))
    result = alerts(config)
    assert result.returncode == 1
    assert "alerts[0] (broken).query: unexpected 'AND'" in result.stderr
    assert "position 12" in result.stderr
