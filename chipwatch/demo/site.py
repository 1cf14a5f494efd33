"""In-memory route table of the local demo news site.

`NewsSite` renders a small but realistic news website (home and section pages, article pages with
the usual CMS chrome, RSS/Atom feeds, robots.txt, sitemaps) for one base URL at a time. Nothing here
does I/O; `chipwatch.demo.server` puts it behind HTTP. With ``traps=True`` the site additionally
serves the awkward cases a crawler meets on the real web (see `NewsSite.trap_urls`).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs
from xml.sax.saxutils import escape as xml_escape

ARTICLE_PATH_RE = re.compile(r"/news/\d{4}/\d{2}/[^/]+\.html$")
LANGUAGES = ("de", "en", "zh")
PAGE_SIZE = 10

# Trap locations, routed only when traps=True.
CHAIN_START = "/go/chain-a"
CHAIN_MIDDLE = "/go/chain-b"
LOOP_A = "/go/loop-a"
LOOP_B = "/go/loop-b"
MISSING_PATH = "/news/2026/01/missing.html"
BROKEN_PATH = "/news/2026/01/broken.html"
HUGE_PATH = "/news/2026/01/huge.html"
BUSY_PATH = "/news/2026/01/busy.html"
PDF_PATH = "/files/report.pdf"
PRIVATE_PATH = "/private/2026/01/secret.html"
TRACKING_QUERY = "utm_source=rss&utm_medium=feed&fbclid=XYZ"
GARBAGE_PUBDATE = "garbage"
HUGE_MIN_BYTES = 2_000_000

_CET = timezone(timedelta(hours=1), "CET")
_FALLBACK_MODIFIED = datetime(2026, 1, 1, tzinfo=UTC)
_HTML_LANG = {"de": "de", "en": "en", "zh": "zh-CN"}
_NEWS_LANG = {"de": "de", "en": "en", "zh": "zh-cn"}  # Google News sitemap codes
# Inline 1x1 GIF: widget images must not send crawlers to extra (404) URLs.
_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_TOPICS = ("chips", "ki", "halbleiter", "maerkte")
_INFO_PAGES = ("impressum", "datenschutz", "kontakt", "newsletter")


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class SiteArticle:
    slug: str
    title: str
    published: datetime
    author: str
    language: str
    paragraphs: tuple[str, ...]
    teaser: str = ""
    tail_boilerplate: tuple[str, ...] = ()
    charset: str = "utf-8"
    path: str | None = None

    def __post_init__(self) -> None:
        if self.published.utcoffset() is None:
            raise ValueError(f"{self.slug}: 'published' must be timezone-aware")
        if self.language not in LANGUAGES:
            raise ValueError(f"{self.slug}: unsupported language {self.language!r}")
        if not self.paragraphs:
            raise ValueError(f"{self.slug}: an article needs at least one paragraph")
        "".encode(self.charset)  # unknown codecs fail here, not at render time
        # Callers may pass lists; keep the frozen instance truly immutable.
        object.__setattr__(self, "paragraphs", tuple(self.paragraphs))
        object.__setattr__(self, "tail_boilerplate", tuple(self.tail_boilerplate))

    @property
    def url_path(self) -> str:
        return self.path or f"/news/{self.published:%Y}/{self.published:%m}/{self.slug}.html"

    @property
    def description(self) -> str:
        return self.teaser or shorten(self.paragraphs[0], 200)


@dataclass(frozen=True)
class PageChrome:
    """Extra markup around an article, as real news pages carry it (bench/pages.py):
    `head` goes into <head> (inline scripts, styles), `top` after the site header (a
    mega menu), `bottom` before the footer (related links, comments, tracking)."""

    head: str = ""
    top: str = ""
    bottom: str = ""


# What a site adds to each article page (see PageChrome).
Chrome = Callable[[SiteArticle], PageChrome]


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class SiteSession:
    """Mutable per-server state, e.g. which rate-limited pages were already requested once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()

    def first_hit(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            return True


@dataclass(frozen=True)
class _Resource:
    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None
    etag: str | None = None  # set only where conditional GET is supported
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Routes:
    resources: dict[str, _Resource]
    redirects: dict[str, tuple[int, str]]
    paged: frozenset[str]  # listing paths that take ?page=N
    not_found: _Resource
    article_paths: frozenset[str]


@dataclass(frozen=True)
class _Ctx:
    base: str
    name: str
    articles: tuple[SiteArticle, ...]  # normal articles in site order
    modified: datetime
    version: int
    traps: bool
    crawl_delay: float | None
    max_feed_items: int
    chrome: Chrome | None = None

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def newest_first(self) -> list[SiteArticle]:
        return sorted(self.articles, key=lambda a: a.published, reverse=True)


# --------------------------------------------------------------------------- text helpers

_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def slugify(text: str, max_words: int = 6) -> str:
    """ASCII URL slug; German umlauts are transliterated rather than dropped."""
    folded = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    words = re.findall(r"[a-z0-9]+", folded.encode("ascii", "ignore").decode().lower())
    return "-".join(words[:max_words]) or "artikel"


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """Collapse whitespace and cut to at most `limit` characters on a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    out = ""
    for word in text.split(" "):
        candidate = f"{out} {word}" if out else word
        if len(candidate) + len(ellipsis) > limit:
            break
        out = candidate
    return (out.rstrip(",;:-–") or text[: limit - len(ellipsis)]) + ellipsis


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _whole_seconds(dt: datetime) -> datetime:
    # HTTP dates have second resolution; comparisons against If-Modified-Since need the same.
    return dt.astimezone(UTC).replace(microsecond=0)


def _is_subheading(text: str) -> bool:
    return len(text) <= 80 and not text.rstrip().endswith(tuple(".!?:;…\"“”'’。！？"))


def _human_date(dt: datetime, language: str) -> str:
    if language == "de":
        return f"{dt:%d.%m.%Y}, {dt:%H:%M} Uhr"
    if language == "zh":
        return f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}"
    return f"{dt.day} {dt:%B %Y}, {dt:%H:%M}"


# --------------------------------------------------------------------------- site chrome

_LABELS: dict[str, dict[str, str]] = {
    "de": {
        "home": "Startseite",
        "older": "Ältere Meldungen",
        "main_nav": "Hauptnavigation",
        "by": "Von",
        "share": "Artikel teilen",
        "comments": "Kommentare",
        "comment_label": "Ihr Kommentar",
        "comment_submit": "Kommentar absenden",
        "comment_note": "Kommentare werden vor der Veröffentlichung geprüft.",
        "related": "Das könnte Sie auch interessieren",
        "newsletter": "Newsletter",
        "newsletter_text": "Die wichtigsten Chip-Meldungen jeden Morgen in Ihrem Postfach.",
        "email": "E-Mail-Adresse",
        "subscribe": "Jetzt abonnieren",
        "cookie_text": "Wir verwenden Cookies und ähnliche Technologien, um Inhalte zu "
        "personalisieren, Werbung auszuspielen und Zugriffe auf unsere Website zu analysieren. "
        "Mit einem Klick auf „Alle akzeptieren“ stimmen Sie der Verarbeitung zu.",
        "accept": "Alle akzeptieren",
        "reject": "Nur notwendige",
        "settings": "Einstellungen",
        "sections": "Ressorts",
        "service": "Service",
        "legal": "Rechtliches",
        "imprint": "Impressum",
        "privacy": "Datenschutz",
        "contact": "Kontakt",
        "rights": "Alle Rechte vorbehalten.",
        "demo": "Demo-Website mit fiktiven Beispielinhalten.",
        "next": "Weiter",
        "no_more": "Keine weiteren Meldungen.",
        "more_links": "Weitere Links",
        "latest": "Neueste Meldungen",
        "author_page": "Artikel von",
    },
    "en": {
        "home": "Home",
        "older": "Older stories",
        "main_nav": "Main navigation",
        "by": "By",
        "share": "Share this article",
        "comments": "Comments",
        "comment_label": "Your comment",
        "comment_submit": "Post comment",
        "comment_note": "Comments are reviewed before they appear.",
        "related": "You might also like",
        "newsletter": "Newsletter",
        "newsletter_text": "The most important chip stories in your inbox every morning.",
        "email": "Email address",
        "subscribe": "Subscribe now",
        "cookie_text": "We use cookies and similar technologies to personalise content, show "
        "ads and analyse traffic to our website. Click “Accept all” to consent.",
        "accept": "Accept all",
        "reject": "Necessary only",
        "settings": "Settings",
        "sections": "Sections",
        "service": "Service",
        "legal": "Legal",
        "imprint": "Imprint",
        "privacy": "Privacy",
        "contact": "Contact",
        "rights": "All rights reserved.",
        "demo": "Demo website with fictional sample content.",
        "next": "Next",
        "no_more": "No further stories.",
        "more_links": "More links",
        "latest": "Latest stories",
        "author_page": "Articles by",
    },
    "zh": {
        "home": "首页",
        "older": "更早的新闻",
        "main_nav": "主导航",
        "by": "作者：",
        "share": "分享文章",
        "comments": "评论",
        "comment_label": "您的评论",
        "comment_submit": "发表评论",
        "comment_note": "评论经审核后显示。",
        "related": "相关文章",
        "newsletter": "新闻简报",
        "newsletter_text": "每天早上把最重要的芯片新闻发送到您的邮箱。",
        "email": "电子邮箱",
        "subscribe": "立即订阅",
        "cookie_text": "我们使用Cookie及类似技术来个性化内容、展示广告并分析网站访问。"
        "点击“全部接受”即表示您同意。",
        "accept": "全部接受",
        "reject": "仅必要",
        "settings": "设置",
        "sections": "频道",
        "service": "服务",
        "legal": "法律信息",
        "imprint": "版权信息",
        "privacy": "隐私政策",
        "contact": "联系我们",
        "rights": "保留所有权利。",
        "demo": "演示网站，内容为虚构示例。",
        "next": "下一页",
        "no_more": "没有更多新闻。",
        "more_links": "更多链接",
        "latest": "最新新闻",
        "author_page": "作者文章：",
    },
}

_TOPIC_LABELS: dict[str, dict[str, str]] = {
    "de": {"chips": "Chips", "ki": "KI", "halbleiter": "Halbleiter", "maerkte": "Märkte"},
    "en": {"chips": "Chips", "ki": "AI", "halbleiter": "Semiconductors", "maerkte": "Markets"},
    "zh": {"chips": "芯片", "ki": "人工智能", "halbleiter": "半导体", "maerkte": "市场"},
}

# Reader comments are site chrome: an extractor configured without comments must drop them.
_READER_COMMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (
        (
            "chipfan_88",
            "Spannend, wie schnell sich das gerade bewegt. Mal sehen, was davon "
            "in einem Jahr noch übrig ist.",
        ),
        (
            "M. Albers",
            "Am Ende entscheidet die Software. Ohne gute Werkzeuge kauft das niemand freiwillig.",
        ),
    ),
    "en": (
        (
            "siliconwatcher",
            "Interesting read. The software gap seems to be the part nobody has solved yet.",
        ),
        ("R. Okafor", "Supply will decide this more than benchmarks, in my view."),
    ),
    "zh": (
        ("芯片观察者", "发展速度确实很快，期待后续报道。"),
        ("小王", "软件生态才是关键，希望厂商多投入。"),
    ),
}


def _labels(language: str) -> dict[str, str]:
    return _LABELS.get(language, _LABELS["de"])


def _author_path(author: str) -> str:
    return f"/autor/{slugify(author)}/"


def _head(
    ctx: _Ctx,
    *,
    title: str,
    description: str,
    canonical: str,
    charset: str,
    extra: str = "",
) -> str:
    if charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        charset_tag = '<meta charset="utf-8">'
    else:
        # Legacy pages declare their charset only here; the HTTP header stays silent.
        charset_tag = f'<meta http-equiv="Content-Type" content="text/html; charset={_e(charset)}">'
    return (
        "<head>\n"
        f"{charset_tag}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)} | {_e(ctx.name)}</title>\n"
        f'<meta name="description" content="{_e(description)}">\n'
        f'<meta property="og:site_name" content="{_e(ctx.name)}">\n'
        f'<meta property="og:title" content="{_e(title)}">\n'
        f'<meta property="og:url" content="{_e(canonical)}">\n'
        f'<link rel="canonical" href="{_e(canonical)}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="RSS" '
        f'href="{_e(ctx.url("/feeds/rss.xml"))}">\n'
        f'<link rel="alternate" type="application/atom+xml" title="Atom" '
        f'href="{_e(ctx.url("/feeds/atom.xml"))}">\n'
        f"{extra}"
        "<style>body{font-family:sans-serif;margin:0}main{max-width:60rem;margin:auto}"
        ".cookie-banner{position:fixed;bottom:0;background:#222;color:#fff}</style>\n"
        "</head>\n"
    )


def _site_header(ctx: _Ctx, language: str) -> str:
    lab = _labels(language)
    topics = _TOPIC_LABELS[language]
    items = [(ctx.url("/"), lab["home"])]
    items += [(ctx.url(f"/thema/{t}/"), topics[t]) for t in _TOPICS]
    items += [
        (ctx.url("/thema/chips/?page=2"), lab["older"]),
        (ctx.url("/newsletter"), lab["newsletter"]),
        (ctx.url("/feeds/rss.xml"), "RSS"),
    ]
    links = "\n".join(f'<li class="menu-item"><a href="{_e(u)}">{_e(t)}</a></li>' for u, t in items)
    return (
        '<header class="site-header">\n'
        f'<a class="logo" href="{_e(ctx.url("/"))}">{_e(ctx.name)}</a>\n'
        f'<nav class="main-nav" aria-label="{_e(lab["main_nav"])}"><ul class="menu">\n'
        f"{links}\n</ul></nav>\n"
        f'<nav class="service-nav"><a href="{_e(ctx.url("/kontakt"))}">{_e(lab["contact"])}</a> '
        f'<a href="{_e(ctx.url("/impressum"))}">{_e(lab["imprint"])}</a></nav>\n'
        "</header>\n"
    )


def _cookie_banner(language: str) -> str:
    lab = _labels(language)
    return (
        '<div id="cookie-consent" class="cookie-banner" role="dialog" aria-modal="true">\n'
        f'<p class="cookie-text">{_e(lab["cookie_text"])}</p>\n'
        f'<button type="button" class="cookie-accept">{_e(lab["accept"])}</button>\n'
        f'<button type="button" class="cookie-reject">{_e(lab["reject"])}</button>\n'
        f'<button type="button" class="cookie-settings">{_e(lab["settings"])}</button>\n'
        "</div>\n"
    )


def _site_footer(ctx: _Ctx, language: str) -> str:
    lab = _labels(language)
    topics = _TOPIC_LABELS[language]

    def column(heading: str, links: list[tuple[str, str]]) -> str:
        items = "".join(f'<li><a href="{_e(ctx.url(p))}">{_e(t)}</a></li>' for p, t in links)
        return f"<section><h4>{_e(heading)}</h4><ul>{items}</ul></section>\n"

    return (
        '<footer class="site-footer">\n'
        + column(lab["sections"], [(f"/thema/{t}/", topics[t]) for t in _TOPICS])
        + column(
            lab["service"],
            [
                ("/newsletter", lab["newsletter"]),
                ("/feeds/rss.xml", "RSS"),
                ("/feeds/atom.xml", "Atom"),
                ("/kontakt", lab["contact"]),
            ],
        )
        + column(lab["legal"], [("/impressum", lab["imprint"]), ("/datenschutz", lab["privacy"])])
        + f'<p class="copyright">© 2026 {_e(ctx.name)}. {_e(lab["rights"])} '
        f"{_e(lab['demo'])}</p>\n"
        "</footer>\n"
    )


def _document(language: str, head: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{_HTML_LANG[language]}">\n{head}'
        f"<body>\n{body}</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- article pages


def _json_ld(ctx: _Ctx, article: SiteArticle, canonical: str, ascii_only: bool) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.description,
        "datePublished": _iso(article.published),
        "dateModified": _iso(article.published),
        "inLanguage": _HTML_LANG[article.language],
        "author": {"@type": "Person", "name": article.author},
        "publisher": {"@type": "Organization", "name": ctx.name},
        "mainEntityOfPage": canonical,
    }
    # Character references do not work inside <script>, so legacy charsets get \u escapes.
    text = json.dumps(data, ensure_ascii=ascii_only, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def _article_body(article: SiteArticle) -> str:
    parts = []
    for text in article.paragraphs:
        tag = "h2" if _is_subheading(text) else "p"
        parts.append(f"<{tag}>{_e(text)}</{tag}>")
    return "\n".join(parts)


def _share_bar(ctx: _Ctx, article: SiteArticle, canonical: str) -> str:
    lab = _labels(article.language)
    buttons = "".join(
        f'<button type="button" class="share-button" data-network="{n.lower()}">{n}</button>'
        for n in ("Facebook", "X", "LinkedIn", "WhatsApp")
    )
    return (
        f'<div class="share-bar social-share" aria-label="{_e(lab["share"])}">'
        f'<span class="share-label">{_e(lab["share"])}</span>{buttons}'
        f'<a class="share-mail" href="mailto:?subject={_e(article.slug)}&amp;body='
        f'{_e(canonical)}">E-Mail</a></div>\n'
    )


def _tail_widgets(ctx: _Ctx, article: SiteArticle) -> str:
    """Site-builder widget markup (Wix style) for text that is page furniture, not body."""
    if not article.tail_boilerplate:
        return ""
    parts = []
    for text in article.tail_boilerplate:
        if text.startswith("Überschrift"):
            parts.append(f'<h3 class="font_8 wixui-rich-text__text">{_e(text)}</h3>')
        elif text.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp")):
            parts.append(
                f'<img src="{_PIXEL}" alt="{_e(text)}">'
                f'<span class="wix-image-caption">{_e(text)}</span>'
            )
        elif len(text) <= 40:
            parts.append(f'<button type="button" class="wix-button">{_e(text)}</button>')
        else:
            parts.append(f'<div class="bot-bubble"><span>{_e(text)}</span></div>')
    inner = "\n".join(parts)
    return (
        '<div class="wix-comments-widget" data-hook="post-footer">\n'
        f'<div role="complementary" class="bot-widget">\n{inner}\n</div>\n</div>\n'
    )


def _comments(ctx: _Ctx, article: SiteArticle) -> str:
    lab = _labels(article.language)
    comments = "".join(
        f'<li class="comment"><p class="comment-author">{_e(who)}</p>'
        f'<p class="comment-text">{_e(text)}</p></li>\n'
        for who, text in _READER_COMMENTS[article.language]
    )
    return (
        '<section id="comments" class="comments">\n'
        f"<h2>{_e(lab['comments'])} (2)</h2>\n"
        f'<ol class="comment-list">\n{comments}</ol>\n'
        f'<form class="comment-form" method="post" action="{_e(ctx.url("/kommentare"))}">'
        f'<label for="comment-text">{_e(lab["comment_label"])}</label>'
        '<textarea id="comment-text" name="text"></textarea>'
        f'<button type="submit">{_e(lab["comment_submit"])}</button></form>\n'
        f'<p class="comment-note">{_e(lab["comment_note"])}</p>\n'
        "</section>\n"
    )


def _related_box(ctx: _Ctx, article: SiteArticle, related: list[SiteArticle]) -> str:
    if not related:
        return ""
    lab = _labels(article.language)
    items = "".join(
        f'<li><a href="{_e(ctx.url(r.url_path))}">{_e(r.title)}</a></li>' for r in related
    )
    return f'<aside class="related"><h2>{_e(lab["related"])}</h2><ul>{items}</ul></aside>\n'


def _newsletter_box(ctx: _Ctx, language: str) -> str:
    lab = _labels(language)
    return (
        '<aside class="newsletter-box">'
        f"<h2>{_e(lab['newsletter'])}</h2><p>{_e(lab['newsletter_text'])}</p>"
        f'<form method="post" action="{_e(ctx.url("/newsletter"))}">'
        f'<input type="email" name="email" placeholder="{_e(lab["email"])}">'
        f'<button type="submit">{_e(lab["subscribe"])}</button></form></aside>\n'
    )


def _article_html(
    ctx: _Ctx, article: SiteArticle, canonical: str, related: list[SiteArticle]
) -> str:
    lab = _labels(article.language)
    lang = article.language
    ascii_json = article.charset.lower().replace("_", "-") not in ("utf-8", "utf8")
    extra = (
        '<meta property="og:type" content="article">\n'
        f'<meta property="article:published_time" content="{_iso(article.published)}">\n'
        f'<meta name="author" content="{_e(article.author)}">\n'
        + _json_ld(ctx, article, canonical, ascii_json)
    )
    chrome = ctx.chrome(article) if ctx.chrome is not None else PageChrome()
    extra += chrome.head
    head = _head(
        ctx,
        title=article.title,
        description=article.description,
        canonical=canonical,
        charset=article.charset,
        extra=extra,
    )
    topic = _TOPIC_LABELS[lang]["chips"]
    teaser = f'<p class="teaser">{_e(article.teaser)}</p>\n' if article.teaser else ""
    body = (
        _site_header(ctx, lang) + chrome.top + _cookie_banner(lang) + '<main id="main">\n'
        '<nav class="breadcrumb" aria-label="Breadcrumb"><ol>'
        f'<li><a href="{_e(ctx.url("/"))}">{_e(lab["home"])}</a></li>'
        f'<li><a href="{_e(ctx.url("/thema/chips/"))}">{_e(topic)}</a></li>'
        f'<li aria-current="page">{_e(shorten(article.title, 60))}</li></ol></nav>\n'
        '<article class="article">\n<header class="article-header">\n'
        f'<p class="kicker">{_e(topic)}</p>\n<h1>{_e(article.title)}</h1>\n{teaser}'
        f'<p class="byline">{_e(lab["by"])} <a rel="author" '
        f'href="{_e(ctx.url(_author_path(article.author)))}">{_e(article.author)}</a> · '
        f'<time datetime="{_iso(article.published)}">'
        f"{_e(_human_date(article.published, lang))}</time></p>\n</header>\n"
        f'<div class="article-body">\n{_article_body(article)}\n</div>\n'
        + _share_bar(ctx, article, canonical)
        + "</article>\n"
        + _tail_widgets(ctx, article)
        + _comments(ctx, article)
        + _related_box(ctx, article, related)
        + _newsletter_box(ctx, lang)
        + chrome.bottom
        + "</main>\n"
        + _site_footer(ctx, lang)
    )
    return _document(lang, head, body)


def _article_resource(
    ctx: _Ctx, article: SiteArticle, related: list[SiteArticle], canonical_path: str | None = None
) -> _Resource:
    canonical = ctx.url(canonical_path or article.url_path)
    page = _article_html(ctx, article, canonical, related)
    charset = article.charset
    is_utf8 = charset.lower().replace("_", "-") in ("utf-8", "utf8")
    return _Resource(
        status=200,
        content_type="text/html; charset=utf-8" if is_utf8 else "text/html",
        body=page.encode(charset, errors="xmlcharrefreplace"),
        last_modified=_whole_seconds(article.published),
    )


def _related_for(ctx: _Ctx, article: SiteArticle, count: int = 4) -> list[SiteArticle]:
    """The next `count` articles after this one, wrapping around (linear, not quadratic:
    the benchmark renders sites of thousands of articles)."""
    articles = ctx.articles
    start = next((i for i, a in enumerate(articles) if a is article), -1)
    related: list[SiteArticle] = []
    for step in range(1, len(articles)):
        if len(related) == count:
            break
        candidate = articles[(start + step) % len(articles)]
        if candidate is not article and candidate.url_path != article.url_path:
            related.append(candidate)
    return related


# --------------------------------------------------------------------------- listings


def _teaser_card(ctx: _Ctx, article: SiteArticle) -> str:
    return (
        '<li class="teaser-item"><article class="teaser-card">'
        f'<h2><a href="{_e(ctx.url(article.url_path))}">{_e(article.title)}</a></h2>'
        f'<p class="meta"><time datetime="{_iso(article.published)}">'
        f"{_e(_human_date(article.published, 'de'))}</time> · "
        f'<a href="{_e(ctx.url(_author_path(article.author)))}">{_e(article.author)}</a></p>'
        f"<p>{_e(article.description)}</p></article></li>\n"
    )


def _listing_html(
    ctx: _Ctx,
    *,
    path: str,
    heading: str,
    items: list[SiteArticle],
    next_path: str | None = None,
    extra: str = "",
) -> str:
    lab = _labels("de")
    cards = "".join(_teaser_card(ctx, a) for a in items)
    if not cards:
        cards = f'<li class="empty">{_e(lab["no_more"])}</li>\n'
    pager = (
        f'<nav class="pagination"><a rel="next" href="{_e(ctx.url(next_path))}">'
        f"{_e(lab['next'])}</a></nav>\n"
        if next_path
        else ""
    )
    head = _head(
        ctx,
        title=heading,
        description=f"{heading} – {ctx.name}",
        canonical=ctx.url(path),
        charset="utf-8",
    )
    body = (
        _site_header(ctx, "de")
        + _cookie_banner("de")
        + f'<main id="main">\n<h1>{_e(heading)}</h1>\n<ul class="teaser-list">\n{cards}</ul>\n'
        + pager
        + extra
        + _newsletter_box(ctx, "de")
        + "</main>\n"
        + _site_footer(ctx, "de")
    )
    return _document("de", head, body)


def _listing_resource(ctx: _Ctx, body: bytes, content_type: str) -> _Resource:
    digest = hashlib.sha256(f"{ctx.version}:".encode() + body).hexdigest()[:24]
    return _Resource(
        status=200,
        content_type=content_type,
        body=body,
        last_modified=ctx.modified,
        etag=f'"{digest}"',
    )


def _html_listing(ctx: _Ctx, page: str) -> _Resource:
    return _listing_resource(ctx, page.encode("utf-8"), "text/html; charset=utf-8")


def _script_rendered_listing(ctx: _Ctx) -> str:
    """A section page as a JavaScript framework serves it: no article <a> links, the list
    in a JSON script (Next.js's __NEXT_DATA__, slashes escaped as JSON may write them)."""
    items = [
        {"title": a.title, "href": a.url_path, "published": _iso(a.published)}
        for a in ctx.newest_first[:PAGE_SIZE]
    ]
    data = json.dumps({"props": {"pageProps": {"items": items}}}, ensure_ascii=False)
    data = data.replace("/", "\\/")
    return (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{_e(ctx.name)}</title></head>\n"
        '<body><div id="__next"></div>\n'
        f'<script id="__NEXT_DATA__" type="application/json">{data}'
        "</script>\n</body></html>\n"
    )


def _topic_pages(ctx: _Ctx, topic: str, extra: str) -> dict[str, _Resource]:
    """Page 1 under the bare path, further pages under 'path?page=N' keys."""
    path = f"/thema/{topic}/"
    items = ctx.newest_first
    pages = max(2, math.ceil(len(items) / PAGE_SIZE))  # the nav always links to page 2
    heading = _TOPIC_LABELS["de"][topic]
    out = {}
    for page in range(1, pages + 1):
        key = path if page == 1 else f"{path}?page={page}"
        chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        next_path = f"{path}?page={page + 1}" if page < pages else None
        html_page = _listing_html(
            ctx,
            path=key,
            heading=heading,
            items=chunk,
            next_path=next_path,
            extra=extra if page == 1 else "",
        )
        out[key] = _html_listing(ctx, html_page)
    return out


def _author_pages(ctx: _Ctx) -> dict[str, _Resource]:
    out = {}
    for author in dict.fromkeys(a.author for a in ctx.articles):
        items = [a for a in ctx.newest_first if a.author == author]
        path = _author_path(author)
        page = _listing_html(ctx, path=path, heading=f"Artikel von {author}", items=items)
        out[path] = _html_listing(ctx, page)
    return out


_INFO_TEXT = {
    "impressum": (
        "Impressum",
        "Diese Website ist eine lokale Demo von chipwatch. Sie läuft "
        "ausschließlich auf diesem Rechner und enthält fiktive Beispielmeldungen.",
    ),
    "datenschutz": (
        "Datenschutz",
        "Die Demo-Website speichert keine personenbezogenen Daten. "
        "Anfragen werden nur im Arbeitsspeicher protokolliert.",
    ),
    "kontakt": ("Kontakt", "Für die Demo-Website gibt es keine Redaktion, die erreichbar wäre."),
    "newsletter": ("Newsletter", "Der Newsletter dieser Demo-Website wird nicht verschickt."),
}


def _info_page(ctx: _Ctx, slug: str) -> _Resource:
    title, text = _INFO_TEXT[slug]
    head = _head(ctx, title=title, description=text, canonical=ctx.url(f"/{slug}"), charset="utf-8")
    body = (
        _site_header(ctx, "de")
        + f'<main id="main"><h1>{_e(title)}</h1><p>{_e(text)}</p></main>\n'
        + _site_footer(ctx, "de")
    )
    return _html_listing(ctx, _document("de", head, body))


def _error_resource(ctx: _Ctx, status: int, title: str, text: str) -> _Resource:
    head = _head(ctx, title=title, description=text, canonical=ctx.url("/"), charset="utf-8")
    body = (
        _site_header(ctx, "de") + f'<main id="main" class="error-page"><h1>{_e(title)}</h1>'
        f"<p>{_e(text)}</p></main>\n" + _site_footer(ctx, "de")
    )
    page = _document("de", head, body).encode("utf-8")
    return _Resource(status=status, content_type="text/html; charset=utf-8", body=page)


# --------------------------------------------------------------------------- feeds & sitemaps


@dataclass(frozen=True)
class _FeedItem:
    title: str
    link: str | None
    published: datetime | None  # None → the deliberately unparseable pubDate
    author: str
    description: str


def _feed_item(ctx: _Ctx, article: SiteArticle, garbage_date: bool = False) -> _FeedItem:
    return _FeedItem(
        title=article.title,
        link=ctx.url(article.url_path),
        published=None if garbage_date else article.published,
        author=article.author,
        description=article.description,
    )


def _rss_item(item: _FeedItem) -> str:
    parts = [f"<title>{xml_escape(item.title)}</title>"]
    if item.link is not None:
        parts.append(f"<link>{xml_escape(item.link)}</link>")
        parts.append(f'<guid isPermaLink="true">{xml_escape(item.link)}</guid>')
    pub = format_datetime(item.published) if item.published else GARBAGE_PUBDATE
    parts.append(f"<pubDate>{xml_escape(pub)}</pubDate>")
    parts.append(f"<description>{xml_escape(item.description)}</description>")
    parts.append(f"<dc:creator>{xml_escape(item.author)}</dc:creator>")
    return "<item>\n  " + "\n  ".join(parts) + "\n</item>\n"


def _rss(ctx: _Ctx, items: list[_FeedItem]) -> bytes:
    body = "".join(_rss_item(i) for i in items)
    doc = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{xml_escape(ctx.name)}</title>\n"
        f"<link>{xml_escape(ctx.url('/'))}</link>\n"
        f"<description>{xml_escape('Nachrichten über KI-Chips und Halbleiter')}</description>\n"
        "<language>de</language>\n"
        f"<lastBuildDate>{format_datetime(ctx.modified)}</lastBuildDate>\n"
        f'<atom:link href="{xml_escape(ctx.url("/feeds/rss.xml"))}" rel="self" '
        'type="application/rss+xml"/>\n'
        f"{body}</channel>\n</rss>\n"
    )
    return doc.encode("utf-8")


def _json_feed(ctx: _Ctx, articles: list[SiteArticle]) -> bytes:
    """JSON Feed 1.1 (jsonfeed.org), with item links relative to the site as some feeds
    write them: the reader resolves them against the feed's own URL."""
    items = [
        {
            "id": ctx.url(a.url_path),
            "url": a.url_path,
            "title": a.title,
            "summary": a.description,
            "date_published": _iso(a.published),
            "authors": [{"name": a.author}],
        }
        for a in articles
    ]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": ctx.name,
        "home_page_url": ctx.url("/"),
        "feed_url": ctx.url("/feeds/feed.json"),
        "language": "de",
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=1).encode("utf-8")


