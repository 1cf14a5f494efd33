"""The design's lines, held by tests: data flows crawler → storage ← alerts, `analysis`
is usable by all and uses none of them, the app layer `chipwatch` wires them, and the
wheel installs exactly the project's own top-level packages."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("alerts", "analysis", "chipwatch", "crawler", "storage")

# Scrapy's entry point (scrapy.cfg → crawler.settings) reads the app's config: the one
# place where a crawler module may import the app layer.
ALLOWED = {("crawler/settings.py", "chipwatch.config")}


def imports(folder: Path) -> set[tuple[str, str]]:
    """(file, module) for every import in the folder, function-level ones included."""
    found: set[tuple[str, str]] = set()
    for path in folder.rglob("*.py"):
        where = path.relative_to(REPO).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update((where, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add((where, node.module))
    return found


def forbidden_imports(folder: str, forbidden: tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted(
        (where, module)
        for where, module in imports(REPO / folder)
        if (module.split(".")[0] in forbidden) and (where, module) not in ALLOWED
    )


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("analysis", ("crawler", "storage", "alerts", "chipwatch", "scrapy", "sqlalchemy")),
        ("storage", ("crawler", "alerts", "chipwatch", "scrapy")),
        ("crawler", ("alerts", "chipwatch")),
        ("alerts", ("crawler", "chipwatch", "scrapy")),
    ],
)
def test_data_flows_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    assert forbidden_imports(folder, forbidden) == []


def test_an_extraction_worker_loads_neither_scrapy_nor_the_database() -> None:
    """A pool worker starts by importing the module of the job it runs (it unpickles the
    function by name) and the initializer's: Scrapy, Twisted, SQLAlchemy and the storage
    package would cost every worker most of a second of CPU and tens of MB for nothing."""
    from crawler.extract import warm_up
    from crawler.worker import extract_page

    heavy = {"scrapy", "twisted", "sqlalchemy", "storage", "alembic", "alerts", "chipwatch"}
    script = (
        f"import sys, {extract_page.__module__}, {warm_up.__module__}; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy!r}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert found.stdout.strip() == "[]"


def test_the_check_sees_function_level_imports(tmp_path: Path) -> None:
    module = REPO / "alerts" / "_probe_for_architecture_test.py"
    module.write_text("def f():\n    from chipwatch.config import Config\n", encoding="utf-8")
    try:
        assert forbidden_imports("alerts", ("chipwatch",)) == [
            ("alerts/_probe_for_architecture_test.py", "chipwatch.config")
        ]
    finally:
        module.unlink()


def test_wheel_installs_exactly_the_projects_packages(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("chipwatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == set(PACKAGES)
    for module in (
        "storage/models.py",
        "crawler/spiders/news.py",
        "crawler/settings.py",
        "analysis/matcher.py",
        "alerts/templates/alert.html.j2",
        "chipwatch/cli.py",
        "storage/migrations/env.py",
        "storage/migrations/script.py.mako",
        "storage/migrations/versions/0001_initial.py",
    ):
        assert module in names
