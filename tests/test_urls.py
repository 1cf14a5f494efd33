from __future__ import annotations

import pytest

from crawler.urls import canonicalize, url_key


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://WWW.Heise.DE/news/a.html?utm_source=rss&utm_medium=feed&fbclid=XYZ#top",
            "https://www.heise.de/news/a.html",
        ),
        ("https://n.example:443/a.html?b=2&a=1", "https://n.example/a.html?a=1&b=2"),
        ("https://n.example", "https://n.example/"),
    ],
)
def test_canonicalize_drops_tracking_fragment_and_normalises_host(url: str, canonical: str) -> None:
    assert canonicalize(url) == canonical


def test_trailing_slash_and_tracking_variants_share_one_key() -> None:
    base = "https://n.example/news/2025/09/story.html"
    variants = [base, base + "/", base + "?utm_source=x", base.upper().replace("NEWS", "news")]
    assert url_key(variants[0]) == url_key(variants[1]) == url_key(variants[2])


def test_meaningful_query_parameters_stay() -> None:
    assert url_key("https://n.example/article?id=7") != url_key("https://n.example/article?id=8")