def _atom(ctx: _Ctx, articles: list[SiteArticle]) -> bytes:
    entries = "".join(
        "<entry>\n"
        f"  <title>{xml_escape(a.title)}</title>\n"
        f'  <link rel="alternate" type="text/html" href="{xml_escape(ctx.url(a.url_path))}"/>\n'
        f"  <id>{xml_escape(ctx.url(a.url_path))}</id>\n"
        f"  <published>{_iso(a.published)}</published>\n"
        f"  <updated>{_iso(a.published)}</updated>\n"
        f"  <author><name>{xml_escape(a.author)}</name></author>\n"
        f"  <summary>{xml_escape(a.description)}</summary>\n"
        "</entry>\n"
        for a in articles
    )
    doc = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">\n'
        f"<title>{xml_escape(ctx.name)}</title>\n"
        f"<id>{xml_escape(ctx.url('/'))}</id>\n"
        f"<updated>{_iso(ctx.modified)}</updated>\n"
        f'<link rel="self" type="application/atom+xml" '
        f'href="{xml_escape(ctx.url("/feeds/atom.xml"))}"/>\n'
        f'<link rel="alternate" type="text/html" href="{xml_escape(ctx.url("/"))}"/>\n'
        f"{entries}</feed>\n"
    )
    return doc.encode("utf-8")


