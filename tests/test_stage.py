"""The analyse stage end to end: the seeds crawled from a local site are tagged, grouped
into four stories and alerted once per story; wire copies are stored once and never
alerted; `import`, `stories`, `export` and the per-story alert messages."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from analysis.matcher import entity_members
from chipwatch.demo.server import NewsServer
from tests.conftest import FAST_CRAWL, chipwatch, source_block, write_config
from tests.newsweb import load_seed_articles, load_seeds, trap_site
from tests.smtp import SMTP_ENV, SmtpServer, part_text

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"
RULE = "nvidia AND (h20 OR h200) AND china"


@dataclass
class SeedRun:
    db: Path
    config: Path
    result: subprocess.CompletedProcess[str]
    messages: list[str]  # plain-text parts of the alert emails
    urls: dict[str, str]  # seed key → stored URL

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeedRun]:
    folder = tmp_path_factory.mktemp("stage")
    seeds = load_seeds()
    smtp = SmtpServer(folder).start()
    try:
        with NewsServer(trap_site(load_seed_articles())) as server:
            base = server.base_url
            config = write_config(
                folder,
                FAST_CRAWL
                + source_block("Seeds", feeds=[f"{base}/feeds/rss.xml"], follow=ARTICLE_PATTERN)
                + smtp.email_toml()
                + f"""
