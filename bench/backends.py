"""SQLite vs PostgreSQL: storing the same batch of articles (as the crawl's store stage
does: batches of 50, each one transaction, analysed on the way in), by one writer and
by two at once; the analyse stage over all of them (tags, duplicates, stories); and
searching the result.

    python -m bench.backends [N]

PostgreSQL is the server at $CHIPWATCH_BENCH_POSTGRES_URL (default
postgresql+psycopg://127.0.0.1:5432/test); the benchmark makes a database of its own
there and drops it afterwards. Without a reachable server only SQLite is measured.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

from sqlalchemy.exc import SQLAlchemyError

from bench.search import NAMES, QUERIES, WORDS
from storage import ArticleRecord, open_database, search, store_articles, upgrade
from storage.engine import release_shared_engine
from storage.stage import analyse_pending
from tests.databases import scratch_postgres

ADMIN_URL = os.environ.get(
    "CHIPWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)
BATCH = 50


@dataclass
class BackendResult:
    backend: str
    one_writer_per_s: float = 0.0
    two_writers_per_s: float = 0.0
    analyse_per_s: float = 0.0  # the analyse stage over everything stored
    search_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class BackendsResult:
    articles: int
    results: list[BackendResult]
    skipped: str | None = None  # why PostgreSQL was not measured


def articles(count: int, prefix: str, seed: int = 11) -> list[ArticleRecord]:
    rng = Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for i in range(count):
        words = [
            rng.choice(NAMES) if rng.random() < 0.04 else rng.choice(WORDS)
            for _ in range(rng.randint(80, 160))
        ]
        url = f"https://{prefix}.example/{i}"
        records.append(
            ArticleRecord(
                url=url,
                source="bench",
                title=" ".join(rng.choices(NAMES + WORDS, k=6)),
                text=" ".join(words),
                content_hash=f"{prefix}{i}",
                keys={url: url},
                fetched_at=start + timedelta(minutes=i),
            )
        )
    return records


def store(url: str, records: Sequence[ArticleRecord]) -> None:
    sessions = open_database(url)
    for first in range(0, len(records), BATCH):
        with sessions.begin() as session:
            store_articles(session, records[first : first + BATCH])


def measure(backend: str, url: str, count: int) -> BackendResult:
    result = BackendResult(backend)
    upgrade(url)
    one = articles(count, "one")
    began = time.perf_counter()
    store(url, one)
    result.one_writer_per_s = count / (time.perf_counter() - began)
    # two writers, each half of another batch of the same size, at the same time
    two = articles(count, "two")
    halves = [two[: count // 2], two[count // 2 :]]
    threads = [threading.Thread(target=store, args=(url, half)) for half in halves]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.two_writers_per_s = count / (time.perf_counter() - began)
    began = time.perf_counter()
    report = analyse_pending(open_database(url))
    result.analyse_per_s = report.analysed / (time.perf_counter() - began)
    with open_database(url)() as session:
        for query in QUERIES:
            runs = []
            for _ in range(5):
                began = time.perf_counter()
                search(session, query, limit=20)
                runs.append(time.perf_counter() - began)
            result.search_ms[query] = statistics.median(runs) * 1000
    release_shared_engine(url)
    return result


def run(count: int = 5_000) -> BackendsResult:
    results = []
    with tempfile.TemporaryDirectory(prefix="chipwatch-backends-") as folder:
        results.append(measure("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", count))
    try:
        with scratch_postgres(ADMIN_URL, "chipwatch_bench") as url:
            results.append(measure("postgresql", url, count))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return BackendsResult(count, results, f"PostgreSQL not measured: {reason}")
    return BackendsResult(count, results)


def report(result: BackendsResult) -> list[str]:
    lines = [
        f"backends: storing {result.articles} articles (batches of {BATCH}, analysed on the "
        "way in), then searching them"
    ]
    for r in result.results:
        lines.append(
            f"  {r.backend:11} one writer {r.one_writer_per_s:7.0f} articles/s · "
            f"two writers {r.two_writers_per_s:7.0f} articles/s · "
            f"analyse stage {r.analyse_per_s:6.0f} articles/s"
        )
        for query, ms in r.search_ms.items():
            lines.append(f"  {'':11} search {query:28} {ms:7.1f} ms")
    if result.skipped:
        lines.append(f"  {result.skipped}")
    return lines


if __name__ == "__main__":
    print("\n".join(report(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000))))