def _robots(ctx: _Ctx) -> bytes:
    lines = ["User-agent: *", "Disallow: /private/"]
    if ctx.crawl_delay is not None:
        lines.append(f"Crawl-delay: {ctx.crawl_delay:g}")
    lines += ["", f"Sitemap: {ctx.url('/sitemap_index.xml')}", ""]
    return "\n".join(lines).encode("ascii")


def _sitemap_index(ctx: _Ctx) -> bytes:
    entries = "".join(
        f"<sitemap><loc>{xml_escape(ctx.url(p))}</loc><lastmod>{_iso(ctx.modified)}</lastmod>"
        "</sitemap>\n"
        for p in ("/sitemaps/news.xml.gz", "/sitemaps/pages.xml")
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</sitemapindex>\n"
    ).encode()


def _news_sitemap(ctx: _Ctx) -> bytes:
    urls = "".join(
        f"<url>\n  <loc>{xml_escape(ctx.url(a.url_path))}</loc>\n  <news:news>\n"
        "    <news:publication>\n"
        f"      <news:name>{xml_escape(ctx.name)}</news:name>\n"
        f"      <news:language>{_NEWS_LANG[a.language]}</news:language>\n"
        "    </news:publication>\n"
        f"    <news:publication_date>{_iso(a.published)}</news:publication_date>\n"
        f"    <news:title>{xml_escape(a.title)}</news:title>\n"
        "  </news:news>\n</url>\n"
        for a in ctx.newest_first
    )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{urls}</urlset>\n"
    )
    # mtime=0 keeps the bytes (and therefore the ETag) stable across renders.
    return gzip.compress(xml.encode("utf-8"), mtime=0)


