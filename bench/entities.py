"""Entity tagging: quality on the labelled DE/EN/ZH table (tests/entity_cases.py) and
speed on one core over article-sized texts.

    python -m bench.entities [--articles N]

Quality: micro-averaged precision, recall and F1 over (sentence, entity) pairs, overall,
on the trap sentences and per language. Speed: `analysis.tagger.tag` over N generated
articles of 3–6 KB (the table's sentences among ordinary news filler of our own, in the
article's language), and over the seed articles in ../shared/seeds when they are there.
Nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.tagger import default_tagger, tag
from tests.entity_cases import CASES, Scores, score

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# Ordinary sentences without entities: what surrounds the names in a real article.
FILLER = {
    "en": (
        "Analysts said the outlook for the second half remained uncertain.",
        "The company did not respond to a request for comment on Friday.",
        "Demand from cloud providers has grown faster than most forecasts assumed.",
        "Officials in several capitals are watching the negotiations closely.",
        "Investors have poured money into the sector over the past two years.",
        "The report cited people familiar with the matter who asked not to be named.",
        "Prices for older products fell as new models reached the market.",
        "Executives expect supply to stay tight until at least next spring.",
    ),
    "de": (
        "Analysten rechnen im zweiten Halbjahr mit einer leichten Erholung.",
        "Eine Stellungnahme des Unternehmens lag zunächst nicht vor.",
        "Die Nachfrage der Cloud-Anbieter wächst schneller als erwartet.",
        "In mehreren Hauptstädten werden die Verhandlungen genau beobachtet.",
        "Anleger haben in den vergangenen zwei Jahren viel Geld in die Branche gesteckt.",
        "Der Bericht beruft sich auf Personen, die mit der Angelegenheit vertraut sind.",
        "Die Preise älterer Produkte sind zuletzt deutlich gefallen.",
        "Die Lieferengpässe dürften bis zum kommenden Frühjahr anhalten.",
    ),
    "zh": (
        "分析人士认为下半年的前景仍不明朗。",
        "截至发稿时，该公司尚未回应置评请求。",
        "云服务商的需求增长快于大多数预测。",
        "多国官员正密切关注谈判进展。",
        "过去两年投资者向该行业投入了大量资金。",
        "报道援引知情人士的话称，相关安排尚未最终确定。",
        "随着新款产品上市，旧款产品价格有所下降。",
        "业内人士预计供应紧张的局面将持续到明年春季。",
    ),
}


@dataclass(frozen=True)
class EntitiesBenchResult:
    overall: Scores
    traps: Scores
    by_language: dict[str, Scores]
    sentences: int
    trap_sentences: int
    articles: int
    mean_article_bytes: int
    articles_per_second: float
    seed_articles_per_second: float | None


def make_articles(count: int, seed: int = 7) -> list[str]:
    """COUNT articles of 3–6 KB (UTF-8), each in one language: about one table sentence
    for every two filler sentences."""
    rng = random.Random(seed)
    by_language = {lang: [c.text for c in CASES if c.language == lang] for lang in FILLER}
    articles = []
    for _ in range(count):
        language = rng.choice(sorted(FILLER))
        target = rng.randint(3000, 6000)
        parts: list[str] = []
        size = 0
        while size < target:
            pool = by_language[language] if rng.random() < 0.35 else FILLER[language]
            sentence = rng.choice(pool)
            parts.append(sentence)
            size += len(sentence.encode("utf-8")) + 1
        articles.append(("" if language == "zh" else " ").join(parts))
    return articles


def _rate(texts: Sequence[str], rounds: int = 1) -> float:
    tag(texts[0])  # the automaton is built once, outside the timing
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            tag(text)
    return rounds * len(texts) / (time.perf_counter() - started)


def run(articles: int = 2000) -> EntitiesBenchResult:
    default_tagger()

    def ids(text: str) -> set[str]:
        return {m.entity for m in tag(text)}

    traps = [c for c in CASES if c.trap]
    generated = make_articles(articles)
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return EntitiesBenchResult(
        overall=score(CASES, ids),
        traps=score(traps, ids),
        by_language={
            lang: score([c for c in CASES if c.language == lang], ids)
            for lang in ("de", "en", "zh")
        },
        sentences=len(CASES),
        trap_sentences=len(traps),
        articles=len(generated),
        mean_article_bytes=sum(len(a.encode("utf-8")) for a in generated) // len(generated),
        articles_per_second=_rate(generated),
        seed_articles_per_second=_rate(seeds, rounds=100) if seeds else None,
    )


def _line(label: str, s: Scores) -> str:
    return (
        f"{label:<22} precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}"
        f"  (tp {s.tp}, fp {s.fp}, fn {s.fn})"
    )


def report(result: EntitiesBenchResult) -> list[str]:
    lines = [
        f"Entity tagging: {result.sentences} labelled sentences "
        f"({result.trap_sentences} traps), tests/entity_cases.py",
        _line("overall", result.overall),
        _line("traps", result.traps),
    ]
    lines += [_line(f"  {lang}", s) for lang, s in result.by_language.items()]
    lines.append(
        f"{'speed, one core':<22} {result.articles_per_second:.0f} articles/s "
        f"({result.articles} generated articles, {result.mean_article_bytes / 1024:.1f} KiB mean)"
    )
    if result.seed_articles_per_second is not None:
        lines.append(
            f"{'speed, seed articles':<22} {result.seed_articles_per_second:.0f} articles/s"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.entities", description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="generated articles to tag")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    print("\n".join(report(run(args.articles))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
