from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chipwatch.config import ConfigError, load_config
from tests.conftest import write_config

GOOD = """
[database]
url = "sqlite:///data/cw.db"

[crawl]
delay = 2
per_host_concurrency = 1

[[sources]]
name = "heise"
language = "de"
feeds = ["https://www.heise.de/rss/heise-atom.xml"]
pages = ["https://www.heise.de/thema/chips/"]
follow = "/news/.+\\\\.html$"
"""


def test_good_config_loads_into_typed_values(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, GOOD))
    assert config.database_url == f"sqlite:///{tmp_path / 'data' / 'cw.db'}"
    assert config.crawl.delay == 2.0
    assert config.crawl.per_host_concurrency == 1
    assert config.crawl.obey_robots is True
    (source,) = config.sources
    assert source.name == "heise"
    assert source.feeds == ("https://www.heise.de/rss/heise-atom.xml",)
    assert source.follow is not None
    assert source.follow.search("https://www.heise.de/news/chip-123.html")


def test_relative_sqlite_path_resolves_against_config_folder_not_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    config = load_config(write_config(folder, GOOD))
    assert config.database_url == f"sqlite:///{folder / 'data' / 'cw.db'}"


def test_shared_frontier_keys_load(tmp_path: Path) -> None:
    body = GOOD.replace(
        "delay = 2",
        'delay = 2\nredis_url = "redis://10.0.0.5:6379/2"\nredis_prefix = "team"\n'
        "worker_timeout = 60",
    )
    crawl = load_config(write_config(tmp_path, body)).crawl
    assert (crawl.redis_url, crawl.redis_prefix, crawl.worker_timeout) == (
        "redis://10.0.0.5:6379/2",
        "team",
        60.0,
    )
    assert load_config(write_config(tmp_path, GOOD)).crawl.redis_url is None


