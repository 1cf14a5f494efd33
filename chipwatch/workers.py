"""`chipwatch crawl --workers N`: N worker processes on this machine, each one
`chipwatch crawl --worker`, sharing the run's frontier in Redis (crawler/frontier.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chipwatch.config import Config
from chipwatch.errors import AppError


class NoFrontierError(AppError):
    """Several workers asked for, but no shared frontier configured."""


def require_frontier(config: Config, option: str) -> str:
    url = config.crawl.redis_url
    if url is None:
        raise NoFrontierError(
            f"{config.path}: {option} needs a shared frontier: set [crawl] redis_url "
            '(e.g. "redis://127.0.0.1:6379/0")'
        )
    return url


@dataclass(frozen=True)
class WorkerResult:
    name: str
    exit_code: int


def run_workers(
    config_path: Path,
    count: int,
    sources: Sequence[str] | None,
    spider: str,
    verbose: bool,
) -> list[WorkerResult]:
    """Start `count` workers and wait for all of them. Their problems go to this stderr;
    each logs to `chipwatch-worker-<n>.log` beside the config (stderr with --verbose)."""
    args = ["--spider", spider, *(a for s in sources or () for a in ("--source", s))]
    if verbose:
        args.append("--verbose")
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for n in range(1, count + 1):
            name = str(n)
            argv = [sys.executable, "-m", "chipwatch", "--config", str(config_path), "crawl"]
            procs[name] = subprocess.Popen(
                [*argv, "--worker", "--name", name, *args], stdout=subprocess.DEVNULL
            )
        return [WorkerResult(name, proc.wait()) for name, proc in procs.items()]
    finally:
        for proc in procs.values():  # interrupted: take the workers down with us
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
