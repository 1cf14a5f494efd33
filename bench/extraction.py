"""Extraction quality and cost per Trafilatura setting, on a labelled corpus of real pages
in Trafilatura's evaluation format: `evaldata.json` maps each page's URL to its `file`
(looked up in the folders given) and to snippets its text must contain (`with`) and
must not (`without`, boilerplate). Trafilatura's own corpus is one (its repository's
`tests/evaldata.json`, pages in `tests/eval` and `tests/cache`); none is kept here.

    python -m bench.extraction EVALDATA.json FOLDER [FOLDER …] [--limit N]

Each setting runs chipwatch's `extract_article` (headline, language, analysis and all)
over every page, in a process of its own, timed after an untimed pass over the first
pages; a snippet counts when the title or text holds it,
whitespace-normalised. Printed per setting: precision, recall and F1 over the
snippets, pages with no article at all, and CPU ms per page.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from w3lib.encoding import html_to_unicode

from crawler.extract import (
    EXTRACTION_SETTINGS,
    ExtractedArticle,
    ExtractionSettings,
    extract_article,
)

WARM_UP = 30

SETTINGS = {
    "chipwatch: precision, fallbacks if short, then recall": EXTRACTION_SETTINGS,
    "precision, fallbacks, then recall": ExtractionSettings(
        otherwise=ExtractionSettings(favor_precision=False, favor_recall=True, only_if_longer=True)
    ),
    "precision, fallbacks": ExtractionSettings(),
    "precision, no fallbacks": ExtractionSettings(fast=True),
    "balanced, fallbacks (Trafilatura's default)": ExtractionSettings(favor_precision=False),
    "balanced, no fallbacks": ExtractionSettings(favor_precision=False, fast=True),
    "recall, fallbacks": ExtractionSettings(favor_precision=False, favor_recall=True),
}


@dataclass(frozen=True)
class Labelled:
    url: str
    html: str
    with_: tuple[str, ...]
    without: tuple[str, ...]


@dataclass(frozen=True)
class Score:
    setting: str
    found: int  # `with` snippets in the text
    missed: int
    leaked: int  # `without` snippets in the text
    kept_out: int
    no_article: int
    pages: int
    cpu_seconds: float

    @property
    def precision(self) -> float:
        return self.found / (self.found + self.leaked) if self.found + self.leaked else 0.0

    @property
    def recall(self) -> float:
        return self.found / (self.found + self.missed) if self.found + self.missed else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(evaldata: Path, folders: Sequence[Path], limit: int | None = None) -> list[Labelled]:
    entries = json.loads(evaldata.read_text(encoding="utf-8"))
    pages = []
    for url, entry in sorted(entries.items())[:limit]:
        path = next((f / entry["file"] for f in folders if (f / entry["file"]).is_file()), None)
        if path is None:
            continue
        _encoding, html = html_to_unicode(None, path.read_bytes())
        pages.append(Labelled(url, html, tuple(entry["with"]), tuple(entry["without"])))
    return pages


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def score(name: str, pages: Sequence[Labelled]) -> Score:
    settings = SETTINGS[name]
    found = missed = leaked = kept_out = no_article = 0
    for page in pages[:WARM_UP]:  # imports, models, the analyzer's word cache
        extract_article(page.html, page.url, settings=settings)
    started = time.process_time()
    for page in pages:
        result = extract_article(page.html, page.url, settings=settings)
        text = ""
        if isinstance(result, ExtractedArticle):
            text = _normalised(f"{result.title or ''} {result.text}")
        else:
            no_article += 1
        hits = sum(1 for s in page.with_ if text and _normalised(s) in text)
        leaks = sum(1 for s in page.without if text and _normalised(s) in text)
        found, missed = found + hits, missed + len(page.with_) - hits
        leaked, kept_out = leaked + leaks, kept_out + len(page.without) - leaks
    cpu = time.process_time() - started
    return Score(name, found, missed, leaked, kept_out, no_article, len(pages), cpu)


def report(scores: Sequence[Score]) -> list[str]:
    width = max(len(s.setting) for s in scores)
    lines = [f"{'setting':<{width}}  precision  recall     F1  no article  CPU ms/page"]
    for s in scores:
        lines.append(
            f"{s.setting:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:5.3f}  "
            f"{s.no_article:10d}  {s.cpu_seconds / s.pages * 1000:11.1f}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__)
    parser.add_argument("evaldata", type=Path, help="evaldata.json: url → file, with, without")
    parser.add_argument("folders", type=Path, nargs="+", help="where the pages' files are")
    parser.add_argument("--limit", type=int, help="the first N pages only")
    parser.add_argument("--workers", type=int, default=2, help="settings scored at once")
    args = parser.parse_args(argv)
    pages = load(args.evaldata, args.folders, args.limit)
    if not pages:
        parser.error("no page of the corpus found in the folders given")
    print(f"{len(pages)} labelled pages")
    # a fresh process per setting: none inherits another's warm caches
    with ProcessPoolExecutor(args.workers, max_tasks_per_child=1) as pool:
        scores = list(pool.map(score, SETTINGS, [pages] * len(SETTINGS)))
    print("\n".join(report(scores)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
