"""`chipwatch run` as cron calls it: crawl, then alerts, under one lock; and a source's
`require` query filtering what is stored."""

from __future__ import annotations

import sqlite3
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite
from tests.conftest import FAST_CRAWL, chipwatch, source_block, write_config
from tests.smtp import SMTP_ENV, SmtpServer, part_text

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"


def run(config: Path) -> subprocess.CompletedProcess[str]:
    return chipwatch(config, "run", env=SMTP_ENV)


def test_run_crawls_then_alerts_and_require_filters_the_source(tmp_path: Path) -> None:
    smtp = SmtpServer(tmp_path).start()
    first, rest = DEMO_ARTICLES[:4], DEMO_ARTICLES[4:]
    site = NewsSite(first)
    try:
        with NewsServer(site) as server:
            base = server.base_url
            config = write_config(
                tmp_path,
                FAST_CRAWL
                + f"""
[[sources]]
name = "Demo"
language = "de"
feeds = ["{base}/feeds/rss.xml"]
follow = '{ARTICLE_PATTERN}'
require = 'cambricon OR 寒武纪 OR smic OR 中芯国际'
"""
                + smtp.email_toml()
                + """
[[alerts]]
name = "china-ai"
query = 'huawei OR cambricon OR 寒武纪'
recipients = ["me@example.org"]
""",
            )
            assert run(config).returncode == 0
            # the rule started with this run: what was stored before it is not alerted
            assert smtp.handler.received == []
            for article in rest:
                site.add_article(article)
            result = run(config)
            assert result.returncode == 0, result.stderr
            assert result.stdout == ""
        with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
            titles = {t for (t,) in conn.execute("SELECT title FROM articles")}
            (skipped,) = conn.execute(
                "SELECT skipped FROM crawl_run_sources ORDER BY id DESC LIMIT 1"
            ).fetchone()

        def mentions(article: object, words: tuple[str, ...]) -> bool:
            full = (article.title + " " + " ".join(article.paragraphs)).lower()  # type: ignore[attr-defined]
            return any(word in full for word in words)

        required = ("cambricon", "寒武纪", "smic", "中芯国际")
        wanted = {a.title for a in DEMO_ARTICLES if mentions(a, required)}
        assert titles == wanted
        assert len(wanted) < len(DEMO_ARTICLES)  # the filter had something to filter
        assert '"not_required"' in skipped
        (received,) = smtp.handler.received
        text = part_text(message_from_bytes(received.raw, policy=policy.default), "plain")
        alerted = {
            a.title
            for a in rest
            if a.title in titles and mentions(a, ("huawei", "cambricon", "寒武纪"))
        }
        assert alerted
        for title in alerted:
            assert title in text
        for article in first:
            assert article.title not in text
    finally:
        smtp.stop()


def test_a_widened_require_filter_recovers_what_it_turned_down(tmp_path: Path) -> None:
    articles = DEMO_ARTICLES[:3]

    def config_with(require: str) -> Path:
        return write_config(
            tmp_path,
            FAST_CRAWL
            + f"""
[[sources]]
name = "Demo"
language = "de"
feeds = ["{base}/feeds/rss.xml"]
follow = '{ARTICLE_PATTERN}'
require = '{require}'
""",
        )

    def article_requests() -> int:
        return sum(1 for r in server.log if r.path.startswith("/news/"))

    with NewsServer(NewsSite(articles)) as server:
        base = server.base_url
        narrow = config_with("nosuchchipmaker")
        assert chipwatch(narrow, "crawl").returncode == 0
        assert article_requests() == len(articles)
        # the same filter: the pages it turned down are not asked for again
        assert chipwatch(narrow, "crawl").returncode == 0
        assert article_requests() == len(articles)
        with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
            assert conn.execute("SELECT count(*) FROM articles").fetchone() == (0,)
        # a widened filter asks for them again, and now stores them
        wide = config_with("nosuchchipmaker OR chip OR nvidia OR huawei OR cambricon")
        result = chipwatch(wide, "crawl")
        assert result.returncode == 0, result.stderr
        assert article_requests() == 2 * len(articles)
    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (len(articles),)


def test_each_crawl_writes_its_own_log_and_keeps_the_last_ones(tmp_path: Path) -> None:
    with NewsServer(NewsSite(DEMO_ARTICLES[:1])) as server:
        config = write_config(
            tmp_path,
            FAST_CRAWL
            + source_block(
                "Demo", feeds=[f"{server.base_url}/feeds/rss.xml"], follow=ARTICLE_PATTERN
            ),
        )
        for _ in range(3):
            result = chipwatch(config, "crawl")
            assert result.returncode == 0, result.stderr
    logs = sorted(p.name for p in tmp_path.glob("chipwatch.log*"))
    assert logs == ["chipwatch.log", "chipwatch.log.1", "chipwatch.log.2"]
    # newest first: the current file is run 3's, .2 is run 1's
    for name, run_id in (("chipwatch.log", 3), ("chipwatch.log.1", 2), ("chipwatch.log.2", 1)):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert f"'chipwatch_run_id': {run_id}," in text
        assert "Spider closed (finished)" in text
