"""The article's own headline, read from the parsed page.

Trafilatura's title is the first of og:title, a lone <h1> or the <title>, so it often
carries the site's name (" | heise online", " - Golem.de") or a kicker glued to the
headline. Here every place a page states its headline is read — the <h1>, JSON-LD
`headline`, og:title, twitter:title and <title> — and the visible <h1> wins when a
meta title confirms it; otherwise the first meta title, with the site's name cut off
(for Chinese and Japanese titles also a name in their own script: "标题_新浪科技_新浪网").
Headings that link to the front page or sit in the footer are the site's, not the
article's.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from analysis.analyzer import CJK_RANGES

# A title's parts are split at a separator with space on both sides; ":" is not one,
# since "Kicker: headline" is how many headlines read.
_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•»«›‹~/\\]|::|//)\s+")
# Chinese and Japanese titles end with the site's name (and a channel) after "_" or "|",
# or after "-" with no space around it ("标题-新华网"), in a script no host name matches.
# "——" is left alone: it opens a Chinese subtitle.
_CJK_SEPARATOR = re.compile(r"\s*[_|｜]\s*|(?<=\S)[-–](?=\S)|\s+(?:[-–~/]|—(?!—))\s+")
_CJK = re.compile(f"[{CJK_RANGES}]")
# What a site's name does not hold: spaces, sentence punctuation, brackets, quotes
_NOT_IN_A_NAME = re.compile(r"[\s，。！？：；、,.!?:;()（）\[\]【】《》「」“”\"']")
_SITE_NAME_MAX = 8  # characters: 新华网, 新浪科技, IT之家, 36氪
# How Chinese sites' names end (net, news, daily, …): after a bare "-", which headlines
# use too ("7nm量产-良率提升"), only such a name is cut.
_SITE_NAME_END = ("网", "網", "新闻", "新聞", "日报", "晚报", "时报", "在线", "频道", "之家")
_TITLE_MAX = 300  # characters looked at for a site's name: a title, not a page
# Where a heading is not the page's headline: hidden, or in the page's footer (CMS
# templates put "Impressum" or "Partner" in <h1>s there): a <footer>, role=contentinfo,
# or an element whose class names it a footer ("footer", "footer-col…", "site-footer")
# and which holds no <main> or <article> (a page wrapper's "footer-fixed" modifier).
# Not <nav>: news sites repeat the headline in a sticky header's breadcrumb <nav>.
_NOT_CONTENT = (
    "ancestor-or-self::*[@hidden] or ancestor::footer or ancestor::*[@role='contentinfo']"
    " or ancestor::*[not(self::body or self::html or self::main or self::article)]"
    "[contains(concat(' ', normalize-space(@class), ' '), ' footer')"
    " or contains(@class, 'site-footer') or contains(@class, 'page-footer')]"
    "[not(.//main or .//article)]"
)
# Parts of an <h1> that are not the headline: a kicker (Dachzeile) or screen-reader text.
_NOT_HEADLINE = re.compile(
    r"kicker|dachzeile|overline|topline|roofline|eyebrow|label|category|rubric|ressort"
    r"|sr-only|visually-hidden|screen-reader|screenreader|a11y|aural",
    re.IGNORECASE,
)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACED_TAGS = frozenset({"br", "div", "p", "span", "small", "header", "li"})
_ARTICLE_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)
_ELLIPSIS = ("…", "...")
# Host labels that name no site.
_GENERIC_LABELS = frozenset({"www", "m", "amp", "news", "com", "org", "net", "co", "de", "uk"})


def page_headline(tree: HtmlElement, url: str) -> str | None:
    linked_data = _jsonld(tree)  # parsed once: the headline and the site's names use it
    sites = _site_names(tree, url, linked_data)
    metas = [
        title
        for raw in (_jsonld_headline(linked_data), *_meta_titles(tree))
        if (title := _strip_site(_clean(raw), sites))
    ]
    metas = _drop_truncated(metas)
    # A heading is confirmed by a meta title as written or without a CJK site name (a
    # guess, which must not cut a headline that a heading confirms whole).
    metas += [bare for meta in metas if (bare := _strip_cjk_site(meta, sites)) != meta]
    headings = [
        h
        for h in _visible_headings(tree, "h1")
        if _clean(h.text_content()) and not _links_home(h, url)
    ]
    for heading in headings:
        for variant in _variants(heading):
            if any(_agrees(variant, meta) for meta in metas):
                return variant
    # No <h1> agrees with the meta titles: a page whose <h1> is a section name or the
    # logo states its headline in an <h2> that they confirm.
    for heading in _visible_headings(tree, "h2"):
        if _links_home(heading, url):
            continue
        for variant in _variants(heading):
            if any(_agrees(variant, meta) for meta in metas):
                return variant
    for heading in _main_first(headings):
        headline = next(_variants(heading), None)
        if headline and not _is_site(headline, sites):
            return headline
    return _strip_cjk_site(metas[0], sites) if metas else None


def _visible_headings(tree: HtmlElement, tag: str) -> Iterator[HtmlElement]:
    """In document order, lazily: the <h2>s are looked at only until one is confirmed."""
    return (h for h in tree.iter(tag) if isinstance(h, HtmlElement) and not h.xpath(_NOT_CONTENT))


def _links_home(heading: HtmlElement, url: str) -> bool:
    """A heading that is one link to the site's front page is the site's name (a blog
    theme's `<h1><a href="/" rel="home">`), whatever the page's title says."""
    links = [a for a in heading.iter("a") if isinstance(a, HtmlElement)]
    if len(links) != 1 or _clean(links[0].text_content()) != _clean(heading.text_content()):
        return False
    link = links[0]
    if "home" in (link.get("rel") or "").lower().split():
        return True
    href = link.get("href")
    if not href:
        return False
    target, page = urlsplit(urljoin(url, href)), urlsplit(url)
    return (
        _host(target.hostname) == _host(page.hostname)
        and target.path in ("", "/")
        and not target.query
    )


def _host(hostname: str | None) -> str:
    return (hostname or "").removeprefix("www.")


def _main_first(headings: list[HtmlElement]) -> list[HtmlElement]:
    """Headings inside <article> or <main> before those in the page's header."""
    inside = [h for h in headings if h.xpath("ancestor::article or ancestor::main")]
    return inside + [h for h in headings if h not in inside]


def _variants(heading: HtmlElement) -> Iterator[str]:
    """The heading without its kicker, then as it stands, then each of its parts."""
    seen: set[str] = set()
    candidates = [_heading_text(heading, skip_kicker=True), _heading_text(heading)]
    candidates += [_heading_text(child) for child in heading if isinstance(child, HtmlElement)]
    for text in candidates:
        if text and text not in seen:
            seen.add(text)
            yield text


def _heading_text(element: HtmlElement, *, skip_kicker: bool = False) -> str:
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        spaced = node.tag in _SPACED_TAGS
        if spaced:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child, HtmlElement) and not (skip_kicker and _is_kicker(child)):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if spaced:
            parts.append(" ")

    walk(element)
    return _clean("".join(parts))


