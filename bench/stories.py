"""Story grouping and deduplication on the labelled set: quality and speed.

    python -m bench.stories [--repeat N] [--embed]

Prints pairwise precision/recall/F1, cross-language recall and the near-miss false
merge rate of the grouper on tests/fixtures/stories.jsonl; an F1-versus-threshold curve
with a check that the configured threshold sits on a plateau; the seed check; dedup
precision and recall on the near-copy set; and articles per second for grouping and for
deduplication (the labelled set repeated N times, each copy a month later). Nothing is
asserted on timings; the exit status is 1 when the threshold is not on a plateau.
`--embed` adds the same figures with a multilingual sentence embedding (bench/embedding.py;
one line saying it was skipped when the `embed` extra is not installed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from analysis.dedup import DuplicateIndex
from analysis.stories import StoryArticle, StoryConfig, StoryGrouper
from bench.embedding import report as embedding_report
from bench.storyset import (
    FIXTURE,
    HOLDOUT,
    Labelled,
    StoryMetrics,
    dedup_cases,
    entity_extractor,
    evaluate,
    group,
    load,
    run,
    seed_articles,
    to_articles,
)

CURVE = tuple(round(0.10 + 0.02 * i, 2) for i in range(21))  # 0.10 … 0.50
PLATEAU_RADIUS = 0.05  # the threshold ± this …
PLATEAU_DROP = 0.05  # … may lose at most this much F1


@dataclass(frozen=True)
class DedupResult:
    precision: float
    recall: float
    copies: int
    negatives: int
    false_flags: int


def curve(
    rows: Sequence[Labelled], articles: Sequence[StoryArticle], base: StoryConfig
) -> list[tuple[float, StoryMetrics]]:
    out = []
    for threshold in sorted({*CURVE, base.threshold}):
        cfg = replace(base, threshold=threshold)
        out.append((threshold, evaluate(rows, articles, group(articles, cfg), cfg.window)))
    return out


def plateau(points: Sequence[tuple[float, StoryMetrics]], threshold: float) -> tuple[bool, float]:
    """(on a plateau, lowest F1 within ±PLATEAU_RADIUS of the threshold)."""
    at = next(m.f1 for t, m in points if t == threshold)
    near = [m.f1 for t, m in points if abs(t - threshold) <= PLATEAU_RADIUS + 1e-9]
    low = min(near)
    return at - low <= PLATEAU_DROP, low


def seed_check() -> str:
    articles = seed_articles()
    if articles is None:
        return "skipped: ../shared/seeds not found"
    grouper = StoryGrouper()
    story = {str(a.article): a.story for a in grouper.add_all(articles)}
    together = story["000"] == story["004"]
    apart = len({story[k] for k in ("000", "001", "002", "003")}) == 4
    groups = sorted({tuple(sorted(k for k in story if story[k] == s)) for s in story.values()})
    verdict = "ok" if together and apart else "NOT OK"
    return f"{verdict}: stories {', '.join('+'.join(g) for g in groups)}"


def dedup_quality(rows: Sequence[Labelled]) -> DedupResult:
    """Every article indexed; each near or exact copy must find its original; each
    article, looked up against all the others (its same-event siblings included),
    must find nothing."""
    index = DuplicateIndex()
    for r in rows:
        index.add(r.id, r.text)
    cases = dedup_cases(rows)
    found = 0
    for case in cases:
        hit = index.find(case.query)
        found += hit is not None and hit.id == case.original
    false_flags = 0
    for r in rows:
        index.remove(r.id)
        false_flags += index.find(r.text) is not None
        index.add(r.id, r.text)
    flagged = found + false_flags
    return DedupResult(
        precision=found / flagged if flagged else 1.0,
        recall=found / len(cases),
        copies=len(cases),
        negatives=len(rows),
        false_flags=false_flags,
    )


def shifted(articles: Sequence[StoryArticle], repeat: int) -> list[StoryArticle]:
    out: list[StoryArticle] = []
    for i in range(repeat):
        delta = timedelta(days=30 * i)
        out.extend(replace(a, id=f"{a.id}#{i}", published=a.published + delta) for a in articles)
    return out


def speeds(articles: Sequence[StoryArticle], repeat: int) -> tuple[int, float, float]:
    many = shifted(articles, repeat)
    t0 = time.perf_counter()
    StoryGrouper().add_all(many)
    group_rate = len(many) / (time.perf_counter() - t0)
    index = DuplicateIndex()
    t0 = time.perf_counter()
    for a in many:
        # a new article is looked up, then recorded: what the analyse stage does
        index.find(a.text)
        index.add(a.id, a.text)
    dedup_rate = len(many) / (time.perf_counter() - t0)
    return len(many), group_rate, dedup_rate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stories", description=__doc__)
    parser.add_argument(
        "--repeat", type=int, default=20, help="copies of the labelled set timed (default 20)"
    )
    parser.add_argument(
        "--embed",
        action="store_true",
        help="also measure the grouper with a multilingual embedding (the embed extra)",
    )
    args = parser.parse_args(argv)
    lines, ok = report(args.repeat)
    print("\n".join(lines))
    if args.embed:
        print()
        print("\n".join(embedding_report()), flush=True)
    return 0 if ok else 1


def held_out(cfg: StoryConfig) -> str:
    """The labelled set with the held-out events mixed in (never tuned on)."""
    m, _ = run(cfg, (FIXTURE, HOLDOUT))
    missed = ", ".join("+".join(pair) for pair in m.missed) or "none"
    return (
        f"P {m.precision:.3f} R {m.recall:.3f} F1 {m.f1:.3f}, cross-language "
        f"{m.cross_language_recall:.3f}, near-miss merges {m.near_miss_false_merge_rate:.1%}"
        f" (missed pairs: {missed})"
    )


def report(repeat: int = 20) -> tuple[list[str], bool]:
    rows = load()
    extractor, extract = entity_extractor()
    articles = to_articles(rows, extract)
    cfg = StoryConfig()
    points = curve(rows, articles, cfg)
    m = next(metrics for t, metrics in points if t == cfg.threshold)
    on_plateau, low = plateau(points, cfg.threshold)
    lines = [
        "Stories (tests/fixtures/stories.jsonl)",
        f"  set                     {m.articles} articles, {m.events} events; "
        f"{m.pairs} pairs within {cfg.window.days} days: {m.positive_pairs} same-event "
        f"pairs, {m.near_miss_pairs} near misses ({m.near_miss_pairs / m.pairs:.0%})",
        f"  entities                {extractor}",
        f"  threshold               {cfg.threshold:.2f}",
        f"  pairwise P / R / F1     {m.precision:.3f} / {m.recall:.3f} / {m.f1:.3f}",
        f"  cross-language recall   {m.cross_language_recall:.3f}",
        f"  near-miss false merges  {m.near_miss_false_merge_rate:.1%}",
        f"  overviews merged        {m.overview_merged}",
        f"  seeds                   {seed_check()}",
        f"  with the held-out set   {held_out(cfg)}",
        "  F1 by threshold:",
    ]
    for t, pm in points:
        bar = "#" * round(pm.f1 * 40)
        mark = "  <- threshold" if t == cfg.threshold else ""
        lines.append(
            f"    {t:.2f}  F1 {pm.f1:.3f}  P {pm.precision:.3f}  R {pm.recall:.3f}  {bar}{mark}"
        )
    lines.append(
        f"  plateau                 {'yes' if on_plateau else 'NO'}: lowest F1 within "
        f"±{PLATEAU_RADIUS} is {low:.3f}"
    )
    d = dedup_quality(rows)
    count, group_rate, dedup_rate = speeds(articles, repeat)
    lines += [
        "",
        "Deduplication (near and exact copies of the labelled articles)",
        f"  precision / recall      {d.precision:.3f} / {d.recall:.3f} "
        f"({d.copies} copies; {d.false_flags} of {d.negatives} independent same-event "
        "articles flagged)",
        "",
        f"Speed ({count} articles, one core)",
        f"  grouping                {group_rate:,.0f} articles/s (with evidence extraction)",
        f"  dedup find + add        {dedup_rate:,.0f} articles/s",
    ]
    return lines, on_plateau


if __name__ == "__main__":
    sys.exit(main())
