"""Articles analysed once, when stored: the analyzer's forms kept beside the text, so
that rule evaluation and search never analyse an article again; and `reindex`, which
redoes the stored forms after the analyzer changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, update
from sqlalchemy.orm import selectinload, undefer_group

from analysis.analyzer import ANALYZER_VERSION, Analyzed, Vocabulary, analyze
from analysis.matcher import ArticleView
from storage.models import Article

COLUMNS = ("index_surface", "index_de", "index_en")


def with_analysis() -> tuple[Any, ...]:
    """Load options for queries whose articles go to the matcher: the stored forms come
    in the same SELECT, the entity tags in one more per batch, instead of lazy loads
    per article."""
    return (undefer_group("analysis"), selectinload(Article.mentions))


def analysed_columns(
    title: str | None,
    text: str,
    analysed_text: Analyzed | None = None,
    *,
    analysed_title: Analyzed | None = None,
    vocabulary: bool = True,
    known_vocabulary: Vocabulary | None = None,
) -> dict[str, Any]:
    """The stored form of an article's analysis: each of the three forms as title and
    text on two lines, and their distinct tokens. `analysed_text`/`analysed_title`: the
    analyses if already done (by the crawl's extraction worker), so they are not done
    twice; `known_vocabulary`, their distinct tokens, likewise. `vocabulary=False`:
    without the distinct tokens (for revision 0002, which predates their column)."""
    head = analysed_title or analyze(title or "")
    body = analysed_text or analyze(text)
    columns: dict[str, Any] = {
        "index_surface": f"{head.surface}\n{body.surface}",
        "index_de": f"{head.de}\n{body.de}",
        "index_en": f"{head.en}\n{body.en}",
        "analyzer_version": ANALYZER_VERSION,
    }
    if vocabulary:
        columns["index_vocab"] = (known_vocabulary or Vocabulary.of(head, body)).stored()
    return columns


def stored_analysis(
    surface: str | None, de: str | None, en: str | None, version: int | None
) -> tuple[Analyzed, Analyzed] | None:
    """(title, text) analyses from the stored columns; None when missing or made by
    another analyzer version (then the caller analyses afresh)."""
    if version != ANALYZER_VERSION or surface is None or de is None or en is None:
        return None
    (s1, s2), (d1, d2), (e1, e2) = (value.split("\n", 1) for value in (surface, de, en))
    return Analyzed(s1, d1, e1), Analyzed(s2, d2, e2)


def stored_vocabulary(value: str | None, version: int | None) -> Vocabulary | None:
    if value is None or version != ANALYZER_VERSION:
        return None
    return Vocabulary.from_stored(value)


def fill_vocabulary_batch(conn: Connection, batch: int = 2000) -> int:
    """Store the distinct tokens of up to `batch` articles analysed before they were
    kept (derived from the stored forms, nothing re-analysed); how many were done."""
    rows = conn.execute(
        select(Article.id, Article.index_surface, Article.index_de, Article.index_en)
        .where(
            Article.index_vocab.is_(None),
            Article.index_surface.is_not(None),
            Article.analyzer_version == ANALYZER_VERSION,
        )
        .order_by(Article.id)
        .limit(batch)
    ).all()
    for article_id, surface, de, en in rows:
        analysed = stored_analysis(surface, de, en, ANALYZER_VERSION)
        assert analysed is not None
        conn.execute(
            update(Article)
            .where(Article.id == article_id)
            .values(index_vocab=Vocabulary.of(*analysed).stored())
        )
    return len(rows)


def article_view(article: Article) -> ArticleView:
    """What rules look at, with the stored analysis when it is current."""
    return ArticleView(
        title=article.title or "",
        text=article.text,
        source=article.source,
        language=article.language,
        url=article.url,
        analysed=stored_analysis(
            article.index_surface, article.index_de, article.index_en, article.analyzer_version
        ),
        vocabulary=stored_vocabulary(article.index_vocab, article.analyzer_version),
        # tagged by the analyse stage: its tags; not yet: None, and the matcher tags it
        entities=(
            frozenset(m.entity for m in article.mentions)
            if article.stage_version is not None
            else None
        ),
    )


def stale_count(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(Article).where(_stale())) or 0


def reindex_batch(conn: Connection, batch: int = 500, *, vocabulary: bool = True) -> int:
    """Analyse up to `batch` articles whose stored analysis is missing or of another
    analyzer version, in the caller's transaction; how many were done."""
    rows = conn.execute(
        select(Article.id, Article.title, Article.text)
        .where(_stale())
        .order_by(Article.id)
        .limit(batch)
    ).all()
    for article_id, title, text in rows:
        conn.execute(
            update(Article)
            .where(Article.id == article_id)
            .values(**analysed_columns(title, text, vocabulary=vocabulary))
        )
    return len(rows)


def reindex(
    engine: Engine, *, batch: int = 500, progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-analyse the stale articles, one committed transaction per batch: an
    interrupted reindex keeps what it did, and the next one goes on from there."""
    with engine.connect() as conn:
        total = stale_count(conn)
    done = 0
    while True:
        with engine.begin() as conn:
            count = reindex_batch(conn, batch)
        if not count:
            return done
        done += count
        if progress is not None:
            progress(done, total)


def _stale() -> Any:
    return or_(Article.analyzer_version.is_(None), Article.analyzer_version != ANALYZER_VERSION)