def _is_kicker(element: HtmlElement) -> bool:
    """A kicker, screen-reader text, or a <small> line (a date, a byline, categories)
    set inside the heading."""
    if element.tag == "small":
        return True
    marks = f"{element.get('class', '')} {element.get('id', '')} {element.get('itemprop', '')}"
    return bool(_NOT_HEADLINE.search(marks))


def _meta_titles(tree: HtmlElement) -> Iterator[str | None]:
    for key in ("og:title", "twitter:title"):
        for meta in tree.xpath(f'//meta[@property="{key}" or @name="{key}"]'):
            yield meta.get("content")
    for title in tree.iter("title"):
        if not title.xpath("ancestor::svg"):
            yield title.text_content()
            break


def _jsonld(tree: HtmlElement) -> list[dict[str, object]]:
    """Every object of the page's JSON-LD blocks (those that parse), @graph unpacked."""
    nodes: list[dict[str, object]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue
        nodes += _jsonld_nodes(data)
    return nodes


def _jsonld_headline(nodes: list[dict[str, object]]) -> str | None:
    for node in nodes:
        kind = node.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        headline = node.get("headline")
        if isinstance(headline, str) and any(
            isinstance(k, str) and _ARTICLE_TYPES.search(k) for k in kinds
        ):
            return headline
    return None


def _jsonld_nodes(data: object) -> Iterator[dict[str, object]]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_nodes(item)
    elif isinstance(data, dict):
        yield data
        yield from _jsonld_nodes(data.get("@graph"))


def _site_names(tree: HtmlElement, url: str, linked_data: list[dict[str, object]]) -> set[str]:
    names = {
        _key(value)
        for value in tree.xpath(
            '//meta[@property="og:site_name" or @name="application-name"'
            ' or @name="apple-mobile-web-app-title"]/@content'
        )
    }
    for node in linked_data:
        publisher = node.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.add(_key(publisher["name"]))
        if node.get("@type") in ("WebSite", "Organization", "NewsMediaOrganization"):
            name = node.get("name")
            if isinstance(name, str):
                names.add(_key(name))
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")[:-1]
    words = [word for label in labels for word in label.split("-")]
    names.update(
        name for name in (*labels, *words) if len(name) >= 3 and name not in _GENERIC_LABELS
    )
    names.discard("")
    return names


def _is_site(part: str, sites: set[str]) -> bool:
    key = _key(part)
    if not key:
        return False
    if key in sites:
        return True
    # "heise online" for heise.de, "Golem.de" for golem.de, "Tom's Hardware" for
    # tomshardware.com: a short part that contains the host's name.
    squeezed = key.replace(" ", "")
    return len(part.split()) <= 4 and any(
        len(s) >= 3 and s.replace(" ", "") in squeezed for s in sites
    )


def _strip_site(title: str, sites: set[str]) -> str:
    parts = _SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    separators = _SEPARATOR.findall(title)
    if _is_site(parts[-1], sites):
        parts, separators = parts[:-1], separators[:-1]
    elif _is_site(parts[0], sites):
        parts, separators = parts[1:], separators[1:]
    joined = parts[0]
    for separator, part in zip(separators, parts[1:], strict=True):
        joined += separator + part
    return joined.strip()


def _strip_cjk_site(title: str, sites: set[str]) -> str:
    """A Chinese or Japanese title without the site's name and channel that follow the
    headline: "标题_新浪科技_新浪网", "标题 - IT之家", "标题-新华网". A trailing part goes
    when it is short, holds no space, punctuation or bracket, and follows a CJK headline
    at least twice its length; after a bare "-" only a known site or a name ending like
    one ("…网", "…新闻")."""
    if len(title) > _TITLE_MAX:
        return title
    for _ in range(3):  # headline, channel, site: no more parts than that go
        separators = list(_CJK_SEPARATOR.finditer(title))
        if not separators:
            break
        match = separators[-1]
        head, tail = title[: match.start()].strip(), title[match.end() :].strip()
        bare_dash = match.group() in ("-", "–")
        if not (
            _CJK.search(head)
            and 0 < len(tail) <= _SITE_NAME_MAX
            and len(head) >= 2 * len(tail)
            and not _NOT_IN_A_NAME.search(tail)
            and not (bare_dash and not (tail.endswith(_SITE_NAME_END) or _is_site(tail, sites)))
        ):
            break
        title = head
    return title


def _drop_truncated(titles: list[str]) -> list[str]:
    """A JSON-LD headline cut at 110 characters with "…" loses to a full title."""
    kept = []
    for title in titles:
        if title.endswith(_ELLIPSIS):
            stem = _key(title.rstrip(".… "))
            if any(_key(other).startswith(stem) and other != title for other in titles):
                continue
        kept.append(title)
    return kept


def _agrees(heading: str, meta: str) -> bool:
    """The same headline, or the meta title is the heading followed by more parts."""
    heading_key, meta_key = _key(heading), _key(meta)
    if not heading_key:
        return False
    if heading_key == meta_key:
        return True
    # "Headline | Section", or "Kicker: Headline" where the page sets the kicker apart
    return heading_key in (_key(_SEPARATOR.split(meta)[0]), _key(meta.rsplit(": ", 1)[-1]))


def _key(text: str) -> str:
    """What two spellings of one headline share: case, quotes, dashes and spacing aside."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\"'„“”‚‘’«»‹›]", "", text)
    text = re.sub(r"[‐‑‒–—―-]", "-", text)
    text = re.sub(r"[^\w:-]+", " ", text)  # ":" kept: "Kicker: Headline" is no "Kicker Headline"
    return re.sub(r"\s+", " ", text).strip()


def _clean(value: str | None) -> str:
    if not value:
        return ""
    return re.sub(r"\s+", " ", value.translate(_INVISIBLE)).strip()
