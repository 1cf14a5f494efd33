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
    """A spawned pool worker imports the initializer's module and the module of each job
    it unpickles, then whatever those import as they run: Scrapy, Twisted, SQLAlchemy
    and the storage package would cost every worker most of a second of CPU and tens of
    MB for nothing. Checked in a real worker of the crawl's own pool, after a page."""
    heavy = {"scrapy", "twisted", "sqlalchemy", "storage", "alembic", "alerts", "chipwatch"}
    # the parent is `python -c`, as `python -m chipwatch` is a main module that spawn
    # does not run again in its workers
    script = f"""
from datetime import UTC
from crawler.pipelines import ExtractPipeline, extract_page
pool = ExtractPipeline(1, {{}})._new_pool()
page = "<html><body><article><h1>Nvidia H20</h1><p>" + "Nvidia liefert H20. " * 40 + "</p>"
result = pool.submit(extract_page, page + "</article></body></html>", "https://n.test/a", "de", UTC)
assert type(result.result()).__name__ == "WorkerResult"
loaded = pool.submit(eval, "{{m.split('.')[0] for m in __import__('sys').modules}}").result()
print(sorted(loaded & {heavy!r}), "trafilatura" in loaded)
pool.shutdown()
"""
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert found.stdout.strip() == "[] True"  # True: the page really was extracted there


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
