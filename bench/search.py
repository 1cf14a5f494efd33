"""Search over a large stored archive: how long `chipwatch search` takes for a two-term
query, a phrase and a wildcard over N stored (analysed) articles.

    python -m bench.search [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import ArticleRecord, open_database, search, store_articles, upgrade

WORDS = [
    "der",
    "die",
    "und",
    "mit",
    "für",
    "market",
    "company",
    "analysts",
    "said",
    "reported",
    "quarter",
    "year",
    "chips",
    "Rechenzentren",
    "Exportkontrollen",
    "Umsätze",
    "Lieferungen",
    "licence",
    "revenue",
    "shipments",
    "data",
    "centre",
    "cloud",
    "training",
    "inference",
    "memory",
    "foundry",
    "wafer",
    "packaging",
    "supply",
]
NAMES = [
    "Nvidia",
    "Nvidias",
    "H20",
    "H200",
    "Huawei",
    "Ascend",
    "Cambricon",
    "SMIC",
    "TSMC",
    "China",
    "Chinas",
    "寒武纪",
]
QUERIES = ("nvidia h20", '"huawei ascend"', "export* AND china", "cambricon NEAR/5 umsatz")


@dataclass(frozen=True)
class SearchBenchResult:
    articles: int
    store_seconds: float
    timings: dict[str, float]  # query → median seconds


def make_archive(path: Path, count: int, seed: int = 7) -> float:
    url = f"sqlite:///{path}"
    upgrade(url)
    sessions = open_database(url)
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for first in range(0, count, 2000):
        records = []
        for i in range(first, min(first + 2000, count)):
            words = [
                rng.choice(NAMES) if rng.random() < 0.04 else rng.choice(WORDS)
                for _ in range(rng.randint(80, 160))
            ]
            records.append(
                ArticleRecord(
                    url=f"https://b.example/{i}",
                    source="bench",
                    title=" ".join(rng.choices(NAMES + WORDS, k=6)),
                    text=" ".join(words),
                    content_hash=f"h{i}",
                    keys={f"https://b.example/{i}": f"https://b.example/{i}"},
                    fetched_at=start + timedelta(minutes=i),
                )
            )
        with sessions.begin() as session:
            store_articles(session, records)
    stored = time.perf_counter() - began
    sessions.kw["bind"].dispose()
    return stored


def run(count: int = 100_000) -> SearchBenchResult:
    with tempfile.TemporaryDirectory(prefix="chipwatch-search-") as folder:
        path = Path(folder) / "archive.db"
        stored = make_archive(path, count)
        sessions = open_database(f"sqlite:///{path}")
        timings = {}
        with sessions() as session:
            for query in QUERIES:
                runs = []
                for _ in range(5):
                    began = time.perf_counter()
                    search(session, query, limit=20)
                    runs.append(time.perf_counter() - began)
                timings[query] = statistics.median(runs)
        sessions.kw["bind"].dispose()
    return SearchBenchResult(count, stored, timings)


def report(result: SearchBenchResult) -> list[str]:
    lines = [
        f"search: {result.articles} stored articles "
        f"(stored and analysed in {result.store_seconds:.1f} s)"
    ]
    for query, seconds in result.timings.items():
        lines.append(f"  {query:28} {seconds * 1000:8.1f} ms (median of 5, 20 newest hits)")
    return lines


if __name__ == "__main__":
    print("\n".join(report(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))))
