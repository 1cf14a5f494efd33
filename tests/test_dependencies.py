"""The pins in pyproject.toml are what the venv runs, and the libraries kept for the
next steps (migrations, PostgreSQL, URL and date handling) import beside them."""

from __future__ import annotations

import importlib
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"(?P<name>[A-Za-z0-9_.-]+)(?:\[[\w,]+\])?==(?P<version>[\w.]+)")


def pins() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


@pytest.mark.parametrize("pin", pins())
def test_every_dependency_is_pinned_and_installed_at_its_pin(pin: str) -> None:
    requirement, _, marker = pin.partition(";")
    match = PIN.fullmatch(requirement.strip())
    assert match, f"{pin!r} is not an exact pin"
    if marker and not Marker(marker).evaluate():
        return  # not for this Python: e.g. a backport of what its standard library has
    assert metadata.version(match["name"]) == match["version"]


@pytest.mark.parametrize(
    "module", ["alembic", "psycopg", "tldextract", "charset_normalizer", "dateutil.parser"]
)
def test_dependencies_for_the_next_steps_import(module: str) -> None:
    importlib.import_module(module)


def constraints() -> dict[str, str]:
    lines = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pinned = (PIN.fullmatch(line.strip()) for line in lines)
    return {m["name"].lower(): m["version"] for m in pinned if m}


def extra_pins() -> list[str]:
    """The pins of the optional extras other than dev (`embed`)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = project["optional-dependencies"]
    return [pin for name, group in groups.items() if name != "dev" for pin in group]


@pytest.mark.parametrize("pin", extra_pins())
def test_optional_extras_are_pinned_in_pyproject_and_constraints(pin: str) -> None:
    """An extra (`embed`) is not installed by `make test`, but pinned like the rest."""
    match = PIN.fullmatch(pin)
    assert match, f"{pin!r} is not an exact pin"
    assert constraints().get(match["name"].lower()) == match["version"], pin
