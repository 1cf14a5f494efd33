"""Full-text search on PostgreSQL.

POSTGRESQL-ONLY CONSTRUCTS LIVE HERE AND NOWHERE ELSE (SQLite's are in `fts.py`): a
stored `tsvector` column over the analyzer's forms with a GIN index, made by revision
0005, and the compilation of a query's AST to a `tsquery` that finds a superset of its
matches through that index. As on SQLite, the rule matcher then decides on each
candidate, so `search` on either backend and a live alert rule agree by construction.

Why the `simple` configuration, not `german` or `english`: the column is built from
`index_surface`, `index_de` and `index_en` (storage/analysed.py), which hold the
analyzer's tokens already folded (case, accents, umlaut spellings), split (hyphens,
apostrophes, CJK one character per token) and stemmed with both Snowball stemmers. A
language configuration would stem and stop-word those tokens a second time with
PostgreSQL's own rules, so a query word and an article word the analyzer equates could
land on different lexemes, or vanish as a stop word ("die", "the", "war"), and the
index would miss articles that rules and SQLite find. `simple` only lower-cases (a no-op
on folded tokens) and keeps every token, stop words included, so each lexeme is exactly
one analyzer token and one text-search configuration serves every language, CJK
included (its characters are already space-separated n-grams of length one).

The three forms go into one vector: a term's stems are looked up among the surface
tokens too, which can only add candidates, never lose one. `strip` drops positions:
phrases and NEAR compile to "all these words" (the matcher checks order and distance),
so the index never depends on PostgreSQL's limits on positions (16383 per document,
256 per lexeme), and weights are not needed. A phrase the query requires is looked for
as a substring of the stored surface form on the rows the index finds (`strpos`, in the
database): articles that have the words but not the phrase are not sent to the matcher
one by one, which on a common pair of words cost a search hundreds of milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Text

from analysis.analyzer import BREAK, is_cjk, token_forms
from analysis.query import INFIX, PHRASE, PREFIX, STEM, SUFFIX, Node, Term, required, terms
from storage.models import NEWEST_FIRST, Article

SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_articles_search_vector"
_VECTOR = (
    "strip(to_tsvector('simple'::regconfig, coalesce(index_surface, '') || ' ' || "
    "coalesce(index_de, '') || ' ' || coalesce(index_en, '')))"
)


def install(conn: Connection) -> None:
    """Add the search column (computed by PostgreSQL on every insert and update, so it
    can never fall behind the analysed forms) and its GIN index. PostgreSQL only."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        text(
            f"ALTER TABLE articles ADD COLUMN IF NOT EXISTS {SEARCH_COLUMN} tsvector "
            f"GENERATED ALWAYS AS ({_VECTOR}) STORED"
        )
    )
    conn.execute(
        text(f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON articles USING gin ({SEARCH_COLUMN})")
    )


def uninstall(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    conn.execute(text(f"DROP INDEX IF EXISTS {SEARCH_INDEX}"))
    conn.execute(text(f"ALTER TABLE articles DROP COLUMN IF EXISTS {SEARCH_COLUMN}"))


def is_search_object(name: str | None) -> bool:
    """The column and index above: not in the models, so the drift test and autogenerate
    leave them out."""
    return name in (SEARCH_COLUMN, SEARCH_INDEX)


def query_tokens(node: Node) -> set[str]:
    """Every lexeme `tsquery` may use for `node`."""
    tokens: set[str] = set()
    for term in terms(node):
        for word in term.text.split(" "):
            if word == BREAK:
                continue
            forms = token_forms(word)
            tokens.update((forms.surface, forms.de, forms.en))
    return tokens


def intact_tokens(session: Session, tokens: Iterable[str]) -> set[str]:
    """The tokens that `to_tsvector('simple', …)` keeps as exactly one lexeme, equal to
    themselves. For the analyzer's tokens that is all of them on a UTF-8 database, but
    what PostgreSQL's parser calls a letter depends on the server's locale; a token it
    would split, alter or drop cannot be looked up, and the term it belongs to does not
    narrow the search (the matcher still sees every candidate), instead of silently
    missing articles."""
    tokens = sorted(tokens)
    if not tokens:
        return set()
    statement = text(
        "SELECT t FROM unnest(:tokens) AS t "
        "WHERE tsvector_to_array(to_tsvector('simple'::regconfig, t)) = ARRAY[t]"
    ).bindparams(bindparam("tokens", type_=ARRAY(Text())))
    return set(session.scalars(statement, {"tokens": tokens}))


def tsquery(node: Node, intact: set[str]) -> str | None:
    """A `tsquery` over the search column that every match of `node` satisfies (a
    superset: the matcher decides), in the same shape as `fts.fts5_query`. None: the
    index cannot narrow it down (a suffix or infix wildcard, a metadata field, a NOT on
    its own, or a token PostgreSQL would not keep whole)."""
    return required(node, lambda term: _term_query(term, intact), _all, _any)


def _term_query(term: Term, intact: set[str]) -> str | None:
    words = [w for w in term.text.split(" ") if w != BREAK]
    if term.mode in (SUFFIX, INFIX):
        return None
    if term.mode == PREFIX:
        surface = token_forms(words[0]).surface
        return f"{_lexeme(surface)}:*" if surface in intact else None
    if term.mode == PHRASE:  # all its words, anywhere: the matcher checks the order
        clauses = [_lexeme(s) for s in (token_forms(w).surface for w in words) if s in intact]
    else:
        clauses = [c for c in (_stem_clause(w, intact) for w in words) if c is not None]
    return _all(clauses) if clauses else None


def candidates(session: Session, node: Node, offset: int, size: int) -> list[int]:
    """Ids of a page of candidate articles, newest first."""
    statement = select(Article.id).order_by(*NEWEST_FIRST).offset(offset).limit(size)
    query = tsquery(node, intact_tokens(session, query_tokens(node)))
    if query is not None:
        statement = statement.where(
            text(f"articles.{SEARCH_COLUMN} @@ CAST(:tsquery AS tsquery)").bindparams(tsquery=query)
        )
        phrases = phrase_filter(node)
        if phrases is not None:
            statement = statement.where(phrases)
    return list(session.scalars(statement))


def phrase_filter(node: Node) -> ColumnElement[bool] | None:
    """A condition every match of `node` meets: its required phrases of two or more words
    are substrings of the stored surface form (title and text, tokens folded and joined
    by single spaces, as the matcher compares them). A superset, like the tsquery: word
    boundaries and fields are left to the matcher. None: no phrase is required."""
    return required(node, _phrase_in_surface, _all_true, _any_true)


def _phrase_in_surface(term: Term) -> ColumnElement[bool] | None:
    """A quoted phrase, or an unquoted CJK word (a phrase of its characters, which have
    no stems of their own), as a substring of the surface form."""
    words = term.text.split(" ")
    in_a_row = term.mode == PHRASE or (term.mode == STEM and all(map(is_cjk, words)))
    if not in_a_row or term.slop is not None or len(words) < 2 or BREAK in words:
        return None
    surface = " ".join(token_forms(w).surface for w in words)
    return func.strpos(Article.index_surface, surface) > 0


def _all_true(parts: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(*parts)


def _any_true(parts: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*parts)


def _stem_clause(word: str, intact: set[str]) -> str | None:
    forms = token_forms(word)
    if forms.de not in intact or forms.en not in intact:
        return None
    if forms.de == forms.en:
        return _lexeme(forms.de)
    return f"({_lexeme(forms.de)} | {_lexeme(forms.en)})"


def _all(parts: Sequence[str]) -> str:
    return "(" + " & ".join(parts) + ")"


def _any(parts: Sequence[str]) -> str:
    return "(" + " | ".join(parts) + ")"


def _lexeme(value: str) -> str:
    """A lexeme literal: taken as written, no parser or dictionary applied."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
