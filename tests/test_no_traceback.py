"""No command prints a traceback, on any input: each command of the real command tree
is driven with bad input (no config, a broken config, a corrupt database, bad options
and queries) and must answer in one `Error: …` line (or a usage error) instead."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from chipwatch.cli import app
from tests.conftest import chipwatch, source_block, write_config

# command path → bad invocations (arguments after the command path)
BAD_INPUTS: dict[str, list[list[str]]] = {
    "init": [["--force"]],
    "crawl": [["--spider", "nosuch"], ["--source", "nosuch"]],
    "run": [[]],
    "search": [['"unclosed'], ["nvidia"]],
    "export": [["--since", "last tuesday"], ["--format", "xml"], []],
    "stats": [[]],
    "alerts": [[]],
    "alerts test": [["AND AND"], ["nvidia"], ["nvidia NEAR china"]],
    "reindex": [[]],
    "alerts list": [[]],
    "sources list": [[]],
    "sources check": [["--source", "nosuch"]],
    "db current": [[]],
    "db upgrade": [[]],
    "db copy": [
        [],
        ["--to", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
    ],
    "demo": [["--keep", "/proc/version/nope"]],
    "entities": [["--nope"], ["--since", "gestern"]],
    "stories": [["--since", "vorgestern"], ["--limit", "x"]],
    "import": [["/proc/version/nope"], ["/"], ["/proc/self/mem"]],
    "entities tag": [["/proc/version/nope"], ["/"]],
}


def command_paths() -> set[str]:
    """Every leaf command of the real CLI."""
    paths: set[str] = set()

    def walk(command: object, prefix: str) -> None:
        subcommands = getattr(command, "commands", None)
        runs_itself = not subcommands or getattr(command, "invoke_without_command", False)
        if prefix and runs_itself:
            paths.add(prefix)
        for name, sub in (subcommands or {}).items():
            walk(sub, f"{prefix} {name}".strip())

    walk(typer.main.get_command(app), "")
    return paths


def test_every_command_is_driven_with_bad_input() -> None:
    assert command_paths() == set(BAD_INPUTS)


@pytest.fixture
def corrupt_config(tmp_path: Path) -> Path:
    (tmp_path / "chipwatch.db").write_bytes(b"this is not an SQLite database" * 200)
    body = '[database]\nurl = "sqlite:///chipwatch.db"\n'
    body += source_block("Demo", feeds=["http://127.0.0.1:9/feed.xml"])
    body += '\n[[alerts]]\nname = "a"\nquery = "nvidia"\nrecipients = ["x@example.org"]\n'
    return write_config(tmp_path, body)


def cases() -> list[tuple[str, list[str]]]:
    return [(path, args) for path, variants in BAD_INPUTS.items() for args in variants]


@pytest.mark.parametrize(("path", "args"), cases(), ids=lambda v: str(v))
def test_bad_input_gives_one_line_not_a_traceback(
    corrupt_config: Path, path: str, args: list[str]
) -> None:
    if path in ("init", "sources list"):  # they need a broken config, not a broken database
        corrupt_config.write_text("[database\nurl =", encoding="utf-8")
    result = chipwatch(corrupt_config, *path.split(), *args, timeout=120)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode != 0, output
    if result.returncode == 2:  # typer's usage error names the option
        assert "Usage:" in result.stderr
    else:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1, output
        if errors[0].startswith("Error: database"):  # the broken database is named
            assert "chipwatch.db" in errors[0], errors[0]


def test_missing_config_is_one_line(tmp_path: Path) -> None:
    result = chipwatch(tmp_path / "nope.toml", "stats")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'nope.toml'}: no such config file (run `chipwatch init` to write one)"
    ]


def test_help_lists_search_once_and_no_internal_names(tmp_path: Path) -> None:
    result = chipwatch(tmp_path / "unused.toml", "--help")
    assert result.returncode == 0
    assert "search-cmd" not in result.stdout
    assert " search " in result.stdout


BAD_DATABASE_URLS = [
    "postgresql+psycopg://nobody@127.0.0.1:1/chipwatch",  # nothing listens there
    "postgresql+psycopg2://nobody@127.0.0.1/chipwatch",  # a driver chipwatch does not ship
    "mysql://nobody@127.0.0.1/chipwatch",  # a backend chipwatch does not support
]


@pytest.mark.parametrize(
    ("url", "command"),
    [(url, ["db", "current"]) for url in BAD_DATABASE_URLS]
    + [(BAD_DATABASE_URLS[0], ["search", "h20"])],
)
def test_a_bad_database_url_is_one_line(tmp_path: Path, url: str, command: list[str]) -> None:
    body = f'[database]\nurl = "{url}"\n' + source_block("Demo", feeds=["http://127.0.0.1:9/f"])
    result = chipwatch(write_config(tmp_path, body), *command, timeout=120)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode in (1, 3), output
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert "127.0.0.1" in line or "nobody@" in line, line