def _pages_sitemap(ctx: _Ctx) -> bytes:
    rows = [(ctx.url("/thema/chips/"), ctx.modified)]
    rows += [(ctx.url(a.url_path), a.published) for a in ctx.newest_first]
    urls = "".join(
        f"<url><loc>{xml_escape(loc)}</loc><lastmod>{_iso(mod)}</lastmod></url>\n"
        for loc, mod in rows
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    ).encode()


# --------------------------------------------------------------------------- traps

_FILLER = (
    (
        "Die Lieferkette",
        "Das Rechenzentrum",
        "Der Auftragsfertiger",
        "Die Speicherversorgung",
        "Der Netzwerkausbau",
        "Die Kühlung",
        "Der Testbetrieb",
    ),
    ("meldet", "zeigt", "bestätigt", "erwartet", "verzeichnet"),
    (
        "eine stabile Nachfrage nach Beschleunigerkarten",
        "längere Wartezeiten bei Bauteilen",
        "steigende Kosten für Strom und Fläche",
        "mehr Aufträge aus dem Inland",
        "eine schwankende Ausbeute in der Fertigung",
        "neue Engpässe bei Leiterplatten",
    ),
    (
        "im Vergleich zum Vorquartal.",
        "nach Angaben von Marktbeobachtern.",
        "in mehreren Provinzen.",
        "trotz neuer Förderprogramme.",
        "laut einer Branchenumfrage.",
    ),
)


