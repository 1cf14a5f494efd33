"""Adaptive polling (storage/polling.py) and source health (crawler/health.py,
alerts/health.py): intervals learned from change, back-off of a failing listing, each
health condition named, and the health email read back from a real SMTP server."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.robotstxt import ProtegoRobotParser
from sqlalchemy import select

from alerts.deliver import deliver_due
from alerts.health import HEALTH_RULE, check_health, diagnose
from alerts.options import HealthConfig
from chipwatch.config import load_config
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import Response, SiteSession
from crawler.health import detect_paywall, detect_wall, disallows_everything
from storage import (
    AlertMessage,
    ArticleRecord,
    Bounds,
    Listing,
    ListingSchedule,
    Poll,
    RunSignals,
    SourceFacts,
    not_due,
    open_database,
    record_polls,
    store_articles,
    upgrade,
)
from tests.conftest import FAST_CRAWL, chipwatch, with_database, write_config
from tests.smtp import SMTP_ENV, SmtpServer, part_text

# The default bounds (FAST_CRAWL makes every listing due on every run).
SCHEDULED = FAST_CRAWL.replace("min_interval = 1 ", "# ")

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
BOUNDS = Bounds(min_interval=600, max_interval=86_400)
FEED = "https://n.example/feed.xml"


def poll(fingerprint: str | None = "a", *, ok: bool = True, url: str = FEED, **kw: Any) -> Poll:
    return Poll(
        key=url, url=url, source="Wire", kind="feed", root_key=kw.pop("root", url), ok=ok,
        fingerprint=fingerprint if ok else None, **kw,
    )  # fmt: skip


def listing(sessions: Any, key: str = FEED) -> Listing:
    with sessions() as session:
        row = session.get(Listing, key)
        assert row is not None
        session.expunge(row)
        return row


# ---- polling intervals -------------------------------------------------------------


def test_a_feed_that_never_changes_is_polled_less_and_less_up_to_max(database_url: str) -> None:
    upgrade(database_url)
    sessions = open_database(database_url)
    now, intervals = T0, []
    for _ in range(14):
        with sessions.begin() as session:
            record_polls(session, [poll("same")], now=now, bounds=BOUNDS)
        row = listing(sessions)
        intervals.append(row.interval)
        assert row.next_fetch is not None
        now = row.next_fetch  # the next run that finds it due
    assert intervals[0] == 600  # first fetch: a change (nothing was known), the minimum
    assert intervals[1:5] == [900, 1350, 2025, 3037.5]  # ×1.5 per unchanged fetch
    assert intervals == sorted(intervals)
    assert intervals[-1] == 86_400  # and no further than max_interval
    assert row.last_change == T0  # it never changed after its first fetch


def test_a_feed_that_changes_on_every_fetch_stays_at_min(database_url: str) -> None:
    upgrade(database_url)
    sessions = open_database(database_url)
    now = T0
    for n in range(8):
        with sessions.begin() as session:
            record_polls(session, [poll(f"v{n}")], now=now, bounds=BOUNDS)
        now += timedelta(seconds=listing(sessions).interval)
    row = listing(sessions)
    assert row.interval == 600
    assert row.last_change == now - timedelta(seconds=600)


def test_304s_grow_the_interval_and_a_change_halves_it(database_url: str) -> None:
    upgrade(database_url)
    sessions = open_database(database_url)
    with sessions.begin() as session:
        record_polls(session, [poll("v1")], now=T0, bounds=BOUNDS)
        for hours in (1, 2, 3):  # 304 not modified: no fingerprint
            record_polls(session, [poll(None)], now=T0 + timedelta(hours=hours), bounds=BOUNDS)
    assert listing(sessions).interval == 600 * 1.5**3
    with sessions.begin() as session:
        record_polls(session, [poll("v2")], now=T0 + timedelta(hours=4), bounds=BOUNDS)
    assert listing(sessions).interval == 600 * 1.5**3 / 2


def test_only_due_listings_are_fetched(database_url: str) -> None:
    upgrade(database_url)
    sessions = open_database(database_url)
    other = "https://n.example/other.xml"
    with sessions.begin() as session:
        record_polls(session, [poll("x"), poll("y", url=other)], now=T0, bounds=BOUNDS)
    new = "https://n.example/new.xml"
    with sessions() as session:
        keys = [FEED, other, new]
        assert not_due(session, keys, now=T0 + timedelta(minutes=5), bounds=BOUNDS) == {
            FEED,
            other,
        }
        # due at 08:10; a run starting up to a minute early takes it
        assert not_due(session, keys, now=T0 + timedelta(minutes=9, seconds=5), bounds=BOUNDS) == (
            set()
        )
        # bounds lowered since: a listing fetched max_interval ago is due whatever it planned
        assert not_due(session, keys, now=T0 + timedelta(minutes=5), bounds=Bounds(60, 120)) == (
            set()
        )


def test_a_failing_listing_backs_off_exponentially_up_to_max_and_is_never_dropped(
    database_url: str,
) -> None:
    upgrade(database_url)
    sessions = open_database(database_url)
    bounds = Bounds(min_interval=600, max_interval=6 * 3600)
    now, waits = T0, []
    for _ in range(8):
        with sessions.begin() as session:
            record_polls(
                session, [poll(ok=False, problem="http_500", detail="HTTP 500")], now=now,
                bounds=bounds,
            )  # fmt: skip
        row = listing(sessions)
        assert row.next_fetch is not None  # always another try
        waits.append((row.next_fetch - now).total_seconds())
        now = row.next_fetch
    assert waits == [1200, 2400, 4800, 9600, 19200, 21600, 21600, 21600]
    assert (row.failures, row.problem, row.problem_detail) == (8, "http_500", "HTTP 500")
    with sessions.begin() as session:  # it answers again: back to its learned interval
        record_polls(session, [poll("back")], now=now, bounds=bounds)
    row = listing(sessions)
    assert (row.failures, row.problem) == (0, None)
    assert row.interval == 600
    assert row.next_fetch == now + timedelta(seconds=600)


def test_a_sitemap_index_changes_when_a_child_does(database_url: str) -> None:
    upgrade(database_url)
    sessions = open_database(database_url)
    index, child = "https://n.example/sitemap.xml", "https://n.example/news-sitemap.xml"

    def fetch(child_fingerprint: str | None, now: datetime) -> None:
        with sessions.begin() as session:
            record_polls(
                session,
                [poll(None, url=index), poll(child_fingerprint, url=child, root=index)],
                now=now,
                bounds=BOUNDS,
            )

    fetch("c1", T0)
    fetch("c1", T0 + timedelta(hours=1))  # index 304, child the same: unchanged
    assert listing(sessions, index).interval == 900
    fetch("c2", T0 + timedelta(hours=2))  # the child changed
    assert listing(sessions, index).interval == 600
    assert listing(sessions, index).last_change == T0 + timedelta(hours=2)
    assert listing(sessions, child).parent == index


# ---- naming what is wrong ------------------------------------------------------------

CHALLENGE_BODY = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<div>Checking if the site connection is secure</div></body></html>"
)

# Akamai's "Access Denied" (its reference number HTML-escaped, as it sends it)
AKAMAI_DENIED = (
    b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>"
    b"You don't have permission to access this server.<P>Reference&#32;&#35;18&#46;6a"
    b"</BODY></HTML>"
)
AKAMAI_UNAVAILABLE = (
    b"<HTML><HEAD><TITLE>Service Unavailable - Zero size object</TITLE></HEAD><BODY>"
    b"The server is temporarily unable to service your request.<P>Reference&#32;&#35;15&#46;1"
    b"</BODY></HTML>"
)
# Alibaba Cloud's anti-crawler page: no title, a script that sets a cookie and reloads
ALIYUN_CHALLENGE = (
    b"<html><script>var arg1='5C3D1F';function setCookie(v){document.cookie="
    b"'acw_sc__v2='+v+'; path=/';}setCookie(arg1);location.reload();</script></html>"
)


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (403, {"cf-mitigated": "challenge"}, b"", "Cloudflare challenge (cf-mitigated: challenge)"),
        (503, {}, CHALLENGE_BODY, "Cloudflare challenge (Just a moment...)"),
        (
            403,
            {},
            b"<html><title>Attention Required! | Cloudflare</title></html>",
            "Cloudflare block (Attention Required)",
        ),
        (403, {"x-datadome": "protected"}, b"blocked", "DataDome block (x-datadome)"),
        (403, {}, b'<script src="https://ct.captcha-delivery.com/c.js">', "DataDome captcha"),
        (403, {}, b"<div id='px-captcha'></div>", "PerimeterX captcha"),
        (200, {}, CHALLENGE_BODY, "challenge page (Just a moment...)"),
        (429, {"x-kpsdk-ct": "0a1b"}, b"", "Kasada challenge (x-kpsdk)"),
        (
            403,
            {"x-vercel-mitigated": "challenge"},
            b"<html></html>",
            "Vercel challenge (x-vercel-mitigated: challenge)",
        ),
        (403, {}, AKAMAI_DENIED, "Akamai block (Access Denied)"),
        (
            403,
            {"x-sucuri-id": "18019"},
            b"<title>Sucuri WebSite Firewall - Access Denied</title>",
            "Sucuri firewall block",
        ),
        (405, {}, b"<html><!-- aliyun_waf_aa --></html>", "Alibaba Cloud WAF block"),
        (200, {}, ALIYUN_CHALLENGE, "Alibaba Cloud anti-crawler challenge (acw_sc__v2)"),
        (200, {}, "<title>百度安全验证</title>".encode(), "challenge page (百度安全验证)"),
        (200, {}, "<title>安全验证</title>".encode("gbk"), "challenge page (安全验证)"),
        (
            403,
            {},
            b"<title>Access Denied - Sucuri Website Firewall</title>",
            "Sucuri firewall block",
        ),
        # an article that explains the cookie is an article, however short
        (200, {}, b"<title>WAF</title><article><p>How acw_sc__v2 is computed.</p></article>", None),
        # Akamai's other edge errors (an origin outage) carry its reference number too
        (503, {}, AKAMAI_UNAVAILABLE, None),
        # a plain 405 from a site whose every answer sets DataDome's cookie
        (405, {"set-cookie": "datadome=abc; Path=/"}, b"Method Not Allowed", None),
        # Kasada's headers on an origin outage, not its 429 challenge
        (503, {"x-kpsdk-ct": "0a1b"}, b"Service Unavailable", None),
        (200, {}, "<title>芯片安全验证平台发布</title>".encode(), None),
        (403, {}, b"<html><title>Forbidden</title></html>", None),  # a plain 403
        # an article that quotes a vendor's string in its text is not a wall
        (200, {}, b"<title>Chips</title><p>Attention Required! | Cloudflare</p>", None),
    ],
)
def test_bot_walls_are_named(
    status: int, headers: dict[str, str], body: bytes, expected: str | None
) -> None:
    assert detect_wall(status, headers, body) == expected


def test_paywall_teasers_are_named() -> None:
    json_ld = b'<script type="application/ld+json">{"isAccessibleForFree": "False"}</script>'
    assert detect_paywall(json_ld) == "isAccessibleForFree: false"
    meta = b'<meta property="article:content_tier" content="locked">'
    assert detect_paywall(meta) == "article:content_tier locked"
    free = b'<script type="application/ld+json">{"isAccessibleForFree": true}</script>'
    assert detect_paywall(free) is None


def test_robots_txt_disallowing_everything_is_told_from_one_that_disallows_a_part() -> None:
    everything = ProtegoRobotParser(b"User-agent: *\nDisallow: /\n", None)
    part = ProtegoRobotParser(b"User-agent: *\nDisallow: /private/\n", None)
    origin = "https://n.example"
    assert disallows_everything(everything, origin, "chipwatch")
    assert not disallows_everything(part, origin, "chipwatch")


def schedule(**kw: Any) -> ListingSchedule:
    values: dict[str, Any] = {
        "source": "Wire",
        "url": FEED,
        "kind": "feed",
        "interval": 600.0,
        "fetches": 10,
        "failures": 0,
        "items": 20,
        "first_fetch": T0 - timedelta(days=30),
        "last_fetch": T0,
        "last_change": T0 - timedelta(hours=2),
        "next_fetch": T0 + timedelta(minutes=10),
        "problem": None,
        "problem_detail": None,
    }
    return ListingSchedule(**{**values, **kw})


def run_signals(**kw: Any) -> RunSignals:
    values: dict[str, Any] = {
        "started_at": T0,
        "requests": 10,
        "new_articles": 0,
        "skipped": {},
        "errors": {},
        "signals": {},
    }
    return RunSignals(**{**values, **kw})


HEALTH = HealthConfig(recipients=("ops@example.org",))


def names(facts: SourceFacts) -> tuple[list[str], str | None]:
    diagnosis = diagnose(facts, now=T0, health=HEALTH)
    return [p.name for p in diagnosis.problems], (diagnosis.alarm.name if diagnosis.alarm else None)


def test_a_healthy_source_has_no_problem() -> None:
    facts = SourceFacts(
        "Wire",
        [schedule()],
        [run_signals(new_articles=4)],
        last_new_article=T0 - timedelta(hours=3),
        articles_total=40,
    )
    assert names(facts) == ([], None)


def test_a_feed_that_stopped_changing_is_named_and_mailed_once_nothing_came_for_days() -> None:
    stale = schedule(last_change=T0 - timedelta(days=4))
    facts = SourceFacts(
        "Wire", [stale], [], last_new_article=T0 - timedelta(days=4), articles_total=40
    )
    problems, alarm = names(facts)
    assert problems == ["stale_listing", "silent"]
    assert alarm == "stale_listing"
    # unchanged for a day only: named nowhere yet
    fresh = SourceFacts(
        "Wire",
        [schedule(last_change=T0 - timedelta(days=1))],
        [],
        last_new_article=T0 - timedelta(days=1),
        articles_total=40,
    )
    assert names(fresh) == ([], None)


def test_pages_that_extract_empty_are_named_a_changed_template() -> None:
    run = run_signals(new_articles=1, skipped={"empty": 3, "too_short": 2, "duplicate": 1})
    facts = SourceFacts("Wire", [schedule()], [run], T0 - timedelta(hours=1), 40)
    assert names(facts) == (["empty_extraction"], None)  # named; it still delivers
    silent = SourceFacts("Wire", [schedule()], [run], T0 - timedelta(days=5), 40)
    assert names(silent) == (["empty_extraction", "silent"], "empty_extraction")
    few = run_signals(new_articles=9, skipped={"empty": 2})  # two odd pages are not a template
    assert names(SourceFacts("Wire", [schedule()], [few], T0, 40)) == ([], None)


def test_a_listing_failing_every_fetch_is_mailed_with_the_wall_named() -> None:
    walled = schedule(failures=3, problem="bot_wall", problem_detail="Cloudflare challenge")
    facts = SourceFacts("Wire", [walled], [], T0 - timedelta(hours=1), 40)
    problems, alarm = names(facts)
    assert (problems, alarm) == (["bot_wall"], "bot_wall")
    twice = SourceFacts("Wire", [schedule(failures=2, problem="dns")], [], T0, 40)
    assert names(twice) == (["failing"], None)  # named, not mailed before failed_runs


# ---- end to end: a crawl names each source's problem ---------------------------------

ARTICLE_TEXT = (
    "Der Chipentwickler meldet eine neue Generation seiner Beschleuniger für Rechenzentren. "
    "Die Stückzahlen sollen im kommenden Quartal deutlich steigen, sagt das Unternehmen. "
    "Analysten erwarten, dass die Nachfrage nach Trainingshardware weiter wächst. "
)


class HealthSite:
    """A small site whose sections misbehave in the ways a source breaks: a feed behind
    a Cloudflare challenge, articles behind a paywall, a template that lost its text."""

    name = "Health Test Site"

    def __init__(self, robots: str = "User-agent: *\nAllow: /\n") -> None:
        self.robots = robots

    def new_session(self) -> SiteSession:
        return SiteSession()

    def route(
        self,
        base_url: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        session: SiteSession | None = None,
    ) -> Response:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return Response(200, {"Content-Type": "text/plain"}, self.robots.encode())
        if path == "/walled/feed.xml":
            return Response(403, {**html, "cf-mitigated": "challenge"}, CHALLENGE_BODY)
        section = path.split("/")[1]
        if path.endswith("/feed.xml") and section in ("paywall", "template", "open"):
            items = "".join(
                f"<item><title>Beitrag {n}</title><link>{base_url}/{section}/a{n}.html</link>"
                f"<pubDate>Mon, 02 Nov 2026 0{n}:00:00 GMT</pubDate></item>"
                for n in range(1, 5)
            )
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{section}</title>'
            body += f"{items}</channel></rss>"
            return Response(200, {"Content-Type": "application/rss+xml"}, body.encode())
        if path.endswith(".html") and section in ("paywall", "template", "open"):
            n = path.rsplit("/a", 1)[1].removesuffix(".html")
            paragraphs = (
                ""
                if section == "template"
                else f"<p>{ARTICLE_TEXT} Meldung Nummer {n} von {section}.</p>" * 3
            )
            marker = (
                '<script type="application/ld+json">{"@type": "NewsArticle", '
                '"isAccessibleForFree": false}</script>'
                if section == "paywall"
                else ""
            )
            page = (
                f"<html><head><title>Beitrag {n}</title>{marker}</head><body>"
                f"<nav><a href='/'>Start</a></nav><article><h1>Beitrag {n}</h1>{paragraphs}"
                f"</article></body></html>"
            )
            return Response(200, html, page.encode())
        return Response(404, {"Content-Type": "text/plain"}, b"not found")


def feed_source(name: str, url: str) -> str:
    return f'[[sources]]\nname = "{name}"\nlanguage = "de"\nfeeds = ["{url}"]\n'


def test_a_crawl_names_each_sources_problem(tmp_path: Path) -> None:
    with (
        NewsServer(HealthSite()) as site,
        NewsServer(HealthSite(robots="User-agent: *\nDisallow: /\n")) as closed,
    ):
        config = write_config(
            tmp_path,
            SCHEDULED
            + feed_source("Walled", site.url("/walled/feed.xml"))
            + feed_source("Paywalled", site.url("/paywall/feed.xml"))
            + feed_source("Template", site.url("/template/feed.xml"))
            + feed_source("Open", site.url("/open/feed.xml"))
            + feed_source("Closed", closed.url("/open/feed.xml")),
        )
        result = chipwatch(config, "crawl")
        assert result.returncode == 0, result.stderr
        stats = chipwatch(config, "stats", "--json")
        assert stats.returncode == 0, stats.stderr
        text = chipwatch(config, "stats")
    by_source = {
        s["source"]: s for s in map(json.loads, stats.stdout.splitlines()) if s["type"] == "source"
    }

    def problems(name: str) -> list[str]:
        return [p["name"] for p in by_source[name]["problems"]["problems"]]

    assert problems("Walled") == ["bot_wall"]
    assert "cf-mitigated: challenge" in by_source["Walled"]["problems"]["problems"][0]["detail"]
    assert problems("Paywalled") == ["paywall"]
    assert by_source["Paywalled"]["new_articles"] == 4  # teasers are stored all the same
    assert problems("Template") == ["empty_extraction"]
    assert problems("Closed") == ["robots_disallow"]
    assert problems("Open") == []
    assert by_source["Open"]["new_articles"] == 4
    (feed,) = by_source["Open"]["listings"]
    assert feed["interval_seconds"] == 600  # the default min_interval after a first fetch
    assert feed["last_change"] is not None
    assert feed["next_fetch"] is not None
    walled = by_source["Walled"]["listings"][0]
    assert (walled["failures"], walled["problem"]) == (1, "bot_wall")
    assert "health: bot_wall" in text.stdout
    assert "every 10m · last change" in text.stdout


def test_run_fetches_only_due_listings_and_crawl_fetches_all(tmp_path: Path) -> None:
    with NewsServer(HealthSite()) as site:
        config = write_config(tmp_path, SCHEDULED + feed_source("Open", site.url("/open/feed.xml")))

        def feed_requests() -> int:
            return sum(1 for r in site.log if r.path == "/open/feed.xml")

        assert chipwatch(config, "run").returncode == 0
        assert feed_requests() == 1  # a first run knows nothing: everything is due
        second = chipwatch(config, "run")
        assert second.returncode == 0, second.stderr
        assert feed_requests() == 1  # due again in 10 minutes, not now
        assert chipwatch(config, "crawl").returncode == 0
        assert feed_requests() == 2  # by hand: every listing
        assert chipwatch(config, "crawl", "--due").returncode == 0
        assert feed_requests() == 2


# ---- the health email, read back from the SMTP server --------------------------------


def test_the_health_email_is_sent_once_per_problem_and_once_on_recovery(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in SMTP_ENV.items():
        monkeypatch.setenv(key, value)
    smtp = SmtpServer(tmp_path).start()
    try:
        config = load_config(
            write_config(
                tmp_path,
                with_database(FAST_CRAWL, database_url)
                + feed_source("Wire", FEED)
                + smtp.email_toml()
                + '\n[health]\nrecipients = ["ops@example.org"]\nhealth_after = "3d"\n',
            )
        )
        url = config.database_url
        upgrade(url)
        sessions = open_database(url)
        with sessions.begin() as session:
            store_articles(session, [wire_article(T0 - timedelta(days=1))])

        def check(now: datetime) -> None:
            check_health(sessions, ["Wire"], config.health, config.email, now)
            deliver_due(sessions, config.email, config.email.from_addr, now + timedelta(hours=1))

        def fail(now: datetime) -> None:
            wall = "HTTP 403, bot wall: Cloudflare challenge (cf-mitigated: challenge)"
            with sessions.begin() as session:
                record_polls(
                    session, [poll(ok=False, problem="bot_wall", detail=wall)], now=now,
                    bounds=BOUNDS,
                )  # fmt: skip

        for hours in (0, 1):  # two failed fetches: named, not yet mailed
            fail(T0 + timedelta(hours=hours))
            check(T0 + timedelta(hours=hours))
        assert smtp.handler.received == []
        fail(T0 + timedelta(hours=2))  # the third in a row
        check(T0 + timedelta(hours=2))
        fail(T0 + timedelta(hours=3))  # still failing: nothing new to tell
        check(T0 + timedelta(hours=3))
        (problem,) = smtp.handler.messages()
        assert problem["Subject"] == "[chipwatch] Wire: bot wall (challenge page)"
        assert problem["To"] == "ops@example.org"
        body = part_text(problem, "plain")
        assert "every listing failed its last 3 fetches" in body
        assert "cf-mitigated: challenge" in body

        with sessions.begin() as session:  # the wall lets us through again
            record_polls(session, [poll("back")], now=T0 + timedelta(hours=4), bounds=BOUNDS)
            store_articles(session, [wire_article(T0 + timedelta(hours=4), n=2)])
        check(T0 + timedelta(hours=4))
        check(T0 + timedelta(hours=5))
        assert len(smtp.handler.received) == 2
        recovered = smtp.handler.messages()[1]
        assert recovered["Subject"] == "[chipwatch] Wire recovered"

        # Days later nothing new came, though the feed answers: the silence is mailed once.
        later = T0 + timedelta(days=5)
        check(later)
        check(later + timedelta(hours=1))
        assert len(smtp.handler.received) == 3
        silent = smtp.handler.messages()[2]
        assert silent["Subject"] == "[chipwatch] Wire: listing stopped changing"
        assert "no new article since" in part_text(silent, "plain")
        with sessions() as session:
            kinds = set(session.scalars(select(AlertMessage.kind)))
            rules = set(session.scalars(select(AlertMessage.rule)))
        assert (kinds, rules) == ({"health"}, {HEALTH_RULE})
    finally:
        smtp.stop()


def wire_article(fetched: datetime, n: int = 1) -> ArticleRecord:
    url = f"https://n.example/a{n}.html"
    return ArticleRecord(
        url=url,
        source="Wire",
        text=ARTICLE_TEXT * 3 + str(n),
        content_hash=f"hash{n}",
        keys={url: url},
        title=f"Beitrag {n}",
        fetched_at=fetched,
    )


def test_health_config_is_checked(tmp_path: Path) -> None:
    def load(extra: str) -> subprocess.CompletedProcess[str]:
        config = write_config(tmp_path, SCHEDULED + extra + feed_source("Wire", FEED))
        return chipwatch(config, "sources", "list")

    bad = load('min_interval = "10x"\n')
    assert bad.returncode == 1
    assert 'crawl.min_interval: expected a duration above 0 such as "10m"' in bad.stderr
    inverted = load('min_interval = "2h"\nmax_interval = "1h"\n')
    assert "crawl.max_interval: expected at least min_interval (2h), got 1h" in inverted.stderr
    config = write_config(
        tmp_path,
        SCHEDULED + feed_source("Wire", FEED) + '[health]\nrecipients = "nobody"\n',
    )
    result = chipwatch(config, "sources", "list")
    assert "health.recipients: expected a list of email addresses" in result.stderr
    ok = load('min_interval = "5m"\nmax_interval = 7200\n')
    assert ok.returncode == 0, ok.stderr
