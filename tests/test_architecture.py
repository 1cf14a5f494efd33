"""The design's lines, held by tests: data flows crawler → storage ← alerts, and the
installed package puts nothing but `chipwatch` into site-packages."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imported_modules(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        (
            "storage",
            (
                "chipwatch.crawler",
                "chipwatch.alerts",
                "chipwatch.cli",
                "chipwatch.config",
                "scrapy",
            ),
        ),
        ("crawler", ("chipwatch.alerts", "chipwatch.cli", "chipwatch.jobs")),
        ("alerts", ("chipwatch.crawler", "scrapy")),
    ],
)
def test_data_flows_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    modules = imported_modules(REPO / folder)
    offending = sorted(m for m in modules if m.startswith(forbidden))
    assert offending == []


def test_wheel_installs_only_the_chipwatch_namespace(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("chipwatch-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"chipwatch"}
    names = zipfile.ZipFile(wheel).namelist()
    for module in (
        "chipwatch/storage/models.py",
        "chipwatch/crawler/spiders/news.py",
        "chipwatch/alerts/__init__.py",
        "chipwatch/cli.py",
    ):
        assert module in names