def _filler_sentence(n: int) -> str:
    words = []
    for options in _FILLER:  # mixed-radix digits of n pick one option per slot
        n, digit = divmod(n, len(options))
        words.append(options[digit])
    return " ".join(words)


def _filler_paragraphs(min_chars: int) -> tuple[str, ...]:
    paragraphs: list[str] = []
    total = n = 0
    while total < min_chars:
        sentences = " ".join(_filler_sentence(n + k * 211) for k in range(4))
        text = f"Abschnitt {len(paragraphs) + 1}: {sentences}"
        paragraphs.append(text)
        total += len(text)
        n += 1
    return tuple(paragraphs)


def _trap_articles() -> dict[str, SiteArticle]:
    """Extra pages that exist only on a trap site (original filler, never seed text)."""
    busy = SiteArticle(
        slug="busy",
        path=BUSY_PATH,
        language="de",
        author="Redaktion",
        published=datetime(2026, 1, 14, 11, 0, tzinfo=_CET),
        title="Wartelisten für KI-Server werden länger",
        paragraphs=(
            "Händler von KI-Servern berichten von wachsenden Wartelisten. Besonders gefragt sind "
            "Systeme mit acht Beschleunigerkarten und schneller Netzwerkanbindung. Wer heute "
            "bestellt, muss nach Angaben mehrerer Systemhäuser mit monatelangen Lieferzeiten "
            "rechnen.",
            "Als Grund nennen die Anbieter knappe Kontingente bei Speicherbausteinen und "
            "Netzteilen. Auch Flüssigkühlung ist stark gefragt, weil neue Beschleuniger deutlich "
            "mehr Abwärme erzeugen.",
            "Einige Rechenzentrumsbetreiber weichen deshalb auf Mietmodelle aus. Sie buchen "
            "Rechenzeit bei Cloud-Anbietern, bis die eigenen Systeme geliefert sind.",
        ),
    )
    huge = SiteArticle(
        slug="huge",
        path=HUGE_PATH,
        language="de",
        author="Redaktion",
        published=datetime(2026, 1, 12, 9, 0, tzinfo=_CET),
        title="Dokumentation: Lieferketten für KI-Beschleuniger im Langzeitüberblick",
        paragraphs=_filler_paragraphs(HUGE_MIN_BYTES + 100_000),
    )
    secret = SiteArticle(
        slug="secret",
        path=PRIVATE_PATH,
        language="de",
        author="Redaktion",
        published=datetime(2026, 1, 10, 8, 0, tzinfo=_CET),
        title="Interner Entwurf: Themenplanung",
        paragraphs=(
            "Dieser Entwurf ist nicht zur Veröffentlichung bestimmt. Die Seite liegt in einem "
            "Bereich, den die robots.txt für alle Crawler sperrt.",
        ),
    )
    return {"busy": busy, "huge": huge, "secret": secret}


