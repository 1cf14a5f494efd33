"""The `chipwatch` CLI as users and cron call it: a subprocess, no terminal."""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import load_config
from chipwatch.demo.articles import DEMO_ARTICLES
from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import NewsSite
from storage import make_engine, upgrade
from storage.locks import run_lock
from tests.conftest import (
    FAST_CRAWL,
    REPO,
    chipwatch,
    source_block,
    with_database,
    write_config,
)
from tests.gates import held_answers, nth_article

ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"
Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def server() -> Iterator[NewsServer]:
    with NewsServer(NewsSite(DEMO_ARTICLES)) as running:
        yield running


def demo_config(folder: Path, base: str, extra: str = "") -> Path:
    return write_config(
        folder,
        FAST_CRAWL
        + source_block(
            "Demo",
            feeds=[f"{base}/feeds/rss.xml"],
            pages=[f"{base}/thema/chips/"],
            follow=ARTICLE_PATTERN,
        )
        + extra,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["init"],
        ["crawl"],
        ["run"],
        ["search"],
        ["export"],
        ["stats"],
        ["sources", "check"],
        ["sources", "list"],
        ["demo"],
        ["alerts"],
        ["alerts", "test"],
        ["alerts", "list"],
        ["db"],
        ["db", "current"],
        ["db", "upgrade"],
        ["db", "copy"],
    ],
)
def test_every_command_has_help(run_cli: Cli, command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_help_shows_every_description_whole() -> None:
    """What a user reads in `--help`: each command's and option's description in full, on
    one line of a wide terminal (not broken where the docstring was), and words in
    brackets such as `[database] url` kept (rich markup would swallow them)."""
    import typer
    from typer.testing import CliRunner

    from chipwatch.cli import app

    runner = CliRunner()

    def descriptions(command: Any) -> list[str]:
        found = [(command.help or "").split("\n\n")[0]]
        found += [p.help for p in command.params if getattr(p, "help", None)]
        return [" ".join(text.split()).replace("\\[", "[") for text in found if text]

    def check(command: Any, path: list[str]) -> int:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        lines = [" ".join(line.strip(" │").split()) for line in result.output.splitlines()]
        expected = descriptions(command)
        for name, sub in getattr(command, "commands", {}).items():
            expected.append(" ".join((sub.help or "").split("\n\n")[0].split()).replace("\\[", "["))
            check(sub, [*path, name])
        for text in expected:
            assert any(text in line for line in lines), (path, text)
        return len(expected)

    assert check(typer.main.get_command(app), []) > 0
    assert "[database] url" in runner.invoke(app, ["db", "copy", "--help"]).output


def test_readme_documents_every_command() -> None:
    from tests.test_no_traceback import command_paths

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = command_paths()  # the real command tree, not a list kept by hand
    assert {"init", "crawl", "run", "search", "alerts test"} <= commands
    undocumented = sorted(c for c in commands if f"chipwatch {c}" not in readme)
    assert undocumented == []
    assert "make run" in readme
    assert "make test" in readme


def test_init_writes_a_valid_starter_config_and_database(run_cli: Cli, tmp_path: Path) -> None:
    result = run_cli("init", config=tmp_path / "chipwatch.toml")
    assert result.returncode == 0, result.stderr
    config = load_config(tmp_path / "chipwatch.toml")
    assert len(config.sources) >= 10
    assert {s.language for s in config.sources} == {"de", "en"}
    assert all(s.feeds and all(u.startswith("https://") for u in s.feeds) for s in config.sources)
    assert (tmp_path / "chipwatch.db").exists()
    again = run_cli("init", config=tmp_path / "chipwatch.toml")
    assert "keeping it" in again.stdout
    # --force replaces an edited config, keeping it beside as a .bak file
    edited = (tmp_path / "chipwatch.toml").read_text() + "# my own sources\n"
    (tmp_path / "chipwatch.toml").write_text(edited)
    for backup in ("chipwatch.toml.bak", "chipwatch.toml.bak.1"):
        forced = run_cli("init", "--force", config=tmp_path / "chipwatch.toml")
        assert forced.returncode == 0, forced.stderr
        assert f"Kept the old config as {tmp_path / backup}" in forced.stdout
    assert (tmp_path / "chipwatch.toml.bak").read_text() == edited
    assert "# my own sources" not in (tmp_path / "chipwatch.toml").read_text()


def test_init_prints_a_path_with_brackets_as_it_is(run_cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "[bold]news"  # rich markup in a folder name is no markup here
    result = run_cli("init", config=folder / "chipwatch.toml")
    assert result.returncode == 0, result.stderr
    assert f"Wrote {folder / 'chipwatch.toml'}" in result.stdout
    again = run_cli("init", config=folder / "chipwatch.toml")
    assert f"{folder / 'chipwatch.toml'} exists; keeping it" in again.stdout


def test_a_locked_run_names_its_lock_file_as_it_is(
    run_cli: Cli, tmp_path: Path, server: NewsServer
) -> None:
    folder = tmp_path / "[bold]news"  # rich markup in a folder name is no markup here
    folder.mkdir()
    path = demo_config(folder, server.base_url)
    engine = make_engine(load_config(path).database_url)
    with run_lock(engine, timeout=0):
        result = run_cli("run", config=path)
    engine.dispose()
    assert result.returncode == 75
    assert "another run is in progress" in result.stderr
    assert "[bold]news" in result.stderr


def test_bad_config_is_one_clear_line_without_traceback(run_cli: Cli, tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        FAST_CRAWL.replace("delay = 0", "delay = 'slow'")
        + source_block("x", feeds=["https://n.example/feed"]),
    )
    result = run_cli("crawl", config=path)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "crawl.delay" in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_source_is_an_error(run_cli: Cli, tmp_path: Path, server: NewsServer) -> None:
    result = run_cli("crawl", "--source", "nope", config=demo_config(tmp_path, server.base_url))
    assert result.returncode == 1
    assert "no source named 'nope'" in result.stderr


def test_unreachable_source_is_reported_and_the_rest_still_crawled(
    run_cli: Cli, tmp_path: Path, server: NewsServer
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    path = demo_config(
        tmp_path, server.base_url, source_block("Gone", feeds=[f"{dead}/feed.xml"], language="en")
    )
    result = run_cli("run", config=path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "Gone: unreachable" in result.stderr
    assert "Demo" not in result.stderr.replace("details:", "")
    stats = run_cli("stats", "--json", config=path)
    lines = [json.loads(line) for line in stats.stdout.splitlines()]
    by_source = {s["source"]: s for s in lines if s["type"] == "source"}
    assert by_source["Demo"]["new_articles"] == len(DEMO_ARTICLES)
    assert by_source["Gone"]["errors"] == {"connection_refused": 1}


def test_second_run_leaves_at_once_when_locked(
    run_cli: Cli, tmp_path: Path, server: NewsServer
) -> None:
    path = demo_config(tmp_path, server.base_url)
    engine = make_engine(load_config(path).database_url)
    with run_lock(engine, timeout=0):
        started = time.monotonic()
        result = run_cli("run", config=path)
        elapsed = time.monotonic() - started
    engine.dispose()
    assert result.returncode == 75
    assert result.stderr.strip().count("\n") == 0
    assert "another run is in progress" in result.stderr
    assert elapsed < 30  # left without crawling (a crawl of the site takes longer)
    assert not (tmp_path / "chipwatch.log").exists()


def test_two_configs_on_one_database_share_its_run_lock(
    run_cli: Cli, tmp_path: Path, database_url: str
) -> None:
    """The lock belongs to the database (a file beside SQLite's, an advisory lock in
    PostgreSQL), not to the config file naming it."""
    upgrade(database_url)
    first, second = tmp_path / "first", tmp_path / "second"
    configs = []
    for folder in (first, second):
        folder.mkdir()
        body = with_database(FAST_CRAWL, database_url) + source_block(
            "Gone", feeds=[f"http://127.0.0.1:{closed_port()}/feed.xml"]
        )
        configs.append(write_config(folder, body))
    engine = make_engine(load_config(configs[0]).database_url)
    with run_lock(engine, timeout=0):
        result = run_cli("crawl", config=configs[1])
    engine.dispose()
    assert result.returncode == 75, result.stderr
    assert "another run is in progress" in result.stderr
    assert run_cli("crawl", config=configs[1]).returncode == 0  # free again


def test_two_overlapping_runs_only_one_works(tmp_path: Path, server: NewsServer) -> None:
    path = demo_config(tmp_path, server.base_url)
    argv = [sys.executable, "-m", "chipwatch", "--config", str(path), "run"]
    # The first run's first article waits for its answer until the second run is over:
    # the first is mid-crawl, under its lock, all the while.
    with held_answers(server, nth_article(1)) as first_article:
        first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert first_article.arrived.wait(60), "the first run requested no article"
        second = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 75
    assert "another run is in progress" in second.stderr


@pytest.fixture(scope="module")
def crawled_demo(tmp_path_factory: pytest.TempPathFactory, server: NewsServer) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    path = demo_config(folder, server.base_url)
    result = chipwatch(path, "crawl")
    assert result.returncode == 0, result.stderr
    return path


def test_export_jsonl_and_csv(run_cli: Cli, crawled_demo: Path) -> None:
    jsonl = run_cli("export", "--format", "jsonl", config=crawled_demo)
    assert jsonl.returncode == 0, jsonl.stderr
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert len(rows) == len(DEMO_ARTICLES)
    required = {"url", "title", "text", "language", "published", "author", "source", "fetched_at"}
    assert all(required <= set(row) for row in rows)
    assert {row["language"] for row in rows} == {"de", "en", "zh"}
    assert all(row["published"].startswith("2026-") for row in rows)
    table = list(
        csv.DictReader(
            io.StringIO(run_cli("export", "--format", "csv", config=crawled_demo).stdout)
        )
    )
    assert [r["url"] for r in table] == [r["url"] for r in rows]
    none = run_cli("export", "--since", "2999-01-01", config=crawled_demo)
    assert none.stdout == ""
    only = run_cli("export", "--source", "Nope", config=crawled_demo)
    assert only.stdout == ""
    bad = run_cli("export", "--since", "last tuesday", config=crawled_demo)
    assert bad.returncode == 1
    assert "--since" in bad.stderr


def test_search_newest_first_with_snippet(run_cli: Cli, crawled_demo: Path) -> None:
    result = run_cli("search", "huawei OR cambricon", "--json", config=crawled_demo)
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) >= 2
    dates = [h["published"] for h in hits]
    assert dates == sorted(dates, reverse=True)
    assert all("[" in h["snippet"] for h in hits)
    chinese = run_cli("search", "寒武纪", "--json", config=crawled_demo)
    assert [json.loads(line)["language"] for line in chinese.stdout.splitlines()] == ["zh"]
    broken = run_cli("search", "--", "-nvidia", config=crawled_demo)
    assert broken.returncode == 1
    assert broken.stderr.startswith("Error: ")


def test_sources_check_reports_type_and_count_or_reason(
    run_cli: Cli, tmp_path: Path, server: NewsServer
) -> None:
    base = server.base_url
    dead = f"http://127.0.0.1:{closed_port()}"
    path = write_config(
        tmp_path,
        FAST_CRAWL
        + source_block(
            "Good",
            feeds=[f"{base}/feeds/rss.xml", f"{base}/feeds/atom.xml"],
            sitemaps=[f"{base}/sitemap_index.xml"],
            pages=[f"{base}/thema/chips/"],
            follow=ARTICLE_PATTERN,
        )
        + source_block("Bad", feeds=[f"{base}/thema/chips/", f"{base}/nope.xml", f"{dead}/f"]),
    )
    result = run_cli("sources", "check", config=path)
    assert result.returncode == 1
    out = result.stdout
    n = len(DEMO_ARTICLES)
    assert f"rss20, {n} items" in out
    assert f"atom10, {n} items" in out
    assert "sitemapindex, 2 sitemaps" in out
    assert "section page," in out
    assert "not a feed" in out
    assert "HTTP 404" in out
    assert "connection refused" in out
    assert "4 of 7 listings OK" in out


def test_a_json_feed_is_read_like_any_feed(tmp_path: Path, server: NewsServer) -> None:
    """JSON Feed (and a site's JSON API) goes in `feeds` like RSS: checked, crawled,
    its relative item links resolved against the feed's URL."""
    base = server.base_url
    path = write_config(
        tmp_path, FAST_CRAWL + source_block("Json", feeds=[f"{base}/feeds/feed.json"])
    )
    checked = chipwatch(path, "sources", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"json-feed, {len(DEMO_ARTICLES)} items" in checked.stdout
    crawled = chipwatch(path, "crawl")
    assert crawled.returncode == 0, crawled.stderr
    exported = chipwatch(path, "export", "--format", "jsonl")
    urls = {json.loads(line)["url"] for line in exported.stdout.splitlines()}
    assert urls == {f"{base}{a.url_path}" for a in DEMO_ARTICLES}


def test_a_page_rendered_by_javascript_gives_its_articles(
    tmp_path: Path, server: NewsServer
) -> None:
    """A section page with no article <a> links, its list in a JSON script (as Next.js
    serves one): checked and crawled like any section page."""
    base = server.base_url
    path = write_config(
        tmp_path,
        FAST_CRAWL + source_block("App", pages=[f"{base}/app/neu/"], follow=ARTICLE_PATTERN),
    )
    checked = chipwatch(path, "sources", "check", "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    [result] = [json.loads(line) for line in checked.stdout.splitlines()]
    assert result["what"] == f"section page, {len(DEMO_ARTICLES)} article links"
    crawled = chipwatch(path, "crawl")
    assert crawled.returncode == 0, crawled.stderr
    exported = chipwatch(path, "export", "--format", "jsonl")
    urls = {json.loads(line)["url"] for line in exported.stdout.splitlines()}
    assert urls == {f"{base}{a.url_path}" for a in DEMO_ARTICLES}


def test_scrapy_commands_work_from_the_repository_root(tmp_path: Path, server: NewsServer) -> None:
    path = demo_config(tmp_path, server.base_url)
    env = {"CHIPWATCH_CONFIG": str(path), "PATH": str(Path(sys.executable).parent)}
    scrapy = str(Path(sys.executable).parent / "scrapy")
    listed = subprocess.run([scrapy, "list"], cwd=REPO, capture_output=True, text=True, env=env)
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split()) >= {"news", "feeds", "sitemaps", "pages", "check"}
    crawl = subprocess.run(
        [scrapy, "crawl", "feeds", "-a", "source=Demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert crawl.returncode == 0, crawl.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "chipwatch.db") as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (len(DEMO_ARTICLES),)
        assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("finished",)]


def test_every_listing_command_speaks_json_lines(
    run_cli: Cli, tmp_path: Path, server: NewsServer
) -> None:
    path = demo_config(
        tmp_path,
        server.base_url,
        extra=f"""
[[alerts]]
name = "china-ai"
query = 'huawei OR cambricon'
recipients = ["me@example.org"]
schedule = "daily 08:00"

[[sources]]
name = "Gone"
feeds = ["http://127.0.0.1:{closed_port()}/feed.xml"]
""",
    )
    assert run_cli("db", "upgrade", config=path).returncode == 0

    def lines(*args: str, code: int = 0) -> list[dict[str, object]]:
        result = run_cli(*args, "--json", config=path)
        assert result.returncode == code, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    sources = lines("sources", "list")
    assert [(s["name"], s["feeds"]) for s in sources] == [
        ("Demo", [f"{server.base_url}/feeds/rss.xml"]),
        ("Gone", [sources[1]["feeds"][0]]),  # type: ignore[index]
    ]
    assert sources[0]["pages"] == [f"{server.base_url}/thema/chips/"]
    (rule,) = lines("alerts", "list")
    assert (rule["name"], rule["query"], rule["schedule"]) == (
        "china-ai",
        "huawei OR cambricon",
        "daily",
    )
    assert rule["recipients"] == ["me@example.org"]
    assert rule["matches_total"] == 0
    checks = lines("sources", "check", code=1)  # one listing cannot be reached
    assert [(c["source"], c["kind"], c["ok"]) for c in checks] == [
        ("Demo", "feed", True),
        ("Demo", "page", True),
        ("Gone", "feed", False),
    ]
    assert checks[0]["items"] == len(DEMO_ARTICLES)
    stats = lines("stats")
    assert [(s["type"], s.get("source") or s.get("name")) for s in stats] == [
        ("source", "Demo"),
        ("source", "Gone"),
        ("alert", "china-ai"),
    ]


def test_words_in_brackets_are_printed_and_limits_are_checked(run_cli: Cli, tmp_path: Path) -> None:
    # rich reads "[de]" as markup and would drop it
    config = write_config(
        tmp_path,
        '[database]\nurl = "sqlite:///x.db"\n\n[[sources]]\nname = "Wire [beta]"\n'
        'language = "de"\nfeeds = ["https://n.example/feed[1].xml"]\n',
    )
    listed = run_cli("sources", "list", config=config)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == ["Wire [beta] [de]", "  https://n.example/feed[1].xml"]
    for command in (["search", "nvidia"], ["alerts", "test", "nvidia"], ["stories"]):
        refused = run_cli(*command, "--limit", "0", config=config)
        assert refused.returncode == 2, (command, refused.stdout)
        assert "--limit" in refused.stderr
