from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
from courlan import normalize_url
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _courlan(url: str) -> str:
    """canonicalize without its shortcut for plain URLs: courlan, then our form."""
    try:
        normalized = normalize_url(url, strict=False)
    except ValueError:
        normalized = url
    parts = urlsplit(normalized)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _old_key(url: str) -> str:
    parts = urlsplit(_courlan(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") or "/", parts.query, ""))


# URLs near the shortcut's edges: case, ports, dots, doubled slashes, escapes, queries
_URLS = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["n.example", "N.Example", "127.0.0.1", "xn--bcher-kva.example", "a-b.c"]),
    st.sampled_from(["", ":80", ":443", ":8000", ":080", ":99999", ":"]),
    st.text(alphabet="/.~_-!=:,%&;?#aZ9 é", max_size=24),
)


@settings(max_examples=400, deadline=None)
@given(_URLS)
def test_shortcuts_agree_with_courlan(url: str) -> None:
    canonicalize.cache_clear()
    assert canonicalize(url) == _courlan(url)
    assert url_key(url) == _old_key(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://n.example/news/2026/11/story-1.html",
        "http://127.0.0.1:8000/news/a,b=c:d~e_f.html/",
        "https://n.example",
        "https://n.example:443/a.html",
        "http://n.example:80",
        "https://n.example/../a.html",
        "https://n.example/a//b.html",
        "https://n.example/a%20b.html",
        "https://n.example/a&amp;b.html",
    ],
)
def test_plain_urls_agree_with_courlan(url: str) -> None:
    canonicalize.cache_clear()
    assert canonicalize(url) == _courlan(url)
    assert url_key(url) == _old_key(url)
