"""Alert queries: Lucene syntax (parsed by luqum) → a small AST of our own.

    nvidia AND (h20 OR h200) AND (china OR chinesisch*)
    "T-Head" NOT nvidia
    title:"huawei ascend" -gerücht
    "nvidia china"~10 lang:de source:heise
    entity:cambricon

Terms, "phrases", AND/OR/NOT/-term/+term, parentheses, trailing wildcards, fields
(title, text, source, lang, url, entity), proximity; a space between terms means AND.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from luqum import tree
from luqum.exceptions import IllegalCharacterError, ParseError, ParseSyntaxError
from luqum.parser import parser

from analysis.entities import ENTITIES
from analysis.errors import AnalysisError
from analysis.normalize import fold, normalized

TEXT_FIELDS = frozenset({"title", "text"})
FIELDS = TEXT_FIELDS | {"source", "lang", "language", "url", "entity"}


class QuerySyntaxError(AnalysisError, ValueError):
    """A query that cannot be parsed; the message names the position and what was expected."""

    def __init__(self, query: str, message: str, position: int | None = None) -> None:
        self.query = query
        self.position = position
        where = f" at position {position + 1}" if position is not None else ""
        caret = f"\n    {query}\n    {' ' * position}^" if position is not None else ""
        super().__init__(f"{message}{where}{caret}")


# ---- AST --------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or phrase (already normalised: tokens joined by spaces) in text fields."""

    text: str
    fields: frozenset[str] = TEXT_FIELDS
    prefix: bool = False  # trailing wildcard: whole words that start with `text`
    slop: int | None = None  # proximity: all words within this many positions


@dataclass(frozen=True)
class Meta:
    """A test on article metadata: source name, language, URL."""

    field: str  # source | lang | url
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | Meta | And | Or | Not


def parse_query(query: str) -> Node:
    if not query.strip():
        raise QuerySyntaxError(query, 'empty query: expected a word, a "phrase" or a field:value')
    try:
        parsed = parser.parse(query)
    except IllegalCharacterError as exc:
        raise QuerySyntaxError(query, f"illegal character: {exc}") from None
    except ParseSyntaxError as exc:
        raise QuerySyntaxError(query, _expected(exc), _position(query, exc)) from None
    except ParseError as exc:
        raise QuerySyntaxError(query, str(exc)) from None
    except (ValueError, ArithmeticError):
        # luqum converts the digits and dots after ~ and ^ itself, and fails on "~." or "~1.5"
        raise QuerySyntaxError(
            query, 'a number must follow ~ and ^: a whole one, as in "phrase"~5', _bad_number(query)
        ) from None
    node = _convert(query, parsed, None)
    _check_not_only_negative(query, node)
    return node


def _bad_number(query: str) -> int | None:
    numbers = list(re.finditer(r"[~^]([0-9.]+)", query))
    for match in numbers:
        try:
            Decimal(match[1])
        except InvalidOperation:
            return match.start()
    return next((m.start() for m in numbers if "." in m[1]), None)


def _expected(exc: ParseSyntaxError) -> str:
    message = str(exc)
    if "end of expression" in message:
        return "unexpected end of query: expected a term or a closing parenthesis"
    token = message.split("unexpected", 1)[-1].split(" at position")[0].strip(" '!")
    return f"unexpected {token!r}: expected a term, a \"phrase\", a field:value or '('"


def _position(query: str, exc: ParseSyntaxError) -> int | None:
    message = str(exc)
    if "at position" in message:
        try:
            return int(message.rsplit("at position", 1)[1].strip(" !"))
        except ValueError:
            return None
    if "end of expression" in message:
        return len(query)
    return None


def _convert(query: str, item: tree.Item, field: str | None) -> Node:
    if isinstance(item, tree.SearchField):
        name = item.name.lower()
        if name not in FIELDS:
            raise QuerySyntaxError(
                query,
                f"unknown field {item.name!r}: expected one of {', '.join(sorted(FIELDS))}",
                _find(query, f"{item.name}:"),
            )
        return _convert(query, item.expr, "lang" if name == "language" else name)
    if isinstance(item, tree.Group | tree.FieldGroup):
        return _convert(query, item.expr, field)
    if isinstance(item, tree.AndOperation | tree.UnknownOperation):
        return _and(_convert(query, child, field) for child in item.children)
    if isinstance(item, tree.OrOperation):
        return Or(tuple(_convert(query, child, field) for child in item.children))
    if isinstance(item, tree.Not | tree.Prohibit):
        return Not(_convert(query, item.a, field))
    if isinstance(item, tree.Plus):
        return _convert(query, item.a, field)
    if isinstance(item, tree.Proximity):
        node = _convert(query, item.term, field)
        if isinstance(node, Term):
            return Term(node.text, node.fields, slop=int(item.degree or 1))
        return node
    if isinstance(item, tree.Word | tree.Phrase):
        return _leaf(query, item, field)
    raise QuerySyntaxError(
        query,
        f"{type(item).__name__.lower()} queries are not supported: expected a term, "
        '"phrase", wildcard*, field:value or "phrase"~N',
        _find(query, str(item).strip()),
    )


def _and(children: Iterable[Node]) -> Node:
    nodes = tuple(children)
    return nodes[0] if len(nodes) == 1 else And(nodes)


def _leaf(query: str, item: tree.Word | tree.Phrase, field: str | None) -> Node:
    raw = item.value[1:-1] if isinstance(item, tree.Phrase) else item.value
    prefix = isinstance(item, tree.Word) and raw.endswith("*")
    body = raw.rstrip("*") if prefix else raw
    if isinstance(item, tree.Word) and ("*" in body or "?" in body):
        raise QuerySyntaxError(
            query, f"wildcard inside {raw!r}: only a trailing * is supported", _find(query, raw)
        )
    if field == "entity":
        return _entity(query, body)
    if field in ("source", "lang", "url"):
        value = fold(body) if field == "url" else normalized(body)
        if not value:
            raise QuerySyntaxError(query, f"{field}: expected a value", _find(query, raw))
        return Meta(field, value, prefix)
    text = normalized(body)
    if not text:
        raise QuerySyntaxError(
            query, f"{raw!r} has no letters or digits to search for", _find(query, raw)
        )
    fields = frozenset({field}) if field else TEXT_FIELDS
    return Term(text, fields, prefix=prefix)


def _entity(query: str, name: str) -> Node:
    key = normalized(name)
    aliases = ENTITIES.get(key)
    if aliases is None:
        known = ", ".join(sorted(ENTITIES))
        raise QuerySyntaxError(
            query, f"unknown entity {name!r}: expected one of {known}", _find(query, name)
        )
    return Or(tuple(Term(normalized(alias), TEXT_FIELDS) for alias in aliases))


def _check_not_only_negative(query: str, node: Node) -> None:
    if isinstance(node, Not) or (
        isinstance(node, And) and all(isinstance(c, Not) for c in node.children)
    ):
        raise QuerySyntaxError(
            query, "a query of only NOT terms matches almost everything: add a positive term", 0
        )


def _find(query: str, text: str) -> int | None:
    at = query.find(text)
    return at if at >= 0 else None


def terms(node: Node) -> list[Term]:
    """Every Term in the tree, positive or negated (for highlighting and the automaton)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [t for child in node.children for t in terms(child)]
    if isinstance(node, Not):
        return terms(node.child)
    return []