[[alerts]]
name = "h20"
query = '{RULE}'
recipients = ["me@example.org"]
backfill_days = 3650
""",
            )
            result = chipwatch(config, "run", env=SMTP_ENV)
            smtp.wait_for(1)
            messages = [
                part_text(message_from_bytes(r.raw, policy=policy.default), "plain")
                for r in smtp.handler.received
            ]
            urls = {seed.key: base + seed.article.url_path for seed in seeds}
        yield SeedRun(folder / "chipwatch.db", config, result, messages, urls)
    finally:
        smtp.stop()


def story_of(run: SeedRun, key: str) -> int:
    ((story,),) = run.rows("SELECT story_id FROM articles WHERE url = ?", run.urls[key])
    return int(story)


def test_the_seeds_form_four_stories_with_000_and_004_together(seed_run: SeedRun) -> None:
    assert seed_run.result.returncode == 0, seed_run.result.stderr
    stories = {key: story_of(seed_run, key) for key in seed_run.urls}
    assert stories["000"] == stories["004"]
    assert len(set(stories.values())) == 4
    (pending,) = seed_run.rows("SELECT count(*) FROM articles WHERE stage_version IS NULL")
    assert pending == (0,)


def test_the_seeds_carry_the_entities_their_readme_lists(seed_run: SeedRun) -> None:
    tagged = {
        entity
        for (entity,) in seed_run.rows(
            "SELECT DISTINCT m.entity FROM mentions m JOIN articles a ON a.id = m.article_id"
        )
    }
    # ids of the registry (analysis/entities.toml) for the names seeds/README.md lists
    expected = {
        "alibaba",
        "t-head",
        "nvidia",
        "nvidia-h20",
        "nvidia-h200",
        "huawei",
        "huawei-ascend-910b",
        "huawei-ascend-910c",
        "huawei-ascend-910d",
        "cambricon",
        "metax",
        "biren",
        "moore-threads",
        "enflame",
        "iluvatar-corex",
        "kunlunxin",
        "smic",
        "tsmc",
    }
    assert expected <= tagged, sorted(expected - tagged)


def test_the_rule_sends_one_message_listing_three_stories(seed_run: SeedRun) -> None:
    (text,) = seed_run.messages
    titles = dict(seed_run.rows("SELECT url, title FROM articles"))
    lead_000_004 = [titles[seed_run.urls[k]] for k in ("000", "004")]
    lines = text.splitlines()
    listed = [title for title in titles.values() if f"* {title}" in lines]
    assert len(listed) == 3, text
    assert sum(title in listed for title in lead_000_004) == 1  # one story, shown once
    assert "Also reported by: Seeds (" in text
    assert titles[seed_run.urls["001"]] not in listed  # no Nvidia H20/H200 in 001


def test_a_second_run_sends_nothing_new(seed_run: SeedRun) -> None:
    result = chipwatch(seed_run.config, "run", env=SMTP_ENV)
    assert result.returncode == 0, result.stderr
    (count,) = seed_run.rows("SELECT count(*) FROM alert_messages")
    assert count == (1,)


def test_stories_lists_them_as_json(seed_run: SeedRun) -> None:
    result = chipwatch(seed_run.config, "stories", "--since", "3650d", "--json")
    assert result.returncode == 0, result.stderr
    seed_urls = set(seed_run.urls.values())
    stories = [
        story
        for story in map(json.loads, result.stdout.splitlines())
        if {a["url"] for a in story["articles"]} & seed_urls  # the trap site has two more
    ]
    assert len(stories) == 4
    grouped = [s for s in stories if len(s["articles"]) == 2]
    assert len(grouped) == 1
    assert sorted(grouped[0]["languages"]) == ["de", "en"]
    assert {a["url"] for a in grouped[0]["articles"]} == {
        seed_run.urls["000"],
        seed_run.urls["004"],
    }


def test_export_carries_entities_story_and_duplicates(seed_run: SeedRun) -> None:
    result = chipwatch(seed_run.config, "export")
    assert result.returncode == 0, result.stderr
    rows = {r["url"]: r for r in map(json.loads, result.stdout.splitlines())}
    first = rows[seed_run.urls["000"]]
    assert "nvidia-h20" in first["entities"]
    assert first["story"] == rows[seed_run.urls["004"]]["story"] == story_of(seed_run, "000")
    assert all(r["duplicate_of"] is None for r in rows.values())


# ---- import ---------------------------------------------------------------------------


WIRE = (
    "Der chinesische Chipentwickler Cambricon hat im dritten Quartal seinen Umsatz mehr als "
    "verdreifacht. Das Unternehmen aus Peking meldete Erlöse von 1,7 Milliarden Yuan, nach "
    "0,4 Milliarden Yuan ein Jahr zuvor. Getragen wurde das Wachstum von der Nachfrage nach "
    "den KI-Beschleunigern der Siyuan-Reihe, die chinesische Cloud-Anbieter als Ersatz für "
    "Nvidia-Chips kaufen. Die Aktie stieg in Shanghai um neun Prozent."
)


# a config must name a source; these tests only import
NO_CRAWL = FAST_CRAWL + source_block("Unused", feeds=["http://127.0.0.1:9/feed.xml"])


def jsonl(*objects: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def test_import_stores_analyses_and_reports_bad_lines(tmp_path: Path) -> None:
    config = write_config(tmp_path, NO_CRAWL)
    lines = (
        jsonl(
            {
                "url": "https://wire.example/cambricon-q3",
                "title": "Cambricon verdreifacht Umsatz",
                "text": WIRE,
                "language": "de-DE",  # a tag, as other tools write it: its language is kept
                "published": "2026-10-20T08:00:00+02:00",
                "source": "Wire",
            },
            {"url": "https://other.example/a", "title": "ohne Text"},
            # the same wire text on a second site, with a new headline and a byline
            {
                "url": "https://portal.example/news/123",
                "title": "Chip-Aktie springt: Cambricon mit Rekordquartal",
                "maintext": "Peking (dpa-AFX) - " + WIRE,
                "date_publish": "2026-10-20 09:30:00",
                "source_domain": "portal.example",
            },
        )
        + "kein json\n"
    )
    path = tmp_path / "in.jsonl"
    path.write_text(lines, encoding="utf-8")
    result = chipwatch(config, "import", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"chipwatch import: {path}: line 2: no text",
        f"chipwatch import: {path}: line 4: not JSON (Expecting value at column 1)",
    ]
    assert "Traceback" not in result.stderr
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        rows = conn.execute(
            "SELECT url, source, language, story_id, duplicate_of, stage_version "
            "FROM articles ORDER BY id"
        ).fetchall()
        entities = {e for (e,) in conn.execute("SELECT DISTINCT entity FROM mentions")}
    assert [(r[0], r[1]) for r in rows] == [
        ("https://wire.example/cambricon-q3", "Wire"),
        ("https://portal.example/news/123", "portal.example"),
    ]
    (first, copy) = rows
    assert first[2] == "de"
    assert copy[2] == "de"  # detected: the line named no language
    assert copy[3] == first[3] is not None  # the copy joins the original's story
    assert copy[4] == 1  # and is recorded as the duplicate of the first
    assert first[4] is None
    assert None not in (first[5], copy[5])
    assert {"cambricon"} <= entities

    again = chipwatch(config, "import", "-", stdin=lines)
    assert "Imported 0 new article(s) of 4 line(s); 2 already stored, 2 bad line(s)." in (
        again.stdout
    )


def test_import_of_a_missing_file_is_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, NO_CRAWL)
    result = chipwatch(config, "import", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'nope.jsonl'}: No such file")
    assert len(result.stderr.splitlines()) == 1


# ---- one alert per story --------------------------------------------------------------

STORY_EN = {
    "url": "https://en.example/cambricon-results",
    "title": "Cambricon revenue jumps 40-fold as Chinese buyers shun Nvidia",
    "text": (
        "Cambricon Technologies reported first-half revenue of 2.88 billion yuan on "
        "Tuesday, up more than 40 times from a year earlier, as Chinese cloud companies "
        "bought its Siyuan 590 accelerators instead of Nvidia's H20. The Beijing-based "
        "chip designer swung to a net profit of 1.04 billion yuan. Its shares rose 8% "
        "in Shanghai after the filing."
    ),
    "language": "en",
    "published": "2026-08-26T09:00:00+00:00",
    "source": "Chip Wire",
}
STORY_DE = {
    "url": "https://de.example/cambricon-halbjahr",
    "title": "Cambricon: Umsatz vervierzigfacht",
    "text": (
        "Der chinesische KI-Chipentwickler Cambricon hat im ersten Halbjahr 2,88 Milliarden "
        "Yuan umgesetzt, mehr als das Vierzigfache des Vorjahres. Unter dem Strich stand ein "
        "Gewinn von 1,04 Milliarden Yuan. Chinesische Cloud-Konzerne kaufen die "
        "Siyuan-590-Beschleuniger als Ersatz für Nvidias H20, teilte das Unternehmen aus "
        "Peking mit. Die Aktie legte in Shanghai um acht Prozent zu."
    ),
    "language": "de",
    "published": "2026-08-26T14:00:00+00:00",
    "source": "Chip Wire DE",
}
OTHER_STORY = {
    "url": "https://en.example/cambricon-denial",
    "title": "Cambricon denies reports of large new orders",
    "text": (
        "Cambricon said on Friday that online reports about large new orders from a "
        "domestic internet company were false and warned investors against rumours. The "
        "company said its production plans were unchanged and that it had not signed any "
        "contract of the kind described. Its shares fell 5% in Shanghai trading."
    ),
    "language": "en",
    "published": "2026-09-12T09:00:00+00:00",
    "source": "Chip Wire",
}


def test_a_rule_alerts_once_per_story_and_sends_later_articles_as_updates(
    tmp_path: Path,
) -> None:
    smtp = SmtpServer(tmp_path).start()
    try:
        config = write_config(
            tmp_path,
            NO_CRAWL
            + smtp.email_toml()
            + """
