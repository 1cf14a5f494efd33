"""Shared fixtures: a config in a temporary folder and the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def write_config(folder: Path, body: str) -> Path:
    path = folder / "chipwatch.toml"
    path.write_text(body, encoding="utf-8")
    return path


def source_block(
    name: str,
    *,
    feeds: list[str] = (),  # type: ignore[assignment]
    sitemaps: list[str] = (),  # type: ignore[assignment]
    pages: list[str] = (),  # type: ignore[assignment]
    follow: str | None = None,
    language: str = "de",
) -> str:
    def toml_list(urls: list[str]) -> str:
        return "[" + ", ".join(f'"{u}"' for u in urls) + "]"

    lines = [
        "[[sources]]",
        f'name = "{name}"',
        f'language = "{language}"',
        f"feeds = {toml_list(list(feeds))}",
        f"sitemaps = {toml_list(list(sitemaps))}",
        f"pages = {toml_list(list(pages))}",
    ]
    if follow:
        lines.append(f"follow = '{follow}'")
    return "\n".join(lines) + "\n"


FAST_CRAWL = """
[database]
url = "sqlite:///chipwatch.db"

[crawl]
delay = 0
timeout = 10
retries = 1
extract_workers = 2
max_article_age_days = 0
"""


def chipwatch(
    config: Path,
    *args: str,
    timeout: float = 180,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m chipwatch --config CONFIG ARGS…` in its own process, as cron runs it."""
    return subprocess.run(
        [sys.executable, "-m", "chipwatch", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m chipwatch …` as cron would: no TTY, its own process."""

    def run(
        *args: str, config: Path | None = None, timeout: float = 120, **env: str
    ) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "chipwatch"]
        if config is not None:
            argv += ["--config", str(config)]
        environment = {**os.environ, **env}
        environment.pop("CHIPWATCH_CONFIG", None)
        return subprocess.run(
            argv + list(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp_path,
            env=environment,
        )

    return run


REQUIRE_SERVICES = os.environ.get("CHIPWATCH_REQUIRE_SERVICES") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """With CHIPWATCH_REQUIRE_SERVICES=1 (set by .ci/run) a test that skips for want of a
    service, a mount or ../shared/seeds fails instead: CI must run everything."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but CHIPWATCH_REQUIRE_SERVICES=1 requires it: {reason}"
