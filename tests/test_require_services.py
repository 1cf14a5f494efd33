"""CHIPWATCH_REQUIRE_SERVICES=1 (CI) turns every skip into a failure, except a test for
an optional extra that is not installed; without it a test that lacks a service skips
with its reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PROBE = """
import pytest

def test_needs_a_service():
    pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")

@pytest.mark.skipif(True, reason="../shared/seeds not present")
def test_needs_seeds():
    pass

@pytest.mark.extra("absent", "chipwatch_probe_no_such_module")
def test_needs_an_optional_extra():
    pass
"""


def run_probe(tmp_path: Path, require: bool) -> subprocess.CompletedProcess[str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CHIPWATCH_REQUIRE_SERVICES"}
    if require:
        env["CHIPWATCH_REQUIRE_SERVICES"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rA",
            "--confcutdir",
            str(REPO / "tests"),
            "-p",
            "tests.conftest",
            str(probe),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_skips_fail_when_services_are_required(tmp_path: Path) -> None:
    result = run_probe(tmp_path, require=True)
    assert result.returncode == 1, result.stdout
    # a skip in the test body fails it; a skip marker fails its setup (an error); a
    # missing optional extra is not a service and stays a skip
    assert "1 failed, 1 skipped, 1 error" in result.stdout
    assert "PostgreSQL is not reachable" in result.stdout
    assert "optional 'absent' extra is not installed" in result.stdout
    assert "../shared/seeds not present" in result.stdout


def test_skips_stay_skips_with_their_reason_otherwise(tmp_path: Path) -> None:
    result = run_probe(tmp_path, require=False)
    assert result.returncode == 0, result.stdout
    assert "3 skipped" in result.stdout
    assert "pip install -c constraints.txt -e '.[absent]'" in result.stdout
    assert "../shared/seeds not present" in result.stdout
