"""The entity registry and tagger: the labelled table's quality floors, the registry's
checks, spans into the original text, the product→org link, `entity:` queries, the
seeds, and `chipwatch entities tag`."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from analysis.analyzer import fold
from analysis.matcher import ArticleView, Rule, RuleSet
from analysis.query import QuerySyntaxError, parse_query
from analysis.registry import (
    KINDS,
    RegistryError,
    build_registry,
    default_registry,
    load_registry,
)
from analysis.tagger import Tagger, tag
from tests.conftest import SEEDS
from tests.entity_cases import CASES, errors, score

LANGUAGES = ("de", "en", "zh")


def ids(text: str) -> set[str]:
    return {m.entity for m in tag(text)}


# ---- the table and its floors --------------------------------------------------------


def test_the_table_is_large_varied_and_mostly_traps_where_it_should_be() -> None:
    assert len(CASES) >= 150
    assert sum(c.trap for c in CASES) / len(CASES) >= 0.40
    for language in LANGUAGES:
        mine = [c for c in CASES if c.language == language]
        assert len(mine) >= 40, language
        assert sum(c.trap for c in mine) >= 15, language
    assert len({c.text for c in CASES}) == len(CASES), "a sentence is listed twice"
    known = set(default_registry().entities)
    assert {i for c in CASES for i in c.expected} <= known


def test_precision_and_recall_overall() -> None:
    result = score(CASES, ids)
    report = "\n".join(errors(CASES, ids))
    assert result.precision >= 0.97, report
    assert result.recall >= 0.95, report


def test_precision_on_the_traps() -> None:
    traps = [c for c in CASES if c.trap]
    result = score(traps, ids)
    assert result.precision >= 0.95, "\n".join(errors(traps, ids))


@pytest.mark.parametrize("language", LANGUAGES)
def test_f1_per_language(language: str) -> None:
    mine = [c for c in CASES if c.language == language]
    assert score(mine, ids).f1 >= 0.95, "\n".join(errors(mine, ids))


def _without_rules() -> Tagger:
    """The same registry with every alias flag removed: names tagged wherever they stand."""
    registry = default_registry()
    entities = {
        key: replace(
            entity,
            aliases=tuple(replace(a, flags=frozenset(), context=None) for a in entity.aliases),
        )
        for key, entity in registry.entities.items()
    }
    return Tagger(replace(registry, entities=entities))


def test_the_floors_catch_a_tagger_without_context_rules() -> None:
    naive = _without_rules()

    def naive_ids(text: str) -> Iterable[str]:
        return {m.entity for m in naive.tag(text)}

    traps = [c for c in CASES if c.trap]
    assert score(traps, naive_ids).precision < 0.95
    assert score(CASES, naive_ids).precision < 0.97


# ---- how tags are made ---------------------------------------------------------------


def test_a_company_and_its_product_are_separate_tags() -> None:
    assert ids("Nvidia H20 shipments resumed.") == {"nvidia", "nvidia-h20"}
    assert ids("Shipments of the H20 chip resumed.") == {"nvidia-h20"}
    (h20,) = tag("Shipments of the H20 chip resumed.")
    assert (h20.kind, h20.org, h20.rule) == ("product", "nvidia", "chip-cue")


def test_products_reach_their_org_through_the_chain() -> None:
    registry = default_registry()
    assert registry.chain("huawei-ascend-910c") == ("huawei-ascend", "huawei")
    assert registry.chain("t-head-zhenwu") == ("t-head", "alibaba")
    assert {"nvidia-h20", "nvidia-b30a", "nvidia-blackwell", "nvidia-cuda"} <= (
        registry.descendants("nvidia")
    )
    assert {"t-head", "t-head-zhenwu", "alibaba-cloud"} <= registry.descendants("alibaba")
    assert "huawei" not in registry.descendants("huawei-ascend")
    assert registry.top("kunlunxin-p800") == "baidu"


def test_every_tag_names_its_rule() -> None:
    text = "Shares ascend as Moore Threads ships MUSA; the US Commerce Department objects."
    assert [(m.entity, text[m.start : m.end], m.rule) for m in tag(text)] == [
        ("moore-threads", "Moore Threads", "case"),
        ("moore-threads-musa", "MUSA", "case+entity-nearby"),
        ("us-commerce", "Commerce Department", "country:us"),
    ]


def test_an_agency_is_resolved_by_the_country_named_nearest() -> None:
    assert ids("The US Commerce Department tightened chip rules.") == {"us-commerce"}
    assert ids("China's commerce ministry hit back at Washington.") == {"mofcom"}
    assert ids("美国商务部宣布新规。") == {"us-commerce"}
    assert ids("商务部回应美方。") == {"mofcom"}  # the US is the other side here
    assert ids("Das Handelsministerium in Berlin lud ein.") == set()
    assert ids("Das Handelsministerium in Peking lud ein.") == {"mofcom"}


def test_the_language_decides_an_unqualified_agency() -> None:
    assert ids("商务部表示将进一步调查。") == {"mofcom"}
    assert {m.entity for m in tag("Commerce Department figures", "en")} == {"us-commerce"}
    assert {m.entity for m in tag("Commerce Department figures", "de")} == set()
    assert {m.entity for m in tag("商务部", "zh-CN")} == {"mofcom"}


def test_a_model_number_that_is_a_quantity_is_not_a_chip() -> None:
    assert ids("Cambricon's Siyuan 590 costs 590 euros less.") == {
        "cambricon",
        "cambricon-siyuan-590",
    }
    assert ids("Cambricon verdiente 1.590 Millionen Yuan mit dem 690.") == {
        "cambricon",
        "cambricon-siyuan-690",
    }
    assert ids("Cambricon 590 Euro") == {"cambricon"}
    assert ids("Nvidia: $200 for a H20 with 20% off") >= {"nvidia", "nvidia-h20"}


def test_chinese_is_matched_as_written_in_both_scripts() -> None:
    assert ids("華為昇騰910C") == {"huawei", "huawei-ascend-910c"}
    assert ids("华为昇腾910C") == {"huawei", "huawei-ascend-910c"}
    assert ids("华为、昇腾") == {"huawei", "huawei-ascend"}


def test_spans_point_into_the_original_text() -> None:
    for case in CASES:
        for mention in tag(case.text):
            written = fold(case.text[mention.start : mention.end])
            assert written in (fold(mention.alias), fold(mention.alias) + "s"), (case, mention)
    text = "Größere Umsätze: ＮＶＩＤＩＡ und Nvidias H20-Chip"
    spans = [text[m.start : m.end] for m in tag(text)]
    assert spans == ["ＮＶＩＤＩＡ", "Nvidias", "H20"]


def test_empty_and_wordless_text_has_no_tags() -> None:
    assert tag("") == []
    assert tag(" \n\t") == []
    assert tag("… — !!!") == []


# ---- the registry --------------------------------------------------------------------


def test_the_packaged_registry_is_complete() -> None:
    registry = load_registry()
    assert len(registry) >= 100
    assert {e.kind for e in registry.entities.values()} == KINDS
    products = [e for e in registry.entities.values() if e.kind == "product"]
    assert all(p.org is not None for p in products if p.id != "hbm")
    for entity_id in ("nvidia", "huawei", "cambricon", "tsmc", "smic", "t-head"):
        languages = {a.language for a in registry[entity_id].aliases}
        assert {"en", "zh"} <= languages, entity_id


def test_the_wheel_ships_the_registry() -> None:
    pyproject = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    assert "entities.toml" in pyproject["tool"]["setuptools"]["package-data"]["analysis"]
    assert resources.files("analysis").joinpath("entities.toml").is_file()


def _entry(**fields: Any) -> dict[str, Any]:
    return {"id": "x", "kind": "org", "name": "X", "en": ["X"], **fields}


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([_entry(), _entry()], "entity 'x' is defined twice"),
        ([_entry(org="nobody")], "org 'nobody' is not an entity id"),
        ([_entry(family="nope")], "family 'nope' is not an entity id"),
        ([_entry(en=["X | risky"])], "unknown flag 'risky'"),
        ([_entry(en=["X | chip model"])], "at most one of"),
        ([_entry(en=["X | country"])], "flagged country but has none"),
        ([_entry(id="Nvidia")], "not a lowercase slug"),
        ([_entry(kind="vendor")], "kind 'vendor' is not one of"),
        ([_entry(country="xx")], "country 'xx' is not one of"),
        ([_entry(en=[], zh=[])], "no aliases"),
        ([_entry(en=[" | case"])], "has no letters or digits"),
        ([_entry(aliases=["X"])], "unknown key 'aliases'"),
        (
            [_entry(id="a", org="b"), _entry(id="b", org="a")],
            "chain loops back",
        ),
        ([], "no [[entity]] entries"),
    ],
)
def test_a_broken_registry_is_refused_with_a_clear_reason(
    entries: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(RegistryError, match=None) as caught:
        build_registry(entries, "entities.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("entities.toml: ")


def test_an_unreadable_registry_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "entities.toml"
    broken.write_text("[[entity]\nid = ", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(broken)
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "missing.toml")


# ---- entity: in queries --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("nvidia", "nvidia"),
        ("huawei-ascend-910c", "huawei-ascend-910c"),
        ("huawei ascend", "huawei-ascend"),
        ("Alibaba T-Head", "t-head"),
        ("baidu kunlunxin", "kunlunxin"),
        ("寒武纪", "cambricon"),
        ("Moore Threads", "moore-threads"),
    ],
)
def test_entity_names_resolve_to_registry_ids(name: str, expected: str) -> None:
    assert default_registry().resolve(name) == expected


def test_entity_query_uses_the_tags_and_reaches_products_through_the_org_chain() -> None:
    """`entity:` is answered by the tagger's tags (stored ones when the article was
    analysed), never by a second alias list."""

    def matches(query: str, text: str, entities: frozenset[str] | None = None) -> bool:
        view = ArticleView(title="", text=text, language="en", entities=entities)
        return bool(RuleSet([Rule.parse("q", query)]).match(view))

    assert matches("entity:nvidia", "China curbs purchases of the H20 chip.")
    assert not matches("entity:huawei", "Shares ascend after the results.")  # a trap
    assert matches("entity:huawei", "Huawei ships the Ascend 910C.")
    # stored tags decide, whatever the text says
    assert matches("entity:nvidia", "no names here", frozenset({"nvidia-h200"}))
    assert not matches("entity:nvidia", "Nvidia H20", frozenset())
    explained = RuleSet([Rule.parse("q", "entity:cambricon AND 590")]).match(
        ArticleView(title="", text="Cambricon Siyuan 590", entities=frozenset({"cambricon"}))
    )
    assert explained[0].matched == ("entity:cambricon", "590")
    with pytest.raises(QuerySyntaxError, match="unknown entity 'nokia'"):
        parse_query("entity:nokia")


# ---- the seeds (real articles, read at run time) --------------------------------------

SEED_ENTITIES = {
    "000": {"alibaba", "nvidia", "nvidia-h20", "metax", "cambricon", "cambricon-siyuan-590"},
    "001": {
        "alibaba",
        "t-head",
        "china-unicom",
        "metax",
        "biren",
        "huawei",
        "huawei-ascend-910b",
        "huawei-ascend-910c",
    },
    "002": {
        "cambricon",
        "cambricon-siyuan-590",
        "cambricon-siyuan-690",
        "huawei-ascend",
        "huawei-ascend-910c",
        "huawei-ascend-910d",
        "enflame",
        "metax",
        "moore-threads",
        "biren",
        "iluvatar-corex",
        "kunlunxin",
        "smic",
        "tsmc",
        "nvidia-cuda",
        "huawei-cann",
        "moore-threads-musa",
    },
    "003": {"alibaba", "bytedance", "nvidia", "nvidia-h200", "nvidia-h20"},
    "004": {"alibaba", "nvidia", "nvidia-h20", "metax", "tsmc", "huawei-ascend"},
}


def test_the_seeds_yield_the_entities_their_readme_lists() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"no seed articles at {SEEDS}")
    for prefix, expected in SEED_ENTITIES.items():
        (path,) = SEEDS.glob(f"{prefix}_*.txt")
        text = path.read_text(encoding="utf-8")
        mentions = tag(text)
        found = {m.entity for m in mentions}
        assert expected <= found, (prefix, sorted(expected - found))
        for mention in mentions:
            written = fold(text[mention.start : mention.end])
            assert written in (fold(mention.alias), fold(mention.alias) + "s")
    boilerplate = (next(SEEDS.glob("002_*.txt"))).read_text(encoding="utf-8")
    tail = boilerplate[boilerplate.index("Cooler Artikel!") :]
    assert tag(tail) == []


# ---- chipwatch entities tag ----------------------------------------------------------


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chipwatch", "entities", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_tags_lines_of_text_and_json_objects(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "Nvidia H20 shipments resumed.\n"
        '{"id": "a-17", "text": "华为昇腾910C", "language": "zh"}\n'
        "\n"
        "Shares ascend on the rumour.\n",
        encoding="utf-8",
    )
    result = _cli("tag", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == [1, "a-17", 4]
    assert lines[0]["entities"] == [
        {
            "id": "nvidia",
            "name": "Nvidia",
            "kind": "org",
            "org": None,
            "alias": "Nvidia",
            "start": 0,
            "end": 6,
            "rule": "safe",
        },
        {
            "id": "nvidia-h20",
            "name": "Nvidia H20",
            "kind": "product",
            "org": "nvidia",
            "alias": "H20",
            "start": 7,
            "end": 10,
            "rule": "maker-nearby",
        },
    ]
    assert [e["id"] for e in lines[1]["entities"]] == ["huawei", "huawei-ascend-910c"]
    assert lines[2]["entities"] == []


def test_cli_reports_bad_lines_by_number_and_tags_the_rest() -> None:
    stdin = '{"text": "TSMC"}\n{broken\n{"text": 5}\n{"id": 9}\n{"text": "SMIC"}\n'
    result = _cli("tag", "-", stdin=stdin)
    assert result.returncode == 1
    assert [json.loads(line)["entities"][0]["id"] for line in result.stdout.splitlines()] == [
        "tsmc",
        "smic",
    ]
    errors_ = result.stderr.splitlines()
    assert len(errors_) == 3
    assert errors_[0].startswith("Error: stdin line 2: not valid JSON")
    assert errors_[1] == 'Error: stdin line 3: expected a JSON object with a string "text"'
    assert errors_[2] == 'Error: stdin line 4: expected a JSON object with a string "text"'
    assert "Traceback" not in result.stderr


def test_cli_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    result = _cli("tag", str(tmp_path / "nope.txt"))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"Error: {tmp_path / 'nope.txt'}: cannot read: No such file or directory"
    )
