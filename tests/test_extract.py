"""Extraction on the seed articles as a real site serves them: body kept, boilerplate out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract import ExtractedArticle, ExtractionFailure, canonical_link, extract_article
from tests.newsweb import (
    load_seed_articles,
    normalize_ws,
    seed_expectations,
    seeds_available,
    trap_site,
)

pytestmark = pytest.mark.skipif(
    not seeds_available(), reason="../shared/seeds is not beside the checkout"
)

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def extracted() -> dict[str, ExtractedArticle]:
    site = trap_site(load_seed_articles())
    articles = site.articles
    results = {}
    for key, article in zip(sorted(seed_expectations()), articles, strict=True):
        response = site.route(BASE, article.url_path)
        assert response.status == 200
        html = response.body.decode(article.charset)
        result = extract_article(html, BASE + article.url_path, language_hint="de")
        assert isinstance(result, ExtractedArticle), result
        results[key] = result
    return results


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_body_sentences_kept_and_boilerplate_dropped(
    extracted: dict[str, ExtractedArticle], key: str
) -> None:
    expected = seed_expectations()[key]
    text = normalize_ws(extracted[key].text)
    assert expected.first_sentence in text
    assert expected.last_sentence in text
    for junk in expected.boilerplate:
        assert junk not in text
    for junk in ("Job, der Bot", "Alle akzeptieren", "Kommentare", "Newsletter", "Impressum"):
        assert junk not in text


def test_titles_languages_and_dates(extracted: dict[str, ExtractedArticle]) -> None:
    expectations = seed_expectations()
    assert {k: a.title for k, a in extracted.items()} == {
        k: e.title for k, e in expectations.items()
    }
    assert {k: a.language for k, a in extracted.items()} == {
        "000": "de",
        "001": "de",
        "002": "de",
        "003": "de",
        "004": "en",
    }
    assert extracted["002"].author == "Michael Förtsch"
    assert extracted["002"].published_at is not None
    assert extracted["002"].published_at.date() == datetime(2025, 9, 3, tzinfo=UTC).date()
    assert extracted["003"].published_at is not None
    assert extracted["003"].published_at.date() == datetime(2025, 12, 10).date()


def test_iso_8859_1_page_keeps_its_umlauts(extracted: dict[str, ExtractedArticle]) -> None:
    # seed 001 is served as ISO-8859-1, declared only in its meta tag
    assert "Rechenzentrum" in extracted["001"].text
    assert "\ufffd" not in extracted["001"].text


def test_empty_and_tiny_pages_are_failures_with_a_reason() -> None:
    assert extract_article("", "https://n/x") == ExtractionFailure(
        "empty", "the page has no content"
    )
    tiny = "<html><body><article><p>Nur ein Satz.</p></article></body></html>"
    result = extract_article(tiny, "https://n/y")
    assert isinstance(result, ExtractionFailure)
    assert result.reason in {"empty", "too_short"}


def test_confident_detection_beats_the_source_hint() -> None:
    paragraphs = [
        "Nvidia has started shipping its newest accelerators to cloud providers across Asia.",
        "Analysts expect demand to stay strong through next year, despite export rules.",
        "Chinese buyers are weighing domestic alternatives from Huawei and Cambricon instead.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"<html lang='de'><body><article>{body}</article></body></html>"
    result = extract_article(html, "https://n/en", language_hint="de")
    assert isinstance(result, ExtractedArticle)
    assert result.language == "en"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('<head><link rel="canonical" href="https://a.example/x"></head>', "https://a.example/x"),
        # attribute order, case, entities, relative and unquoted values
        ('<LINK HREF="/x?a=1&amp;b=2" REL="canonical">', "/x?a=1&b=2"),
        ("<link rel=canonical href=https://a.example/y>", "https://a.example/y"),
        ("<link rel='alternate canonical' href=' /z '>", "/z"),
        # the first canonical counts; other link types and empty hrefs do not
        (
            '<link rel="stylesheet" href="s.css"><link rel="canonical" href="">'
            '<link rel="canonical" href="/first"><link rel="canonical" href="/second">',
            "/first",
        ),
        ("<p>no link at all</p>", None),
    ],
)
def test_canonical_link_is_read_from_the_link_tags(page: str, expected: str | None) -> None:
    assert canonical_link(page) == expected
