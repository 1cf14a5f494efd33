"""Alert queries: Lucene syntax (parsed by luqum) → a small AST of our own.

    nvidia AND (h20 OR h200) AND (china OR chinesisch*)
    "T-Head" NOT nvidia
    title:"huawei ascend" -gerücht
    "nvidia china"~10 lang:de source:heise
    entity:cambricon

Terms (stemmed: `chip` finds "Chips"), "phrases" (exact tokens, folded, not stemmed),
AND/OR/NOT/-term/+term, parentheses, wildcards on whole words (`export*` prefix,
`*kontrollen` suffix, `*chip*` infix), fields (title, text, source, lang, url, entity),
proximity (`"a b"~5`, `a NEAR/5 b`); a space between terms means AND. Every word is
analysed by analysis.analyzer, the same way articles are. An operator the language does
not know (`NEAR` without a distance, `W/3`, `ADJ`, …) is a syntax error, never a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from luqum import tree
from luqum.exceptions import IllegalCharacterError, ParseError, ParseSyntaxError
from luqum.parser import parser

from analysis.analyzer import as_written, fold, is_cjk, raw_tokens
from analysis.errors import AnalysisError
from analysis.registry import default_registry

TEXT_FIELDS = frozenset({"title", "text"})
STEM, PHRASE, PREFIX, SUFFIX, INFIX = "stem", "phrase", "prefix", "suffix", "infix"
_NEAR_MARK = "__chipwatchnear{}__"
_NEAR_RE = re.compile(r'("[^"]*"|[^\s()"]+)\s+NEAR/(\d+)\s+("[^"]*"|[^\s()"]+)')
# Operators of other query languages: a syntax error here, never silently a word.
_FOREIGN_RE = re.compile(
    r"(?<![\w/])(?:NEAR|ONEAR|ADJ|PRE|W|SAME|SENTENCE|PARAGRAPH|XOR)(?:/\d*)?(?![\w/])"
)
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
    """A word or phrase in text fields: `text` is its case-folded tokens joined by
    spaces (the analyzer's raw tokens, so the matcher can stem them)."""

    text: str
    fields: frozenset[str] = TEXT_FIELDS
    mode: str = STEM  # stem | phrase | prefix | suffix | infix
    slop: int | None = None  # proximity: all words within this many positions

    @property
    def display(self) -> str:
        words = self.text.split(" ")
        text = as_written(words)
        if self.mode == PHRASE and len(words) > 1:
            return f'"{text}"' + (f"~{self.slop}" if self.slop is not None else "")
        return {PREFIX: f"{text}*", SUFFIX: f"*{text}", INFIX: f"*{text}*"}.get(self.mode, text)


@dataclass(frozen=True)
class Near:
    """Two terms within `distance` tokens of each other, in either order."""

    left: Term
    right: Term
    distance: int


@dataclass(frozen=True)
class Meta:
    """A test on article metadata: source name, language, URL, or entity tags."""

    field: str  # source | lang | url | entity (value: a registry id)
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


Node = Term | Near | Meta | And | Or | Not


def parse_query(query: str) -> Node:
    if not query.strip():
        raise QuerySyntaxError(query, 'empty query: expected a word, a "phrase" or a field:value')
    rewritten = _NEAR_RE.sub(lambda m: f"({m[1]} {_NEAR_MARK.format(m[2])} {m[3]})", query)
    _check_foreign_operators(query, rewritten)
    try:
        parsed = parser.parse(rewritten)
    except IllegalCharacterError as exc:
        raise _illegal_character(query, exc) from None
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


_ILLEGAL_RE = re.compile(r"Illegal character '(.*)' at position \d+$", re.DOTALL)


def _illegal_character(query: str, exc: IllegalCharacterError) -> QuerySyntaxError:
    """luqum's lexer error, said as the other syntax errors are: what and where."""
    if query.count('"') % 2:
        return QuerySyntaxError(query, "a quote that is not closed", query.rfind('"'))
    found = _ILLEGAL_RE.search(str(exc))
    fragment = found[1] if found else ""
    position = query.find(fragment) if fragment else -1
    if position < 0:
        return QuerySyntaxError(query, f"illegal character: {exc}")
    return QuerySyntaxError(query, f"unexpected {fragment[:1]!r}", position)


def _check_foreign_operators(query: str, rewritten: str) -> None:
    outside_quotes = re.sub(r'"[^"]*"', lambda m: " " * len(m[0]), rewritten)
    found = _FOREIGN_RE.search(outside_quotes)
    if found is None:
        return
    word = found[0]
    hint = (
        "NEAR/n must stand between two words or phrases, as in nvidia NEAR/10 china"
        if word.startswith("NEAR")
        else 'expected AND, OR, NOT, NEAR/n or "phrase"~n'
    )
    raise QuerySyntaxError(query, f"unknown operator {word!r}: {hint}", _find(query, word))


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
    if isinstance(item, tree.UnknownOperation) and _near_distance(item.children) is not None:
        return _near(query, item, field)
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
            return Term(node.text, node.fields, PHRASE, slop=int(item.degree or 1))
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
    mode = PHRASE if isinstance(item, tree.Phrase) else STEM
    body = raw
    if isinstance(item, tree.Word):
        leading, trailing = raw.startswith("*"), raw.endswith("*") and len(raw) > 1
        body = raw.strip("*")
        if "*" in body or "?" in body:
            raise QuerySyntaxError(
                query,
                f"wildcard inside {raw!r}: only a leading or trailing * is supported",
                _find(query, raw),
            )
        if leading or trailing:
            mode = INFIX if leading and trailing else SUFFIX if leading else PREFIX
    if field == "entity":
        return _entity(query, body)
    if field in ("source", "lang", "url"):
        value = body.casefold() if field == "url" else fold(body)
        if not value:
            raise QuerySyntaxError(query, f"{field}: expected a value", _find(query, raw))
        return Meta(field, value, mode == PREFIX)
    words = raw_tokens(body)
    if not words:
        raise QuerySyntaxError(
            query, f"{raw!r} has no letters or digits to search for", _find(query, raw)
        )
    if mode in (PREFIX, SUFFIX, INFIX) and all(is_cjk(w) for w in words):
        mode = STEM  # each CJK character is a token: 寒武纪* is found wherever 寒武纪 is
    if mode in (PREFIX, SUFFIX, INFIX) and len(words) > 1:
        raise QuerySyntaxError(
            query, f"a wildcard applies to one word, not {raw!r}", _find(query, raw)
        )
    fields = frozenset({field}) if field else TEXT_FIELDS
    return Term(" ".join(words), fields, mode)


def _near_distance(children: object) -> int | None:
    for child in children:  # type: ignore[attr-defined]
        if isinstance(child, tree.Word) and (
            found := re.fullmatch(r"__chipwatchnear(\d+)__", child.value)
        ):
            return int(found[1])
    return None


def _near(query: str, item: tree.UnknownOperation, field: str | None) -> Node:
    distance = _near_distance(item.children)
    assert distance is not None
    if len(item.children) != 3:
        raise QuerySyntaxError(
            query,
            "NEAR/n joins exactly two words or phrases: use parentheses for more",
            _find(query, "NEAR/"),
        )
    left, right = (_convert(query, item.children[i], field) for i in (0, 2))
    if not isinstance(left, Term) or not isinstance(right, Term):
        raise QuerySyntaxError(query, "NEAR/n joins two words or phrases", _find(query, "NEAR/"))
    return Near(left, right, distance)


def _entity(query: str, name: str) -> Node:
    """`entity:X`: an article tagged with X or with anything whose org chain leads to X
    (its products, units and chips), by the tagger (analysis.tagger), whose tags are
    stored when an article is analysed. Not a second alias list: the tagger's context
    rules decide, so "shares ascend" is no Huawei Ascend here either."""
    registry = default_registry()
    entity_id = registry.resolve(name)
    if entity_id is None:
        raise QuerySyntaxError(
            query,
            f"unknown entity {name!r}: expected a registry id or name such as nvidia, "
            "huawei-ascend, cambricon, t-head or smic (see analysis/entities.toml)",
            _find(query, name),
        )
    return Meta("entity", entity_id)


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
    if isinstance(node, Near):
        return [node.left, node.right]
    if isinstance(node, And | Or):
        return [t for child in node.children for t in terms(child)]
    if isinstance(node, Not):
        return terms(node.child)
    return []


Condition = TypeVar("Condition")


def required(
    node: Node,
    term: Callable[[Term], Condition | None],
    all_of: Callable[[Sequence[Condition]], Condition],
    any_of: Callable[[Sequence[Condition]], Condition],
) -> Condition | None:
    """A condition every match of `node` meets, built from what `term` says of its terms:
    the shape of the index queries a backend narrows a search with (a superset of the
    matches; the matcher decides). None where nothing narrows: a term `term` cannot
    express, a metadata field, a NOT, or an OR with such a branch."""
    if isinstance(node, Term):
        return term(node)
    if isinstance(node, Near | And):
        children = (node.left, node.right) if isinstance(node, Near) else node.children
        parts = [required(child, term, all_of, any_of) for child in children]
        kept = [p for p in parts if p is not None]
        return all_of(kept) if kept else None
    if isinstance(node, Or):
        parts = [required(child, term, all_of, any_of) for child in node.children]
        if any(part is None for part in parts):
            return None
        return any_of([p for p in parts if p is not None])
    return None
