"""Full-text search on SQLite (storage/search.py runs the search on either backend).

SQLITE-ONLY CONSTRUCTS LIVE HERE AND NOWHERE ELSE: an FTS5 external-content index over
the analyzer's stored forms (storage/analysed.py), kept in step with `articles` by
triggers. Queries compile to an FTS5 query that narrows the candidates; the rule matcher
decides, so search and alert rules agree by construction.

The index is created by the initial migration (storage/migrations/versions), which calls
`install`. A later migration that rebuilds `articles` (Alembic's batch mode copies it to
a new table) drops the triggers with the old table: it must call `install` again and
then `rebuild`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from analysis.analyzer import BREAK, token_forms
from analysis.query import INFIX, PHRASE, PREFIX, SUFFIX, Node, Term, required
from storage.errors import StorageError

# Layout 1 (revision 0001): title and text, tokenised by FTS5's unicode61.
_LAYOUT_1 = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
        title, text, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, text
    ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
)
# Layout 2 (revision 0002): the analyzer's stored forms (storage/analysed.py), already
# folded and split into space-separated tokens, so FTS5 only has to split on spaces.
_COLS = "index_surface, index_de, index_en"
_NEW = "new.index_surface, new.index_de, new.index_en"
_OLD = "old.index_surface, old.index_de, old.index_en"
_LAYOUT_2 = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
        {_COLS}, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, {_COLS}) VALUES (new.id, {_NEW});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF {_COLS}
    ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, {_COLS}) VALUES ('delete', old.id, {_OLD});
        INSERT INTO articles_fts(rowid, {_COLS}) VALUES (new.id, {_NEW});
    END""",
)
_LAYOUTS = {1: _LAYOUT_1, 2: _LAYOUT_2}
LAYOUT = 2  # what the head revision uses


class FtsQueryError(StorageError):
    """FTS5 refused a compiled query."""


# The FTS5 table and the shadow tables SQLite makes for it: not in the models, so the
# drift test and autogenerate leave them out.
FTS_TABLE = "articles_fts"
_SHADOW_SUFFIXES = ("", "_data", "_idx", "_docsize", "_config", "_content")


def is_fts_table(name: str | None) -> bool:
    return name is not None and name in {FTS_TABLE + suffix for suffix in _SHADOW_SUFFIXES}


def install(bind: Engine | Connection, *, layout: int = LAYOUT) -> None:
    """Create the full-text index and its triggers (SQLite only; a no-op elsewhere and
    when they exist). With a Connection, in the caller's transaction. A migration
    names the layout it made, so it keeps making the same one."""
    if bind.dialect.name != "sqlite":
        return
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            install(conn, layout=layout)
        return
    for statement in _LAYOUTS[layout]:
        bind.execute(text(statement))


def uninstall(conn: Connection) -> None:
    """Drop the full-text index and its triggers (SQLite only)."""
    if conn.dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        conn.execute(text(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{trigger}"))
    conn.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


def rebuild(conn: Connection) -> None:
    """Fill the index anew from `articles` (after `articles` was rebuilt)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))


# Up to this many matches, sorting them all by date is cheapest; beyond, walking the
# newest-first index (models.NEWEST_FIRST, ix_articles_newest) and testing each entry
# against the set of matches finds a page of them long before the index ends.
_FEW = 2_000


def candidates(session: Session, match: str, offset: int, size: int) -> list[int]:
    """Ids of a page of the articles the FTS5 query `match` finds, newest first."""
    params = {"match": match, "size": size, "offset": offset, "few": _FEW}
    try:
        many = session.scalar(_COUNT_UP_TO, params) >= _FEW
        return list(session.scalars(_WALK_INDEX if many else _SORT_MATCHES, params))
    except OperationalError as exc:
        raise FtsQueryError(f"cannot search for {match!r}: {exc.orig}") from None


_COUNT_UP_TO = text(
    "SELECT count(*) FROM (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match"
    " LIMIT :few)"
)
_SORT_MATCHES = text(
    """SELECT a.id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
    WHERE articles_fts MATCH :match
    ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.id DESC
    LIMIT :size OFFSET :offset"""
)
_WALK_INDEX = text(
    """SELECT a.id FROM articles a INDEXED BY ix_articles_newest
    WHERE a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :match)
    ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.id DESC
    LIMIT :size OFFSET :offset"""
)


def fts5_query(node: Node) -> str | None:
    """An FTS5 query over the analysed columns that every match of `node` satisfies
    (a superset: the matcher decides). None: the index cannot narrow it down (a suffix
    or infix wildcard, a metadata field or a NOT on its own)."""
    return required(node, _term_query, _all, _any)


def _term_query(term: Term) -> str | None:
    words = term.text.split(" ")
    if term.mode == PHRASE and term.slop is None:
        surfaces = " ".join(token_forms(w).surface for w in words if w != BREAK)
        return f"index_surface : {_quote(surfaces)}"
    if term.mode == PREFIX:
        return f"index_surface : {_quote(token_forms(words[0]).surface)} *"
    if term.mode in (SUFFIX, INFIX):
        return None
    if term.mode == PHRASE:  # with a slop: each word somewhere
        clauses = [f"index_surface : {_quote(token_forms(w).surface)}" for w in words]
    else:
        clauses = [_stem_clause(w) for w in words if w != BREAK]
    return _all(clauses) if clauses else None


def _stem_clause(word: str) -> str:
    forms = token_forms(word)
    return f"(index_de : {_quote(forms.de)} OR index_en : {_quote(forms.en)})"


def _all(parts: Sequence[str]) -> str:
    return "(" + " AND ".join(parts) + ")"


def _any(parts: Sequence[str]) -> str:
    return "(" + " OR ".join(parts) + ")"


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'
