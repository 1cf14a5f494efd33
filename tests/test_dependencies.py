"""The pins in pyproject.toml are what the venv runs, and the libraries kept for the
next steps (migrations, PostgreSQL, URL and date handling) import beside them."""

from __future__ import annotations

import importlib
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"(?P<name>[A-Za-z0-9_.-]+)(?:\[[\w,]+\])?==(?P<version>[\w.]+)")


def pins() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


@pytest.mark.parametrize("pin", pins())
def test_every_dependency_is_pinned_and_installed_at_its_pin(pin: str) -> None:
    match = PIN.fullmatch(pin)
    assert match, f"{pin!r} is not an exact pin"
    assert metadata.version(match["name"]) == match["version"]


@pytest.mark.parametrize(
    "module", ["alembic", "psycopg", "tldextract", "charset_normalizer", "dateutil.parser"]
)
def test_dependencies_for_the_next_steps_import(module: str) -> None:
    importlib.import_module(module)
