"""Full-text search over title and text.

SQLITE-ONLY CONSTRUCTS LIVE HERE AND NOWHERE ELSE: an FTS5 external-content index kept in
step with `articles` by triggers. Other backends (and queries in scripts FTS5's tokenizer
cannot split, such as Chinese, which has no spaces between words) use a portable
substring scan instead.

The index is created by the initial migration (storage/migrations/versions), which calls
`install`. A later migration that rebuilds `articles` (Alembic's batch mode copies it to
a new table) drops the triggers with the old table: it must call `install` again and
then `rebuild`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Select, and_, func, not_, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.models import Article

_FTS_DDL = (
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

_TOKEN_RE = re.compile(r'\s*(?:(?P<phrase>"[^"]*"?)|(?P<paren>[()])|(?P<word>[^\s()"]+))')
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_OPERATORS = {"AND", "OR", "NOT"}


class SearchSyntaxError(StorageError, ValueError):
    """A search query that cannot be understood."""


@dataclass(frozen=True)
class Hit:
    article_id: int
    snippet: str


# The FTS5 table and the shadow tables SQLite makes for it: not in the models, so the
# drift test and autogenerate leave them out.
FTS_TABLE = "articles_fts"
_SHADOW_SUFFIXES = ("", "_data", "_idx", "_docsize", "_config", "_content")


def is_fts_table(name: str | None) -> bool:
    return name is not None and name in {FTS_TABLE + suffix for suffix in _SHADOW_SUFFIXES}


def install(bind: Engine | Connection) -> None:
    """Create the full-text index and its triggers (SQLite only; a no-op elsewhere and
    when they exist). With a Connection, in the caller's transaction."""
    if bind.dialect.name != "sqlite":
        return
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            install(conn)
        return
    for statement in _FTS_DDL:
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


def search(session: Session, query: str, *, limit: int = 20) -> list[Hit]:
    terms = _tokenize(query)
    if not terms:
        raise SearchSyntaxError('empty query: give at least one word or "phrase"')
    uses_fts = session.get_bind().dialect.name == "sqlite" and not _CJK_RE.search(query)
    if uses_fts:
        return _search_fts(session, _to_fts5(terms), limit)
    return _search_scan(session, terms, limit)


def _search_fts(session: Session, match: str, limit: int) -> list[Hit]:
    statement = text(
        """SELECT a.id, snippet(articles_fts, -1, '[', ']', '…', 16)
        FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
        WHERE articles_fts MATCH :match
        ORDER BY coalesce(a.published_at, a.fetched_at) DESC, a.id DESC
        LIMIT :limit"""
    )
    try:
        rows = session.execute(statement, {"match": match, "limit": limit}).all()
    except OperationalError as exc:
        raise SearchSyntaxError(f"cannot search for {match!r}: {exc.orig}") from None
    return [Hit(article_id=row[0], snippet=row[1] or "") for row in rows]


def _tokenize(query: str) -> list[str]:
    return [m.group(0).strip() for m in _TOKEN_RE.finditer(query) if m.group(0).strip()]


def _to_fts5(terms: list[str]) -> str:
    """User words become quoted FTS5 strings, so that `H20-Chips` or `C++` are searched
    for rather than read as FTS5 syntax; AND/OR/NOT, parentheses, "phrases", a trailing
    `*` and a leading `-` (NOT) keep their meaning."""
    out: list[str] = []
    for term in terms:
        if term in _OPERATORS or term in "()":
            out.append(term)
            continue
        negate = term.startswith("-") and len(term) > 1
        if negate:
            term = term[1:]
        prefix = term.endswith("*") and not term.startswith('"')
        body = term.strip('"').rstrip("*").replace('"', '""')
        if not body:
            continue
        quoted = f'"{body}"' + ("*" if prefix else "")
        if negate:
            # FTS5's NOT is binary; a query that starts with -word has nothing to subtract from.
            if not out:
                raise SearchSyntaxError(f"-{body}: NOT needs a word before it")
            out.append("NOT")
        out.append(quoted)
    return " ".join(out)


def _search_scan(session: Session, terms: list[str], limit: int) -> list[Hit]:
    """Portable fallback: every plain term must occur (case-insensitively) in title or
    text; `-term` excludes. Boolean grouping is not interpreted here."""
    include: list[str] = []
    exclude: list[str] = []
    for term in terms:
        if term in _OPERATORS or term in "()":
            continue
        target = exclude if term.startswith("-") and len(term) > 1 else include
        word = term.lstrip("-").strip('"').rstrip("*")
        if word:
            target.append(word.lower())
    if not include:
        raise SearchSyntaxError("the query has no word to search for")
    haystack = func.lower(func.coalesce(Article.title, "") + " " + Article.text)
    statement: Select[int, str] = (
        select(Article.id, Article.text)
        .where(and_(*(haystack.contains(word, autoescape=True) for word in include)))
        .order_by(func.coalesce(Article.published_at, Article.fetched_at).desc(), Article.id.desc())
        .limit(limit)
    )
    if exclude:
        statement = statement.where(
            not_(or_(*(haystack.contains(word, autoescape=True) for word in exclude)))
        )
    return [
        Hit(article_id=row[0], snippet=_snippet(row[1], include[0]))
        for row in session.execute(statement)
    ]


def _snippet(body: str, word: str, width: int = 80) -> str:
    at = body.lower().find(word)
    if at < 0:
        return body[: 2 * width]
    start, end = max(0, at - width), at + len(word) + width
    marked = f"{body[start:at]}[{body[at : at + len(word)]}]{body[at + len(word) : end]}"
    return ("…" if start else "") + marked.replace("\n", " ") + ("…" if end < len(body) else "")
