"""Deduplication: exact copies across sources, near copies of wire stories, and
same-event articles written independently that must not be flagged."""

from __future__ import annotations

import pytest

from analysis import dedup
from analysis.dedup import DuplicateIndex, Signature, SignatureError, signature
from bench.stories import dedup_quality
from bench.storyset import load

WIRE = (
    "Nvidia has asked component suppliers to halt work related to the H20, a report said "
    "on Friday, after Chinese authorities discouraged local companies from buying the chip. "
    "In a statement, Nvidia said it constantly manages its supply chain to address market "
    "conditions. Separately, the company was said to have asked a contract manufacturer to "
    "suspend work on the part. The moves suggest Nvidia sees little near-term demand for the "
    "chip in China, where regulators have questioned its security."
)


def test_the_same_text_on_another_source_is_an_exact_copy() -> None:
    index = DuplicateIndex()
    index.add("a", WIRE)
    hit = index.find("  " + WIRE.upper().replace(",", " ,") + "\n")
    assert hit == dedup.Duplicate("exact", "a", 1.0)


def test_a_repost_with_agency_tag_and_cut_paragraph_is_a_near_copy() -> None:
    index = DuplicateIndex()
    index.add("a", WIRE)
    sentences = WIRE.split(". ")
    repost = "(dpa-AFX) " + ". ".join(sentences[:-1]) + ". Mit Material von Reuters."
    hit = index.find(repost)
    assert hit is not None
    assert (hit.kind, hit.id) == ("near", "a")
    assert hit.similarity >= dedup.NEAR_CONTAINMENT


def test_an_unrelated_text_finds_nothing() -> None:
    index = DuplicateIndex()
    index.add("a", WIRE)
    assert index.find("Huawei unveiled its Ascend roadmap at Huawei Connect " * 3) is None


def test_the_labelled_set_separates_copies_from_same_event_articles() -> None:
    # the thresholds in analysis/dedup.py are chosen on this set: every near and exact
    # copy finds its original, no independently written article on the same event is
    # flagged
    result = dedup_quality(load())
    assert result.recall == 1.0
    assert result.false_flags == 0
    assert result.precision == 1.0


def test_signatures_round_trip_through_bytes_and_rebuild_the_index() -> None:
    sig = signature(WIRE)
    data = sig.to_bytes()
    assert len(data) < 600
    index = DuplicateIndex()
    index.add_signature(7, Signature.from_bytes(data))
    hit = index.find("By Tom Walsh " + WIRE)
    assert hit is not None
    assert hit.id == 7


def test_a_short_text_is_only_matched_exactly() -> None:
    sig = signature("Nvidia H20")
    assert sig.minhash is None
    index = DuplicateIndex()
    index.add_signature("s", Signature.from_bytes(sig.to_bytes()))
    assert index.find("nvidia  h20") == dedup.Duplicate("exact", "s", 1.0)
    assert index.find("Nvidia H200") is None


def test_removing_an_article_drops_it_from_both_indexes() -> None:
    index = DuplicateIndex()
    index.add("a", WIRE)
    index.add("b", WIRE)  # a copy: "a" stays the original
    assert index.find(WIRE) == dedup.Duplicate("exact", "a", 1.0)
    index.remove("a")
    assert index.find(WIRE) == dedup.Duplicate("exact", "b", 1.0)
    index.remove("b")
    assert index.find(WIRE) is None
    assert len(index) == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x01\x02", "too short"),
        (b"\x09" + bytes(20), "version 9"),
        (signature(WIRE).to_bytes()[:-7], "unreadable MinHash"),
    ],
)
def test_bad_signature_bytes_are_one_line_errors(data: bytes, reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        Signature.from_bytes(data)