def _pdf_bytes() -> bytes:
    """A minimal but structurally valid one-page PDF (correct xref offsets)."""
    stream = b"BT /F1 12 Tf 20 50 Td (Chipwatch Demo Report) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)


def _trap_paths(articles: tuple[SiteArticle, ...]) -> dict[str, str]:
    """Trap name → path (with query where the trap is the query)."""
    first, second, third, fourth = articles[:4]
    paths = {
        "tracking": f"{first.url_path}?{TRACKING_QUERY}",
        "trailing_slash": f"{second.url_path}/",
        "redirect_chain": CHAIN_START,
        "chain_target": third.url_path,
        "redirect_loop": LOOP_A,
        "missing": MISSING_PATH,
        "broken": BROKEN_PATH,
        "huge": HUGE_PATH,
        "pdf": PDF_PATH,
        "garbage_date": fourth.url_path,
        "amp": f"/news/2026/01/{first.slug}-amp.html",
        "private": PRIVATE_PATH,
        "busy": BUSY_PATH,
    }
    legacy = next((a for a in articles if a.charset.lower() not in ("utf-8", "utf8")), None)
    if legacy is not None:
        paths["legacy_charset"] = legacy.url_path
    return paths


# Traps a crawler meets through the feed and the section page, with their link titles.
_LINKED_TRAPS = (
    ("tracking", "Tracking-Link"),
    ("trailing_slash", "Link mit Schrägstrich"),
    ("redirect_chain", "Weitergeleitete Meldung"),
    ("redirect_loop", "Umleitungsschleife"),
    ("missing", "Gelöschte Meldung"),
    ("broken", "Defekte Meldung"),
    ("huge", "Sehr lange Dokumentation"),
    ("pdf", "Bericht als PDF"),
    ("amp", "AMP-Version"),
    ("private", "Interner Entwurf"),
    ("busy", "Wartelisten für KI-Server werden länger"),
)