[[alerts]]
name = "cambricon"
query = 'cambricon'
recipients = ["me@example.org"]
""",
        )

        def step(*articles: dict[str, str]) -> list[str]:
            before = len(smtp.handler.received)
            if articles:
                imported = chipwatch(config, "import", "-", stdin=jsonl(*articles))
                assert imported.returncode == 0, imported.stderr
            result = chipwatch(config, "alerts", env=SMTP_ENV)
            assert result.returncode == 0, result.stderr
            return [
                part_text(message_from_bytes(r.raw, policy=policy.default), "plain")
                for r in smtp.handler.received[before:]
            ]

        assert chipwatch(config, "db", "upgrade").returncode == 0
        assert step() == []  # the rule starts now
        (first,) = step(STORY_EN)
        assert STORY_EN["title"] in first
        assert step(STORY_DE) == []  # joined a story already sent: waits as an update
        (second,) = step(OTHER_STORY)
        new, _, updates = second.partition("Updates to stories sent before:")
        assert OTHER_STORY["title"] in new
        assert STORY_DE["title"] in updates
        assert STORY_EN["title"] not in second
    finally:
        smtp.stop()
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        stories = dict(conn.execute("SELECT url, story_id FROM articles"))
    assert stories[STORY_EN["url"]] == stories[STORY_DE["url"]] != stories[OTHER_STORY["url"]]


def test_entities_lists_mention_counts_against_the_previous_period(seed_run: SeedRun) -> None:
    result = chipwatch(seed_run.config, "entities", "--since", "3650d", "--json", "--limit", "500")
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    (stored,) = seed_run.rows(
        "SELECT count(DISTINCT m.article_id) FROM mentions m JOIN articles a "
        "ON a.id = m.article_id WHERE m.entity = 'nvidia' AND a.duplicate_of IS NULL"
    )
    assert rows["nvidia"]["articles"] == stored[0] >= 3
    assert rows["nvidia"]["previous"] == 0  # nothing stored ten years before the seeds
    assert rows["nvidia"]["name"] == "Nvidia"
    counts = [r["articles"] for r in rows.values()]
    assert counts == sorted(counts, reverse=True)


def test_search_answers_entity_queries_from_the_stored_tags(seed_run: SeedRun) -> None:
    members = sorted(entity_members("cambricon"))
    marks = ",".join("?" * len(members))
    expected = {
        url
        for (url,) in seed_run.rows(
            f"SELECT DISTINCT a.url FROM mentions m JOIN articles a ON a.id = m.article_id "
            f"WHERE m.entity IN ({marks})",
            *members,
        )
    }
    assert expected  # the seeds name Cambricon and its Siyuan chips
    result = chipwatch(seed_run.config, "search", "entity:cambricon", "--json", "--limit", "50")
    assert result.returncode == 0, result.stderr
    found = {json.loads(line)["url"] for line in result.stdout.splitlines()}
    assert found == expected
