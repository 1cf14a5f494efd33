"""Search in the query language of alert rules, on either backend.

The query is parsed once; the backend's full-text index (SQLite: FTS5, `fts.py`;
PostgreSQL: a tsvector column, `pgsearch.py`) finds a superset of its matches, newest
first, and the rule matcher decides on each candidate from its stored analysis. So
`search`, `alerts test` and a live rule agree, and both backends give the same hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.matcher import Rule, RuleSet
from analysis.query import Node, QuerySyntaxError
from analysis.snippets import snippet
from storage import fts, pgsearch
from storage.analysed import article_view, with_analysis
from storage.errors import StorageError
from storage.models import NEWEST_FIRST, Article

# Candidates are read a page at a time: the first page usually holds the `limit` newest
# matches, and the database sorts only what a page needs.
_CHUNK = 200


class SearchSyntaxError(StorageError, ValueError):
    """A search query that cannot be understood."""


@dataclass(frozen=True)
class Hit:
    article_id: int
    snippet: str


def search(session: Session, query: str, *, limit: int = 20) -> list[Hit]:
    """Articles matching `query`, newest first, each with a snippet that marks the words
    that matched."""
    try:
        rules = RuleSet([Rule.parse("search", query)])
    except QuerySyntaxError as exc:
        raise SearchSyntaxError(f"query: {exc}") from None
    node = rules.rules[0].node
    hits: list[Hit] = []
    offset = 0
    while True:
        # the first page, twice the limit, usually holds the `limit` newest matches
        size = _CHUNK if offset else min(_CHUNK, max(40, 2 * limit))
        chunk = _candidates(session, node, offset, size)
        if not chunk:
            return hits
        offset += len(chunk)
        articles = {
            a.id: a
            for a in session.scalars(
                select(Article).options(with_analysis()).where(Article.id.in_(chunk))
            )
        }
        for article_id in chunk:
            article = articles[article_id]
            found = rules.match(article_view(article))
            if found:
                hits.append(Hit(article_id, _snippet(article.text, found[0].matched)))
                if len(hits) >= limit:
                    return hits


def _candidates(session: Session, node: Node, offset: int, size: int) -> list[int]:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = fts.fts5_query(node)
        if match is not None:
            try:
                return fts.candidates(session, match, offset, size)
            except fts.FtsQueryError as exc:
                raise SearchSyntaxError(str(exc)) from None
    elif dialect == "postgresql":
        return pgsearch.candidates(session, node, offset, size)
    # No index can narrow the query down: every article is a candidate.
    statement = select(Article.id).order_by(*NEWEST_FIRST).offset(offset).limit(size)
    return list(session.scalars(statement))


def _snippet(body: str, matched: Sequence[str]) -> str:
    return "".join(f"[{t}]" if marked else t for t, marked in snippet(body, list(matched), 80))