def _trap_feed_items(ctx: _Ctx) -> list[_FeedItem]:
    paths = _trap_paths(ctx.articles)
    start = datetime(2026, 1, 20, 12, 0, tzinfo=_CET)
    items = [
        _FeedItem(
            title=title,
            link=ctx.url(paths[key]),
            published=start - timedelta(hours=i),
            author="Redaktion",
            description=f"{title} ({key})",
        )
        for i, (key, title) in enumerate(_LINKED_TRAPS)
    ]
    items.append(
        _FeedItem(
            title="Meldung ohne Link",
            link=None,
            published=start - timedelta(days=1),
            author="Redaktion",
            description="Dieser Eintrag hat weder link noch guid.",
        )
    )
    return items


def _trap_links_html(ctx: _Ctx) -> str:
    paths = _trap_paths(ctx.articles)
    items = "".join(
        f'<li><a href="{_e(ctx.url(paths[key]))}">{_e(title)}</a></li>'
        for key, title in _LINKED_TRAPS
    )
    return (
        f'<section class="more-links"><h2>{_e(_labels("de")["more_links"])}</h2>'
        f"<ul>{items}</ul></section>\n"
    )


def _add_traps(
    ctx: _Ctx,
    resources: dict[str, _Resource],
    redirects: dict[str, tuple[int, str]],
    extras: dict[str, SiteArticle],
) -> None:
    paths = _trap_paths(ctx.articles)
    first = ctx.articles[0]
    top = list(ctx.articles[:3])
    redirects[CHAIN_START] = (301, CHAIN_MIDDLE)
    redirects[CHAIN_MIDDLE] = (302, paths["chain_target"])
    redirects[LOOP_A] = (301, LOOP_B)
    redirects[LOOP_B] = (301, LOOP_A)
    resources[MISSING_PATH] = _error_resource(
        ctx, 404, "Seite nicht gefunden", "Diese Meldung wurde entfernt."
    )
    resources[BROKEN_PATH] = _error_resource(
        ctx, 500, "Interner Serverfehler", "Die Seite konnte nicht erzeugt werden."
    )
    resources[PDF_PATH] = _Resource(200, "application/pdf", _pdf_bytes())
    resources[paths["amp"]] = _article_resource(
        ctx, first, _related_for(ctx, first), canonical_path=first.url_path
    )
    for article in extras.values():
        resources[article.url_path] = _article_resource(ctx, article, top)


# --------------------------------------------------------------------------- routing


def _build_routes(ctx: _Ctx, extras: dict[str, SiteArticle]) -> _Routes:
    resources: dict[str, _Resource] = {}
    redirects: dict[str, tuple[int, str]] = {}
    resources["/"] = _html_listing(
        ctx,
        _listing_html(
            ctx,
            path="/",
            heading=_labels("de")["latest"],
            items=ctx.newest_first[:20],
            next_path="/thema/chips/?page=2",
        ),
    )
    for topic in _TOPICS:
        extra = _trap_links_html(ctx) if ctx.traps and topic == "chips" else ""
        resources.update(_topic_pages(ctx, topic, extra))
    resources.update(_author_pages(ctx))
    resources["/app/neu/"] = _html_listing(ctx, _script_rendered_listing(ctx))
    for slug in _INFO_PAGES:
        resources[f"/{slug}"] = _info_page(ctx, slug)
    _add_machine_readable(ctx, resources)
    for article in ctx.articles:
        resources[article.url_path] = _article_resource(ctx, article, _related_for(ctx, article))
    if ctx.traps:
        _add_traps(ctx, resources, redirects, extras)
    article_paths = frozenset(a.url_path for a in ctx.articles)
    return _Routes(
        resources=resources,
        redirects=redirects,
        paged=frozenset(f"/thema/{t}/" for t in _TOPICS),
        not_found=_error_resource(
            ctx, 404, "Seite nicht gefunden", "Die angeforderte Seite existiert nicht."
        ),
        article_paths=article_paths,
    )


def _add_machine_readable(ctx: _Ctx, resources: dict[str, _Resource]) -> None:
    newest = ctx.newest_first
    feed_items = [
        _feed_item(ctx, a, garbage_date=ctx.traps and a is ctx.articles[3])
        for a in newest[: ctx.max_feed_items]
    ]
    if ctx.traps:
        feed_items += _trap_feed_items(ctx)
    resources["/feeds/rss.xml"] = _listing_resource(
        ctx, _rss(ctx, feed_items), "application/rss+xml; charset=utf-8"
    )
    resources["/feeds/atom.xml"] = _listing_resource(
        ctx, _atom(ctx, newest[: ctx.max_feed_items]), "application/atom+xml; charset=utf-8"
    )
    resources["/feeds/feed.json"] = _listing_resource(
        ctx, _json_feed(ctx, newest[: ctx.max_feed_items]), "application/feed+json"
    )
    resources["/robots.txt"] = _listing_resource(ctx, _robots(ctx), "text/plain; charset=utf-8")
    resources["/sitemap_index.xml"] = _listing_resource(
        ctx, _sitemap_index(ctx), "application/xml; charset=utf-8"
    )
    resources["/sitemaps/news.xml.gz"] = _listing_resource(
        ctx, _news_sitemap(ctx), "application/x-gzip"
    )
    resources["/sitemaps/pages.xml"] = _listing_resource(
        ctx, _pages_sitemap(ctx), "application/xml; charset=utf-8"
    )


