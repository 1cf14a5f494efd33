"""Test helpers around the demo news site: seed articles and a trap-laden site.

The seed texts live outside the repository (``../shared/seeds`` beside the checkout) and their
prose must never be copied into committed files, so everything here is derived from the files on
disk at run time: titles, dates, bylines, page furniture and the sentences tests assert on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from chipwatch.demo.site import NewsSite, SiteArticle, shorten, slugify

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

_CEST = timezone(timedelta(hours=2))
_CET = timezone(timedelta(hours=1))
_EDT = timezone(timedelta(hours=-4))


@dataclass(frozen=True)
class SeedMeta:
    """What the seed README states about a file (the text itself cannot tell us)."""

    language: str
    published: datetime  # its time of day is always used; its date only if the file has none
    author: str  # used unless the text carries a byline or sign-off
    trailing_widgets: int = 0  # last N blocks are site widgets (ticker label, disclaimer)


SEED_META: dict[str, SeedMeta] = {
    "000": SeedMeta("de", datetime(2025, 8, 29, 9, 30, tzinfo=_CEST), "Redaktion"),
    "001": SeedMeta("de", datetime(2025, 9, 1, 14, 5, tzinfo=_CEST), "Redaktion"),
    "002": SeedMeta("de", datetime(2025, 9, 3, 10, 0, tzinfo=_CEST), "Redaktion"),
    "003": SeedMeta("de", datetime(2025, 12, 10, 16, 45, tzinfo=_CET), "Redaktion"),
    "004": SeedMeta(
        "en", datetime(2025, 8, 29, 7, 15, tzinfo=_EDT), "Newsdesk", trailing_widgets=2
    ),
}
_DEFAULT_META = SeedMeta("de", datetime(2025, 9, 1, 12, 0, tzinfo=_CEST), "Redaktion")


@dataclass(frozen=True)
class SeedExpectation:
    key: str  # "000" … "004"
    slug: str
    title: str
    # Sentences and boilerplate are whitespace-normalised (see normalize_ws).
    first_sentence: str  # first sentence of the body
    last_sentence: str  # last sentence of the body
    boilerplate: tuple[str, ...]  # distinct widget strings (≥ 8 chars, not the author)


@dataclass(frozen=True)
class Seed:
    key: str
    path: Path
    article: SiteArticle
    expectation: SeedExpectation


# Wix page furniture as a reader's copy-paste captures it (skip links, image placeholder).
_PAGE_CHROME = frozenset({"top of page", "ree", "bottom of page"})
_DATE_MARKER = re.compile(r"^\s*date (\d{4}-\d{2}-\d{2})\s+")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\. ([A-Za-zäÄ]+) (\d{4})$")
_GERMAN_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ),
        start=1,
    )
}
_BYLINE = re.compile(r"^(?:Von|By) (\S.{1,60})$")
_SIGNOFF = re.compile(r"^([^,.!?]{3,40}), [^.!?]*Redaktion$")  # "Name, Outlet Redaktion"
_DATELINE = re.compile(r"^\S+ [-–] ")  # "Agency - " before the first sentence
_HEAD_BLOCKS = 6  # date, headline and byline appear within the first few blocks
# A sentence ends at . ! ? followed by a capital; "29. August" (digit + period) does not end one.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])(?<!\d\.)\s+(?=[A-ZÄÖÜ\"„“])")


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_BREAK.split(text.strip()) if s]


def normalize_ws(text: str) -> str:
    """Collapse whitespace runs (NBSP included), as text extractors do."""
    return " ".join(text.split())


def _on_day(moment: datetime, day: date) -> datetime:
    return moment.replace(year=day.year, month=day.month, day=day.day)


def _german_date(block: str) -> date | None:
    match = _GERMAN_DATE.match(block)
    if not match or match.group(2) not in _GERMAN_MONTHS:
        return None
    return date(int(match.group(3)), _GERMAN_MONTHS[match.group(2)], int(match.group(1)))


def _looks_like_headline(block: str) -> bool:
    return len(block) <= 120 and not block.endswith(".")


def _derived_title(first_paragraph: str) -> str:
    sentence = split_sentences(_DATELINE.sub("", first_paragraph, count=1))[0]
    return shorten(sentence, 90)


@dataclass
class _Parse:
    published: datetime
    author: str
    title: str | None = None
    byline: bool = False


def _read_head(blocks: list[str], state: _Parse) -> list[str]:
    """Consume date line, headline and byline near the top; return the remaining blocks."""
    kept: list[str] = []
    for index, block in enumerate(blocks):
        near_top = index < _HEAD_BLOCKS
        day = _german_date(block) if near_top else None
        byline = _BYLINE.match(block) if near_top else None
        if day:
            state.published = _on_day(state.published, day)
        elif byline:
            state.author, state.byline = byline.group(1), True
        elif near_top and not kept and state.title is None and _looks_like_headline(block):
            state.title = block
        else:
            kept.append(block)
    return kept


def _split_signoff(body: list[str], state: _Parse) -> tuple[list[str], list[str]]:
    """Cut the author sign-off (and everything the site appends after it) off the body."""
    if state.byline and state.author in body:
        cut = body.index(state.author)
        return body[:cut], body[cut:]
    if body and (match := _SIGNOFF.match(body[-1])):
        state.author = match.group(1)
        return body[:-1], body[-1:]
    return body, []


def parse_seed(key: str, text: str, meta: SeedMeta) -> Seed:
    blocks = [line.strip() for line in text.splitlines()]  # strip() also eats NBSP-only lines
    blocks = [b for b in blocks if b]
    state = _Parse(published=meta.published, author=meta.author)
    if marker := _DATE_MARKER.match(blocks[0]):
        state.published = _on_day(state.published, date.fromisoformat(marker.group(1)))
        blocks[0] = blocks[0][marker.end() :]
    chrome = [(i, b) for i, b in enumerate(blocks) if b in _PAGE_CHROME]
    body = _read_head([b for b in blocks if b not in _PAGE_CHROME], state)
    body, signoff = _split_signoff(body, state)
    if meta.trailing_widgets:
        body, signoff = body[: -meta.trailing_widgets], body[-meta.trailing_widgets :] + signoff
    half = len(blocks) / 2
    tail = [b for i, b in chrome if i < half] + signoff + [b for i, b in chrome if i >= half]
    title = state.title or _derived_title(body[0])
    article = SiteArticle(
        slug=slugify(title),
        title=title,
        published=state.published,
        author=state.author,
        language=meta.language,
        paragraphs=tuple(body),
        tail_boilerplate=tuple(tail),
    )
    expectation = SeedExpectation(
        key=key,
        slug=article.slug,
        title=title,
        first_sentence=normalize_ws(split_sentences(body[0])[0]),
        last_sentence=normalize_ws(split_sentences(body[-1])[-1]),
        boilerplate=tuple(
            dict.fromkeys(normalize_ws(s) for s in tail if len(s) >= 8 and s != state.author)
        ),
    )
    return Seed(key=key, path=Path(), article=article, expectation=expectation)


def _seed_files(seeds_dir: Path | None) -> list[Path]:
    # Resolved per call (not as a default argument) so a test session can point SEEDS_DIR elsewhere.
    return sorted((seeds_dir or SEEDS_DIR).glob("[0-9][0-9][0-9]_*.txt"))


def seeds_available(seeds_dir: Path | None = None) -> bool:
    return bool(_seed_files(seeds_dir))


def load_seeds(seeds_dir: Path | None = None) -> list[Seed]:
    seeds = []
    for path in _seed_files(seeds_dir):
        key = path.name[:3]
        seed = parse_seed(key, path.read_text(encoding="utf-8"), SEED_META.get(key, _DEFAULT_META))
        seeds.append(replace(seed, path=path))
    return seeds


def load_seed_articles(seeds_dir: Path | None = None) -> list[SiteArticle]:
    """The seed files as site articles, in file order (000 first)."""
    return [seed.article for seed in load_seeds(seeds_dir)]


def seed_expectations(seeds_dir: Path | None = None) -> dict[str, SeedExpectation]:
    """Per seed key: title, first/last body sentence and the boilerplate that must not leak."""
    return {seed.key: seed.expectation for seed in load_seeds(seeds_dir)}


def trap_site(
    seed_articles: Sequence[SiteArticle],
    crawl_delay: float | None = None,
    legacy_index: int = 1,
) -> NewsSite:
    """A trap site over the given articles; article `legacy_index` (seed 001) is ISO-8859-1."""
    articles = list(seed_articles)
    articles[legacy_index] = replace(articles[legacy_index], charset="iso-8859-1")
    return NewsSite(articles, traps=True, crawl_delay=crawl_delay)
