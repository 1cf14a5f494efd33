from __future__ import annotations

from pathlib import Path

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
