"""Search in the query language of alert rules, on either backend.

The query is parsed once; the backend's full-text index (SQLite: FTS5, `fts.py`;
PostgreSQL: a tsvector column, `pgsearch.py`) finds a superset of its matches, newest
first, and the rule matcher decides on each candidate from its stored analysis. So
`search`, `alerts test` and a live rule agree, and both backends give the same hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analysis.matcher import Rule, RuleSet, entity_members
from analysis.query import And, Meta, Node, Or, QuerySyntaxError
from analysis.snippets import snippet
from storage import fts, pgsearch
from storage.analysed import article_view, with_analysis
from storage.errors import StorageError
from storage.models import NEWEST_FIRST, Article, Mention

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
                select(Article).options(*with_analysis()).where(Article.id.in_(chunk))
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
    statement = select(Article.id).order_by(*NEWEST_FIRST).offset(offset).limit(size)
    entities = required_entities(node)
    if entities is not None:
        # `entity:` from the stored tags; articles not analysed yet are tagged by the
        # matcher, so they stay candidates
        tagged = select(Mention.article_id).where(Mention.entity.in_(entities))
        statement = statement.where(or_(Article.id.in_(tagged), Article.stage_version.is_(None)))
    # Otherwise no index can narrow the query down: every article is a candidate.
    return list(session.scalars(statement))


def required_entities(node: Node) -> frozenset[str] | None:
    """Entity ids one of which every match of `node` is tagged with; None if none such."""
    if isinstance(node, Meta) and node.field == "entity":
        return entity_members(node.value)
    if isinstance(node, And):
        for child in node.children:
            found = required_entities(child)
            if found is not None:
                return found
        return None
    if isinstance(node, Or):
        parts = [required_entities(child) for child in node.children]
        if any(part is None for part in parts):
            return None
        return frozenset().union(*(p for p in parts if p is not None))
    return None


def _snippet(body: str, matched: Sequence[str]) -> str:
    return "".join(f"[{t}]" if marked else t for t, marked in snippet(body, list(matched), 80))
