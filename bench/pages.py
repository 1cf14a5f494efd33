"""Article pages of real-world size and structure for the benchmark.

Real news pages weigh 100–200 KB for 2–8 KB of text: most of it is inline scripts (a
site-wide bundle, consent and analytics config, the page's JSON state), styles, a mega
menu of a few hundred links, related-article teasers, reader comments, ad slots and
inline SVG icons. `realistic_chrome` adds that around the demo site's article markup
(chipwatch/demo/site.py PageChrome), so extraction and the crawl work on pages shaped
like the ones users crawl. Everything is seeded: the same articles give the same pages.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Sequence

from chipwatch.demo.site import Chrome, PageChrome, SiteArticle

_WORDS = [
    "init",
    "config",
    "render",
    "state",
    "module",
    "export",
    "default",
    "function",
    "return",
    "const",
    "let",
    "var",
    "this",
    "window",
    "document",
    "queue",
    "push",
    "event",
    "listener",
    "consent",
    "vendor",
    "tracking",
    "analytics",
    "slot",
    "ad",
    "banner",
    "lazy",
    "image",
    "observer",
    "viewport",
    "resize",
    "scroll",
    "timeout",
    "promise",
    "then",
    "catch",
    "async",
    "await",
    "fetch",
    "json",
    "parse",
    "stringify",
    "storage",
    "session",
    "local",
    "cookie",
    "user",
    "id",
    "hash",
    "chunk",
    "webpack",
    "require",
    "prototype",
    "call",
    "apply",
    "bind",
    "length",
    "index",
    "value",
    "key",
    "map",
    "filter",
    "reduce",
]
_SECTIONS = [
    "Politik",
    "Wirtschaft",
    "Technik",
    "Wissen",
    "Kultur",
    "Sport",
    "Reise",
    "Auto",
    "Digital",
    "Karriere",
    "Meinung",
    "Video",
    "Podcast",
    "Newsletter",
    "Archiv",
    "Service",
]


def _pseudo_js(rng: random.Random, size: int) -> str:
    """Minified-looking JavaScript of about `size` characters."""
    parts: list[str] = []
    total = 0
    while total < size:
        name = rng.choice(_WORDS) + rng.choice(_WORDS).title() + str(rng.randint(0, 999))
        args = ",".join(rng.sample(_WORDS, rng.randint(1, 4)))
        calls = (
            (rng.choice(_WORDS), rng.choice(_WORDS), rng.choice(_WORDS), rng.randint(0, 9999))
            for _ in range(rng.randint(2, 8))
        )
        body = ";".join(f"{a}.{b}({c},{n})" for a, b, c, n in calls)
        chunk = f"function {name}({args}){{{body};return {rng.choice(_WORDS)}}}"
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts)


def _css(rng: random.Random, size: int) -> str:
    parts: list[str] = []
    total = 0
    while total < size:
        rule = (
            f".{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{rng.randint(1, 99)}"
            f"{{margin:{rng.randint(0, 32)}px;padding:{rng.randint(0, 24)}px;"
            f"color:#{rng.randrange(0x1000000):06x};font-size:{rng.randint(10, 28)}px}}"
        )
        parts.append(rule)
        total += len(rule)
    return "".join(parts)


def _mega_menu(rng: random.Random) -> str:
    columns = []
    for section in _SECTIONS:
        links = "".join(
            f'<li><a href="/{section.lower()}/{rng.choice(_WORDS)}-{n}/">'
            f"{section} {rng.choice(_WORDS).title()} {n}</a></li>"
            for n in range(rng.randint(14, 22))
        )
        columns.append(
            f'<li class="mega-col"><a class="mega-head" href="/{section.lower()}/">{section}</a>'
            f'<ul class="mega-links">{links}</ul></li>'
        )
    return f'<nav class="mega-menu" aria-label="Ressorts"><ul>{"".join(columns)}</ul></nav>\n'


_ICON = (
    '<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">'
    '<path d="M{a} {b}l{c} {d}c1.1 0 2-.9 2-2V{e}c0-1.1-.9-2-2-2H{f}c-1.1 0-2 .9-2 2v{g}'
    'l-4 4 4 4v{h}c0 1.1.9 2 2 2z"/></svg>'
)


def _icons(rng: random.Random, count: int) -> str:
    return "".join(
        _ICON.format(**{k: rng.randint(1, 22) for k in "abcdefgh"}) for _ in range(count)
    )


def realistic_chrome(articles: Sequence[SiteArticle], seed: int = 2026) -> Chrome:
    """A PageChrome per article: ~100–200 KB pages around the article's own text."""
    site = random.Random(seed)
    bundle = _pseudo_js(site, 42_000)
    consent = _pseudo_js(site, 6_000)
    styles = _css(site, 14_000)
    menu = _mega_menu(site)
    teasers = [(a.url_path, a.title, a.description) for a in articles]

    def chrome(article: SiteArticle) -> PageChrome:
        rng = random.Random(zlib.crc32(article.slug.encode("utf-8")) ^ seed)
        related = rng.sample(teasers, min(len(teasers), rng.randint(16, 30)))
        state = {
            "props": {
                "page": {"id": rng.randrange(10**9), "slug": article.slug, "type": "article"},
                "teasers": [
                    {"url": u, "title": t, "summary": d, "id": rng.randrange(10**9)}
                    for u, t, d in related
                ],
                "ads": [
                    {"slot": f"div-gpt-{n}", "sizes": [[300, 250], [728, 90]], "key": k}
                    for n, k in enumerate(rng.sample(_WORDS, 12))
                ],
                "tracking": _pseudo_js(rng, rng.randint(8_000, 50_000)),
            }
        }
        head = (
            f"<style>{styles}</style>\n"
            f"<script>{consent}</script>\n"
            f'<script id="__STATE__" type="application/json">{json.dumps(state)}</script>\n'
        )
        cards = "".join(
            f'<li class="teaser"><a href="{u}"><h3>{t}</h3><p>{d}</p></a></li>'
            for u, t, d in related
        )
        comments = "".join(
            f'<li class="comment"><span class="who">{rng.choice(_WORDS).title()}'
            f"{rng.randint(1, 999)}</span><p>{rng.choice(related)[2]}</p></li>"
            for _ in range(rng.randint(6, 20))
        )
        bottom = (
            f'<aside class="more-news"><h2>Mehr zum Thema</h2><ul>{cards}</ul></aside>\n'
            f'<section class="user-comments"><h2>Leserkommentare</h2><ol>{comments}</ol>'
            "</section>\n"
            + "".join(
                f'<div class="ad-slot" id="div-gpt-{n}" data-sizes="300x250"></div>'
                for n in range(12)
            )
            + f'<div class="icons">{_icons(rng, rng.randint(20, 60))}</div>\n'
            + f"<script>{bundle}</script>\n"
        )
        return PageChrome(head=head, top=menu, bottom=bottom)

    return chrome