def test_database_url_from_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIPWATCH_DATABASE_URL", "postgresql+psycopg://localhost/test")
    config = load_config(write_config(tmp_path, GOOD))
    assert config.database_url == "postgresql+psycopg://localhost/test"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("delay = 2", "delay = 2\ndelayy = 3"), "crawl.delayy: unknown key"),
        (("delay = 2", 'delay = "fast"'), "crawl.delay: expected a whole number or a number"),
        (("per_host_concurrency = 1", "per_host_concurrency = true"), "crawl.per_host_concurrency"),
        (
            ('follow = "/news/.+\\\\.html$"', 'follow = "(unclosed"'),
            "sources[0] (heise).follow: not a valid regular expression",
        ),
        (
            ('feeds = ["https://www.heise.de/rss/heise-atom.xml"]', 'feeds = ["ftp://x"]'),
            "is not an http(s) URL",
        ),
        (
            ('name = "heise"', 'name = "heise"\ncolour = "red"'),
            "sources[0] (heise).colour: unknown key",
        ),
        (("[database]", "[datenbank]"), "datenbank: unknown key"),
        (
            ("delay = 2", 'delay = 2\nredis_url = "127.0.0.1:6379"'),
            "crawl.redis_url: expected a redis://, rediss:// or unix:// URL",
        ),
        (("delay = 2", 'delay = 2\nredis_prefix = "a b"'), "crawl.redis_prefix: expected"),
        (("delay = 2", "delay = 2\nworker_timeout = 1"), "crawl.worker_timeout: expected"),
    ],
)
def test_bad_config_names_file_key_and_expectation(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write_config(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_config_without_sources_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected at least one \\[\\[sources\\]\\]"):
        load_config(write_config(tmp_path, '[database]\nurl = "sqlite:///x.db"\n'))


def test_a_source_reads_times_without_a_zone_in_its_timezone(tmp_path: Path) -> None:
    (source,) = load_config(write_config(tmp_path, GOOD)).sources
    assert source.timezone == UTC  # when not configured
    body = GOOD.replace('language = "de"\n', 'language = "de"\ntimezone = "Europe/Berlin"\n')
    (source,) = load_config(write_config(tmp_path, body)).sources
    assert source.timezone == ZoneInfo("Europe/Berlin")
    body = GOOD.replace('language = "de"\n', 'language = "de"\ntimezone = "Berlin"\n')
    with pytest.raises(
        ConfigError, match=r"sources\[0\] \(heise\)\.timezone: unknown time zone 'Berlin'"
    ):
        load_config(write_config(tmp_path, body))


@pytest.mark.parametrize(
    ("written", "language"),
    [("de", "de"), ("DE", "de"), ("zh-Hans-CN", "zh"), ("de_DE", "de"), ("fil", "fil")],
)
def test_a_source_language_is_its_primary_subtag(
    tmp_path: Path, written: str, language: str
) -> None:
    body = GOOD.replace('language = "de"', f'language = "{written}"')
    (source,) = load_config(write_config(tmp_path, body)).sources
    assert source.language == language


@pytest.mark.parametrize("written", ["German", "deutsch", "", "d", "de DE", "\u017fv"])
def test_a_source_language_that_is_no_language_code_is_refused(
    tmp_path: Path, written: str
) -> None:
    body = GOOD.replace('language = "de"', f'language = "{written}"')
    with pytest.raises(
        ConfigError,
        match=rf"sources\[0\] \(heise\)\.language: expected a language code such as de, en "
        rf"or zh, got '{written}'",
    ):
        load_config(write_config(tmp_path, body))


def test_pages_without_follow_pattern_are_refused(tmp_path: Path) -> None:
    body = GOOD.replace('follow = "/news/.+\\\\.html$"\n', "")
    with pytest.raises(ConfigError, match="follow: expected a regex"):
        load_config(write_config(tmp_path, body))


def test_toml_syntax_error_is_reported_with_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[crawl\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_missing_file_suggests_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="chipwatch init"):
        load_config(tmp_path / "nope.toml")


def test_unknown_source_name_is_refused(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="no source named 'golem'"):
        config.select_sources(["golem"])


RANGES = """
[[sources]]
name = "heise"
feeds = ["https://www.heise.de/rss/heise-atom.xml"]

[[alerts]]
name = "h20"
query = "h20"
recipients = ["me@example.org"]
"""


def with_key(table: str, line: str) -> str:
    """RANGES with one more key in [crawl], [email] or the [[alerts]] entry."""
    if table == "alerts":
        return RANGES + line + "\n"
    return f"[{table}]\n{line}\n" + RANGES


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ("crawl", "timeout = 0", "crawl.timeout: expected a number > 0, got 0"),
        ("crawl", "timeout = -1.5", "crawl.timeout: expected a number > 0, got -1.5"),
        ("crawl", "timeout = inf", "crawl.timeout: expected a number > 0, got inf"),
        ("crawl", "delay = -0.5", "crawl.delay: expected a number >= 0, got -0.5"),
        ("crawl", "delay = nan", "crawl.delay: expected a number >= 0, got nan"),
        (
            "crawl",
            "max_retry_after = -1",
            "crawl.max_retry_after: expected a number >= 0, got -1",
        ),
        ("crawl", "concurrency = 0", "crawl.concurrency: expected a whole number >= 1, got 0"),
        (
            "crawl",
            "per_host_concurrency = 0",
            "crawl.per_host_concurrency: expected a whole number >= 1, got 0",
        ),
        (
            "crawl",
            "max_page_bytes = 0",
            "crawl.max_page_bytes: expected a whole number >= 1, got 0",
        ),
        (
            "crawl",
            "max_listing_bytes = 0",
            "crawl.max_listing_bytes: expected a whole number >= 1, got 0",
        ),
        (
            "crawl",
            "max_article_age_days = -1",
            "crawl.max_article_age_days: expected a whole number >= 0, got -1",
        ),
        ("crawl", "retries = -1", "crawl.retries: expected a whole number >= 0, got -1"),
        (
            "crawl",
            "extract_workers = -2",
            "crawl.extract_workers: expected a whole number >= 0, got -2",
        ),
        ("crawl", "max_failures = 0", "crawl.max_failures: expected a whole number >= 1, got 0"),
        (
            "email",
            "smtp_port = 99999",
            "email.smtp_port: expected a whole number from 1 to 65535, got 99999",
        ),
        (
            "email",
            "smtp_port = 0",
            "email.smtp_port: expected a whole number from 1 to 65535, got 0",
        ),
        ("email", "timeout = 0", "email.timeout: expected a number > 0, got 0"),
        ("email", "timeout = -3", "email.timeout: expected a number > 0, got -3"),
        (
            "email",
            "retry_base_seconds = -60",
            "email.retry_base_seconds: expected a number >= 0, got -60",
        ),
        (
            "alerts",
            "backfill_days = -1",
            "alerts[0] (h20).backfill_days: expected a whole number >= 0, got -1",
        ),
    ],
)
def test_number_out_of_range_is_refused_naming_file_key_and_range(
    tmp_path: Path, table: str, line: str, message: str
) -> None:
    path = write_config(tmp_path, with_key(table, line))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {message}"


def test_numbers_at_the_edge_of_their_range_load(tmp_path: Path) -> None:
    body = (
        "[crawl]\ntimeout = 0.5\ndelay = 0\nmax_retry_after = 0\nretries = 0\n"
        "concurrency = 1\nmax_article_age_days = 0\nextract_workers = 0\n"
        "[email]\nsmtp_port = 65535\ntimeout = 0.5\nretry_base_seconds = 0\n"
        + RANGES
        + "backfill_days = 0\n"
    )
    config = load_config(write_config(tmp_path, body))
    assert (config.crawl.timeout, config.crawl.delay, config.crawl.max_retry_after) == (0.5, 0, 0)
    assert (config.crawl.retries, config.crawl.concurrency, config.crawl.extract_workers) == (
        0,
        1,
        0,
    )
    assert (config.email.smtp_port, config.email.timeout, config.email.retry_base_seconds) == (
        65535,
        0.5,
        0,
    )
    assert config.alerts[0].backfill_days == 0
    one = load_config(write_config(tmp_path, "[email]\nsmtp_port = 1\n" + RANGES))
    assert one.email.smtp_port == 1
