"""The real `chipwatch crawl`, run in a subprocess against the benchmark site: the config
it reads, the run itself (wall-clock time, exit status, peak memory) and what it left
behind (stored articles, problems in chipwatch.log)."""

from __future__ import annotations

import os
import re
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTICLE_PATTERN = r"/news/\d{4}/\d{2}/[^/]+\.html$"
DB_NAME = "bench.db"
LOG_NAME = "chipwatch.log"  # written by the crawl beside the config
# Scrapy's log format: "2026-11-23 21:53:01 [logger] LEVEL: message"
_LOG_LEVEL_RE = re.compile(r"^\S+ \S+ \[[^\]]+\] (WARNING|ERROR|CRITICAL):")


def write_config(
    folder: Path, base_url: str, sitemap: str = "/sitemap_index.xml", *, autothrottle: bool = True
) -> Path:
    """A config for the bench site. `autothrottle=False` for the throughput runs: on one
    local host, AutoThrottle's pacing (about one request in flight, by design) would
    measure politeness towards that host, not the machine; a real crawl spreads over
    many hosts, each paced on its own."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "chipwatch.toml"
    config.write_text(
        f"""# chipwatch benchmark: a generated local news site on {base_url}
[database]
url = "sqlite:///{DB_NAME}"

[crawl]
delay = 0               # the local site needs no spacing
autothrottle = {str(autothrottle).lower()}
concurrency = 16
per_host_concurrency = 16
max_article_age_days = 0
obey_robots = true
extract_workers = 0     # one per CPU, as in production
timeout = 30
retries = 1

[[sources]]
name = "Bench News"
language = "de"
sitemaps = ["{base_url}{sitemap}"]
follow = '{ARTICLE_PATTERN}'
""",
        encoding="utf-8",
    )
    return config


@dataclass
class CrawlRun:
    seconds: float
    exit_code: int
    peak_rss_mib: float  # largest single process of the crawl's process tree
    main_rss_mib: float  # the crawl's own process (Scrapy, the reactor, the store writer)
    worker_rss_mib: float  # the largest of its child processes (extraction workers)
    cpu_seconds: float  # user + system time of the crawl and its extraction workers
    main_cpu_seconds: float  # … of the crawl's own process
    server_cpu_seconds: float  # this process (the site's server threads) meanwhile
    stored_articles: int
    log_problems: dict[str, int] = field(default_factory=dict)  # level -> count
    log_samples: list[str] = field(default_factory=list)
    stderr_tail: str = ""


def run_crawl(config: Path) -> CrawlRun:
    """`python -m chipwatch --config CONFIG crawl`, timed from spawn to exit."""
    argv = [sys.executable, "-m", "chipwatch", "--config", str(config), "crawl"]
    return run_process(argv, config.parent, DB_NAME)


def run_reference(folder: Path, sitemap_url: str) -> CrawlRun:
    """The reference spider (bench/reference.py) into its own SQLite file."""
    folder.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench.reference", sitemap_url, "reference.db", ARTICLE_PATTERN]
    return run_process(argv, folder, "reference.db", log=None)


def run_process(
    argv: list[str], folder: Path, database: str, log: str | None = LOG_NAME
) -> CrawlRun:
    """Run a crawl command in `folder`, timed from spawn to exit, its memory watched."""
    env = {**os.environ}
    for name in ("CHIPWATCH_CONFIG", "CHIPWATCH_DATABASE_URL"):
        env.pop(name, None)  # the benchmark's own config and database, nothing else
    # `bench` itself is not installed: the reference spider imports it from here
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    with (
        (folder / "crawl.stdout").open("wb") as out,
        (folder / "crawl.stderr").open("wb") as err,
    ):
        server_before = _own_cpu_seconds()
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=folder, env=env
        )
        watch = MemoryWatch(process.pid)
        # Wait for the exit without reaping it: the process's own CPU time is then read
        # whole from /proc (a zombie keeps its stat), not as of the watch's last poll.
        main_cpu = None
        if hasattr(os, "waitid"):  # not on every platform (macOS before Python 3.13)
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
            main_cpu = _cpu_seconds(process.pid)
        # wait4 rather than wait: it also reports this child's resource usage, whose
        # ru_maxrss covers its waited-for children (the extraction workers) too.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        watch.stop()
        server_cpu = _own_cpu_seconds() - server_before
    process.returncode = os.waitstatus_to_exitcode(status)
    problems, samples = scan_log(folder / log) if log else ({}, [])
    stderr = (folder / "crawl.stderr").read_text(encoding="utf-8", errors="replace")
    return CrawlRun(
        seconds=seconds,
        exit_code=process.returncode,
        peak_rss_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
        main_rss_mib=watch.peaks.get(process.pid, 0) / 1024,
        worker_rss_mib=max(
            (kib for pid, kib in watch.peaks.items() if pid != process.pid), default=0
        )
        / 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        main_cpu_seconds=main_cpu or 0.0,
        server_cpu_seconds=server_cpu,
        stored_articles=count_articles(folder / database),
        log_problems=problems,
        log_samples=samples,
        stderr_tail=stderr[-2000:],
    )


class MemoryWatch:
    """Peak RSS (VmHWM, in KiB) of a process and of its descendants, read from /proc a
    few times a second on a thread of its own (Linux only; empty elsewhere)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for pid in self._tree(self.pid):
                kib = _peak_kib(pid)
                if kib:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kib)

    def _tree(self, pid: int) -> list[int]:
        found, queue = [], [pid]
        while queue:
            current = queue.pop()
            found.append(current)
            # each thread's own children: a process pool may start its workers from any
            for children in Path(f"/proc/{current}/task").glob("*/children"):
                try:
                    queue += [int(child) for child in children.read_text().split()]
                except OSError:
                    continue
        return found


def _peak_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def _cpu_seconds(pid: int) -> float | None:
    """User + system time of a process not yet reaped (proc(5): the fields after the
    command's closing parenthesis; utime and stime are the 12th and 13th of them)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def count_articles(database: Path) -> int:
    if not database.exists():
        return 0
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        (count,) = connection.execute("SELECT count(*) FROM articles").fetchone()
    return int(count)


def scan_log(path: Path, max_samples: int = 5) -> tuple[dict[str, int], list[str]]:
    """Count WARNING/ERROR/CRITICAL lines (and tracebacks) in the crawl's log file."""
    counts: dict[str, int] = {}
    samples: list[str] = []
    if not path.exists():
        return {"missing log file": 1}, []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _LOG_LEVEL_RE.match(line)
        level = match.group(1) if match else ("Traceback" if line.startswith("Traceback") else "")
        if not level:
            continue
        counts[level] = counts.get(level, 0) + 1
        if len(samples) < max_samples:
            samples.append(line[:300])
    return counts, samples