def _not_modified(resource: _Resource, headers: Mapping[str, str]) -> bool:
    if resource.etag is None or resource.status != 200:
        return False
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110 13.2.2)
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or resource.etag in tags
    since_header = headers.get("if-modified-since")
    if not since_header or resource.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(since_header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return resource.last_modified <= since


def _page_number(query: str) -> int | None:
    values = parse_qs(query).get("page")
    if not values:
        return 1
    return int(values[0]) if values[0].isdigit() and int(values[0]) > 0 else None


def _redirect_response(base: str, status: int, target: str) -> Response:
    location = base + target
    body = (
        f'<!doctype html><title>Moved</title><a href="{_e(location)}">{_e(location)}</a>\n'
    ).encode()
    return Response(
        status, {"Location": location, "Content-Type": "text/html; charset=utf-8"}, body
    )


def _to_response(resource: _Resource, headers: Mapping[str, str]) -> Response:
    validators = {}
    if resource.last_modified is not None:
        validators["Last-Modified"] = _http_date(resource.last_modified)
    if resource.etag is not None:
        validators["ETag"] = resource.etag
    if _not_modified(resource, headers):
        return Response(304, validators, b"")
    out = {"Content-Type": resource.content_type, **validators, **dict(resource.headers)}
    return Response(resource.status, out, resource.body)


class NewsSite:
    """A news website rendered once per base URL and answered from memory."""

    def __init__(
        self,
        articles: Iterable[SiteArticle],
        *,
        name: str = "Chipwatch Demo News",
        traps: bool = False,
        max_feed_items: int = 50,
        crawl_delay: float | None = None,
        chrome: Chrome | None = None,
    ) -> None:
        self.name = name
        self.traps = traps
        self.max_feed_items = max_feed_items
        self.crawl_delay = crawl_delay
        self.chrome = chrome  # extra markup per article page (PageChrome)
        self._lock = threading.RLock()
        self._articles: list[SiteArticle] = []
        self._paths: set[str] = set()
        for article in articles:
            self._check_new(article)
            self._articles.append(article)
            self._paths.add(article.url_path)
        if traps and len(self._articles) < 4:
            raise ValueError("a trap site needs at least four articles")
        self._extras = _trap_articles() if traps else {}
        self._version = 0
        self._modified = max(
            (_whole_seconds(a.published) for a in self._articles), default=_FALLBACK_MODIFIED
        )
        self._cache: dict[str, _Routes] = {}
        self._default_session = SiteSession()

    # -- content ---------------------------------------------------------------------------

    @property
    def articles(self) -> tuple[SiteArticle, ...]:
        with self._lock:
            return tuple(self._articles)

    @property
    def last_modified(self) -> datetime:
        with self._lock:
            return self._modified

    def add_article(self, article: SiteArticle) -> None:
        """Publish a new article (it shows up in listings, feeds and sitemaps)."""
        with self._lock:
            self._check_new(article)
            self._articles.append(article)
            self._paths.add(article.url_path)
            self._modified = max(self._modified, _whole_seconds(article.published))
            self.touch()

    def touch(self) -> None:
        """Mark listings as changed: new ETags and a strictly later Last-Modified."""
        with self._lock:
            self._version += 1
            now = datetime.now(UTC).replace(microsecond=0)
            self._modified = max(now, self._modified + timedelta(seconds=1))
            self._cache.clear()

    def _check_new(self, article: SiteArticle) -> None:
        if article.url_path in self._paths:
            raise ValueError(f"duplicate article path {article.url_path}")
        if not ARTICLE_PATH_RE.search(article.url_path):
            raise ValueError(f"{article.url_path} does not look like an article path")

    # -- URLs ------------------------------------------------------------------------------

    def article_url(self, base_url: str, article: SiteArticle) -> str:
        return base_url.rstrip("/") + article.url_path

    def article_urls(self, base_url: str) -> list[str]:
        """Absolute URLs of the normal (non-trap) articles, in site order."""
        return [self.article_url(base_url, a) for a in self.articles]

    def trap_urls(self, base_url: str) -> dict[str, str]:
        """Trap name → absolute URL; empty unless the site was built with traps=True."""
        if not self.traps:
            return {}
        base = base_url.rstrip("/")
        return {key: base + path for key, path in _trap_paths(self.articles).items()}

    # -- serving ---------------------------------------------------------------------------

    def new_session(self) -> SiteSession:
        return SiteSession()

    def render(self, base_url: str) -> _Routes:
        """Build (once per base URL and content version) every route of the site."""
        base = base_url.rstrip("/")
        with self._lock:
            routes = self._cache.get(base)
            if routes is None:
                ctx = _Ctx(
                    base=base,
                    name=self.name,
                    articles=tuple(self._articles),
                    modified=self._modified,
                    version=self._version,
                    traps=self.traps,
                    crawl_delay=self.crawl_delay,
                    chrome=self.chrome,
                    max_feed_items=self.max_feed_items,
                )
                routes = _build_routes(ctx, self._extras)
                self._cache[base] = routes
            return routes

    def route(
        self,
        base_url: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        session: SiteSession | None = None,
    ) -> Response:
        """Answer one GET request. `headers` are request headers (any case)."""
        routes = self.render(base_url)
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        base = base_url.rstrip("/")
        if path in routes.redirects:
            status, target = routes.redirects[path]
            return _redirect_response(base, status, target)
        if self.traps and path == BUSY_PATH and (session or self._default_session).first_hit(path):
            return Response(
                429,
                {"Retry-After": "1", "Content-Type": "text/plain; charset=utf-8"},
                b"Too Many Requests\n",
            )
        return _to_response(self._lookup(routes, path, query), lowered)

    def _lookup(self, routes: _Routes, path: str, query: str) -> _Resource:
        if path in routes.paged:
            page = _page_number(query)
            key = path if page == 1 else f"{path}?page={page}"
            return routes.resources.get(key, routes.not_found)
        resource = routes.resources.get(path)
        if resource is None and path.endswith(".html/") and path[:-1] in routes.article_paths:
            resource = routes.resources[path[:-1]]  # sloppy CMS: trailing slash, same page
        return resource or routes.not_found
