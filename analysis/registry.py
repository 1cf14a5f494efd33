"""The entity registry: `analysis/entities.toml` loaded into frozen dataclasses and checked.

A registry that does not hold together (a duplicate id, an `org` or `family` naming no
entry, a flag nobody knows, a cycle in the org chain) is refused at load time with a
`RegistryError` naming the file, the entry and the reason; the tagger never sees it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from analysis.analyzer import fold
from analysis.errors import AnalysisError

KINDS = frozenset({"org", "product", "software", "agency", "other"})
# `case` is checked on the span as written; the others ask the surrounding text for
# evidence, and an alias carries at most one of them.
CONTEXT_FLAGS = frozenset({"chip", "company", "maker", "model", "country"})
FLAGS = CONTEXT_FLAGS | {"case"}
# Alias lists by language; pinyin and tickers are written in Latin letters and read as
# English would be.
ALIAS_KEYS = {"en": "en", "de": "de", "zh": "zh", "pinyin": "en", "tickers": "en"}
COUNTRIES = frozenset({"us", "cn", "de", "eu", "jp"})
_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_KEYS = frozenset({"id", "kind", "name", "org", "family", "country", *ALIAS_KEYS})


class RegistryError(AnalysisError):
    """The entity registry file is unreadable or inconsistent."""


@dataclass(frozen=True)
class Alias:
    text: str  # as written in the registry (what `case` compares with)
    language: str  # en, de or zh
    flags: frozenset[str]
    context: str | None = None  # the one context flag, if any (set from flags)

    def __post_init__(self) -> None:
        found = self.flags & CONTEXT_FLAGS
        object.__setattr__(self, "context", next(iter(found)) if found else None)


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str
    name: str
    org: str | None
    family: str | None
    country: str | None
    aliases: tuple[Alias, ...]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (cached indexes)
class Registry:
    entities: Mapping[str, Entity]
    source: str
    chains: Mapping[str, tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.entities)

    def __getitem__(self, entity_id: str) -> Entity:
        return self.entities[entity_id]

    def chain(self, entity_id: str) -> tuple[str, ...]:
        """The entity's parents, nearest first: its family, the family's family, then the
        orgs (a product of T-Head: t-head, alibaba)."""
        return self.chains[entity_id]

    def top(self, entity_id: str) -> str:
        """The outermost org of the chain (the entity itself if it has none)."""
        chain = self.chain(entity_id)
        return chain[-1] if chain else entity_id

    def descendants(self, entity_id: str) -> frozenset[str]:
        """The entity and every id whose org chain includes it: what `entity:ID` finds."""
        return frozenset(
            other for other in self.entities if other == entity_id or entity_id in self.chain(other)
        )

    def resolve(self, name: str) -> str | None:
        """The id a user means by NAME: an id, a canonical name or an unambiguous alias
        (case and accents aside), or a maker and product written together ("Huawei
        Ascend", "Alibaba T-Head": the most specific entity named)."""
        index = _name_index(self)
        key = fold(name.replace("-", " "))
        if key in index:
            return index[key]
        tokens = key.split()
        found: list[str] = []
        i = 0
        while i < len(tokens):
            for j in range(len(tokens), i, -1):
                hit = index.get(" ".join(tokens[i:j]))
                if hit is not None:
                    found.append(hit)
                    i = j
                    break
            else:
                return None
        for candidate in found:
            if all(other == candidate or other in self.chain(candidate) for other in found):
                return candidate
        return None


@cache
def _name_index(registry: Registry) -> dict[str, str]:
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for entity in registry.entities.values():
        if entity.kind == "other":
            continue
        for alias in entity.aliases:
            if "country" in alias.flags:
                continue
            key = fold(alias.text)
            if index.get(key, entity.id) != entity.id:
                ambiguous.add(key)
            index[key] = entity.id
    for key in ambiguous:
        del index[key]
    for entity in registry.entities.values():  # ids and names win over aliases
        if entity.kind != "other":
            index[fold(entity.name)] = entity.id
            index[fold(entity.id.replace("-", " "))] = entity.id
    return index


def parse_alias(raw: str) -> tuple[str, frozenset[str]]:
    """ "Ascend | case chip" → ("Ascend", {"case", "chip"})."""
    text, _, flags = raw.partition("|")
    return text.strip(), frozenset(flags.split())


def load_registry(path: Path | None = None) -> Registry:
    """Read and check a registry file (the packaged `entities.toml` by default)."""
    if path is None:
        resource = resources.files("analysis").joinpath("entities.toml")
        source = "analysis/entities.toml"
        try:
            text = resource.read_text(encoding="utf-8")
        except OSError as exc:
            raise RegistryError(f"{source}: cannot read the entity registry: {exc}") from exc
    else:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RegistryError(f"{source}: cannot read the entity registry: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{source}: not valid TOML: {exc}") from exc
    return build_registry(data.get("entity", []), source)


def build_registry(entries: Iterable[Any], source: str) -> Registry:
    entities: dict[str, Entity] = {}
    for number, entry in enumerate(entries, start=1):
        entity = _entity(entry, source, number)
        if entity.id in entities:
            raise RegistryError(f"{source}: entity {entity.id!r} is defined twice")
        entities[entity.id] = entity
    if not entities:
        raise RegistryError(f"{source}: no [[entity]] entries")
    for entity in entities.values():
        for key in ("org", "family"):
            target = getattr(entity, key)
            if target is not None and target not in entities:
                raise RegistryError(
                    f"{source}: entity {entity.id!r}: {key} {target!r} is not an entity id"
                )
    for entity in entities.values():
        _check_acyclic(entities, entity.id, source)
    return Registry(entities, source, {e: _chain(entities, e) for e in entities})


def _chain(entities: Mapping[str, Entity], entity_id: str) -> tuple[str, ...]:
    out: list[str] = []
    todo = [entity_id]
    while todo:
        entity = entities[todo.pop(0)]
        for parent in (entity.family, entity.org):
            if parent is not None and parent not in out:
                out.append(parent)
                todo.append(parent)
    return tuple(out)


def _entity(entry: Any, source: str, number: int) -> Entity:
    where = f"{source}: entity #{number}"
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a table, got {type(entry).__name__}")
    entity_id = entry.get("id")
    if not isinstance(entity_id, str) or not _ID_RE.fullmatch(entity_id):
        raise RegistryError(
            f"{where}: id {entity_id!r} is not a lowercase slug such as 'huawei-ascend-910c'"
        )
    where = f"{source}: entity {entity_id!r}"
    unknown = set(entry) - _KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise RegistryError(f"{where}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{where}: name is missing")
    refs: dict[str, str | None] = {}
    for key in ("org", "family", "country"):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise RegistryError(f"{where}: {key} must be a string")
        refs[key] = value
    if refs["org"] == entity_id or refs["family"] == entity_id:
        raise RegistryError(f"{where}: an entity cannot be its own org or family")
    if refs["country"] is not None and refs["country"] not in COUNTRIES:
        raise RegistryError(
            f"{where}: country {refs['country']!r} is not one of {', '.join(sorted(COUNTRIES))}"
        )
    aliases: list[Alias] = []
    for key, language in ALIAS_KEYS.items():
        values = entry.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise RegistryError(f"{where}: {key} must be a list of strings")
        for raw in values:
            aliases.append(_alias(raw, language, where, key, refs["country"]))
    if not aliases:
        raise RegistryError(f"{where}: no aliases")
    return Entity(
        entity_id, kind, name.strip(), refs["org"], refs["family"], refs["country"], tuple(aliases)
    )


def _alias(raw: str, language: str, where: str, key: str, country: str | None) -> Alias:
    text, flags = parse_alias(raw)
    if not fold(text):
        raise RegistryError(f"{where}: {key} alias {raw!r} has no letters or digits")
    unknown = flags - FLAGS
    if unknown:
        raise RegistryError(
            f"{where}: {key} alias {text!r}: unknown flag {sorted(unknown)[0]!r} "
            f"(known: {', '.join(sorted(FLAGS))})"
        )
    if len(flags & CONTEXT_FLAGS) > 1:
        raise RegistryError(
            f"{where}: {key} alias {text!r}: at most one of "
            f"{', '.join(sorted(CONTEXT_FLAGS))}, got {' '.join(sorted(flags & CONTEXT_FLAGS))}"
        )
    if "country" in flags and country is None:
        raise RegistryError(f"{where}: {key} alias {text!r} is flagged country but has none")
    return Alias(text, language, flags)


def _check_acyclic(entities: Mapping[str, Entity], entity_id: str, source: str) -> None:
    seen = {entity_id}
    todo = [entity_id]
    while todo:
        entity = entities[todo.pop()]
        for parent in (entity.family, entity.org):
            if parent is None:
                continue
            if parent == entity_id:
                raise RegistryError(
                    f"{source}: entity {entity_id!r}: its org/family chain loops back to it"
                )
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)


@cache
def default_registry() -> Registry:
    """The packaged registry, loaded once per process."""
    return load_registry()
