"""HTML → article, behind one function that returns an article or a failure with a reason.

Runs in worker processes (see pipelines.ExtractPipeline): Trafilatura is CPU-bound and
would stall the Twisted reactor, and with it every download in flight.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from analysis.analyzer import Analyzed, analyze
from crawler.decoding import replacement_share
from crawler.headline import page_headline

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from py3langid.langid import LanguageIdentifier

# Trafilatura and py3langid (half a second to import, with lxml and NumPy) are imported
# where they are used: in the extraction workers, not in the crawl's main process.

# The least body text an article has, in Latin-script characters: a CJK character
# carries about what a short word does, so it counts as CJK_CHAR_WEIGHT of them.
MIN_TEXT_CHARS = 200
CJK_CHAR_WEIGHT = 3
# Above this share of U+FFFD the text is not what the page said: store nothing.
MAX_REPLACEMENT_SHARE = 0.2
# Below this much text a language guess is noise; above it, py3langid is reliable.
LANGUAGE_MIN_CHARS = 120
LANGUAGE_MIN_PROBABILITY = 0.90
LANGUAGE_SAMPLE_CHARS = (2000, 5000)


# Trafilatura's trade-offs: precision (a newsletter box or related links after the
# article would feed rules and stories words it never said), with its fallback
# extractors (fast=False, readability and jusText) where its own reading is in doubt.
@dataclass(frozen=True)
class ExtractionSettings:
    favor_precision: bool = True
    favor_recall: bool = False
    fast: bool = False  # without the fallback extractors
    # Below this much text (in `text_weight`) the reading is in doubt and the settings
    # of `otherwise` read the page again.
    enough: int = MIN_TEXT_CHARS
    otherwise: ExtractionSettings | None = None
    # Whether this reading replaces the one before it only when it finds more text (a
    # reading for recall), rather than whenever it finds an article (a second opinion).
    only_if_longer: bool = False


# Precision without the fallback extractors first, and with them only where it found
# less than a long article: the fallbacks cost a quarter of the extraction's CPU and
# change the text of few pages, nearly all of them pages where Trafilatura's own reading
# came out short. On the 990 real pages of Trafilatura's evaluation corpus
# (`python -m bench.extraction`) this keeps the recall of fallbacks on every page
# (0.924 against 0.925) for 13 % of the pages read twice, in each half of the corpus
# alike. When precision finds no article, or too little of one, its heuristics took the
# body for boilerplate: recall's reading is better than nothing.
FAST_ENOUGH_CHARS = 1000
EXTRACTION_SETTINGS = ExtractionSettings(
    fast=True,
    enough=FAST_ENOUGH_CHARS,
    otherwise=ExtractionSettings(
        otherwise=ExtractionSettings(favor_precision=False, favor_recall=True, only_if_longer=True)
    ),
)

_LINK_TAG_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR_RE = re.compile(r"""([^\s"'=<>/]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_HTML_LANG_RE = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})\b", re.IGNORECASE)


@dataclass(frozen=True)
class ExtractedArticle:
    text: str
    content_hash: str
    title: str | None
    author: str | None
    description: str | None
    site_name: str | None
    published_at: datetime | None
    language: str | None
    # The text as the analyzer sees it, worked out here in the extraction worker so the
    # crawl's main process neither analyses it for `require` nor again to store it.
    analysed: Analyzed | None = None


@dataclass(frozen=True)
class ExtractionFailure:
    reason: str  # empty | too_short | undecodable
    detail: str = ""


def extract_article(
    html: str,
    url: str,
    *,
    language_hint: str | None = None,
    timezone: tzinfo = UTC,
    settings: ExtractionSettings = EXTRACTION_SETTINGS,
) -> ExtractedArticle | ExtractionFailure:
    from trafilatura.settings import Document
    from trafilatura.utils import load_html

    if not html.strip():
        return ExtractionFailure("empty", "the page has no content")
    # Parsed once: the headline is read from the tree Trafilatura then extracts from.
    tree = load_html(html)
    if tree is None:
        return ExtractionFailure("empty", "the page does not parse as HTML")
    headline = page_headline(tree, url)
    # the metadata (title, author, date, …) is read once, with the first reading: it does
    # not depend on the settings, and it costs a third of a reading
    document = _trafilatura(tree, url, settings, with_metadata=True)
    text = _body(document, headline, document)
    links: set[str] | None = None
    while settings.otherwise is not None and text_weight(text) < settings.enough:
        settings = settings.otherwise
        # Trafilatura reads a copy of the tree: this one is still the page as parsed.
        # (No Document at all when a reading finds no text: its metadata is lost too.)
        retried = _trafilatura(tree, url, settings, with_metadata=document is None)
        document = retried if document is None else document
        retried_text = _body(retried, headline, document)
        if not retried_text or (
            settings.only_if_longer and text_weight(retried_text) <= text_weight(text)
        ):
            continue
        # what only recall or a fallback finds may be the page's links (a template that
        # lost its article leaves menus and "related" boxes): no article is better
        links = _link_texts(tree) if links is None else links
        if not _mostly_links(retried_text, links):
            text = retried_text
    # a Document or None: a dict comes only with the deprecated as_dict=True
    if not isinstance(document, Document) or not text:
        return ExtractionFailure("empty", "no article body found")
    title = headline or _clean(document.title)
    if replacement_share(text) > MAX_REPLACEMENT_SHARE:
        return ExtractionFailure(
            "undecodable", "the text is mostly U+FFFD: the page's encoding is wrong or unknown"
        )
    if text_weight(text) < MIN_TEXT_CHARS:
        return ExtractionFailure("too_short", f"{len(text)} characters of body text")
    return ExtractedArticle(
        text=text,
        content_hash=content_hash(text),
        title=title,
        author=_page_spelling(_clean(document.author), html),
        description=_clean(document.description),
        site_name=_page_spelling(_clean(document.sitename), html),
        published_at=parse_extracted_date(document.date, timezone),
        language=detect_language(text, html, language_hint),
        analysed=analyze(text),
    )


def _trafilatura(
    tree: HtmlElement, url: str, settings: ExtractionSettings, *, with_metadata: bool = False
) -> Any:
    from trafilatura import bare_extraction

    return bare_extraction(
        tree,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=True,
        favor_precision=settings.favor_precision,
        favor_recall=settings.favor_recall,
        fast=settings.fast,
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )


def _body(document: Any, headline: str | None, metadata: Any) -> str:
    """The article's text from a Trafilatura reading, without the title it starts with
    (the headline, or the title in the page's `metadata`); "" without a reading."""
    from trafilatura.settings import Document

    if not isinstance(document, Document) or not document.text:
        return ""
    text = normalize_text(document.text)
    title = _clean(metadata.title) if isinstance(metadata, Document) else None
    for stated in dict.fromkeys((headline or title, title)):
        text = _drop_leading_title(text, stated)
    return text


def _link_texts(tree: HtmlElement) -> set[str]:
    return {" ".join(a.text_content().split()) for a in tree.iter("a")} - {""}


# Above this share of its characters in lines that are a link's text, a text is a list of
# links (menus, teasers), not an article.
MAX_LINK_SHARE = 0.5


def _mostly_links(text: str, links: set[str]) -> bool:
    lines = [" ".join(line.removeprefix("- ").split()) for line in text.splitlines()]
    linked = sum(len(line) for line in lines if line in links)
    return linked > MAX_LINK_SHARE * sum(len(line) for line in lines)


def canonical_link(page: str) -> str | None:
    """The href of the page's first `<link rel="canonical">`, as written (relative or
    not). A scan of the <link> tags rather than a parsed document: this runs for every
    page, and a DOM of a 150 KB page is what the extraction worker builds once already."""
    for attrs in link_tags(page):
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            return attrs["href"].strip()
    return None


def link_tags(page: str) -> Iterator[dict[str, str]]:
    """The attributes of each `<link>` tag, names lower-cased, values unescaped."""
    for tag in _LINK_TAG_RE.finditer(page):
        yield {
            name.lower(): html.unescape(value.strip("\"'"))
            for name, value in _ATTR_RE.findall(tag.group())
        }


def normalize_text(text: str) -> str:
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _drop_leading_title(text: str, title: str | None) -> str:
    """Trafilatura keeps the <h1>; the title is stored on its own. A kicker in the <h1>
    comes first on the same line ("KI-Chips Nvidia zeigt …")."""
    first, _, rest = text.partition("\n")
    line, title_key = first.strip().casefold(), (title or "").casefold()
    if title_key and rest and line.endswith(title_key) and len(line) - len(title_key) <= 40:
        return rest
    return text


_CJK = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)


def text_weight(text: str) -> int:
    """The text's length in Latin-script characters: 172 Chinese characters are a
    short article, not a caption."""
    cjk = len(_CJK.findall(text))
    return len(text) + (CJK_CHAR_WEIGHT - 1) * cjk


def _page_spelling(names: str | None, html: str) -> str | None:
    """Undo Trafilatura's title-casing of names that start lower-case ("dpa-AFX" came
    back as "Dpa-Afx", "heise online" as "Heise Online"): each name as the page spells it."""
    if not names:
        return names
    restored = []
    for name in names.split("; "):
        # Trafilatura title-cases only names that start lower-case: a name the page
        # spells as returned was not touched.
        if name == name.title() and name not in html:
            pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)"
            for match in re.finditer(pattern, html, re.IGNORECASE):
                if match.group(0)[0].islower():
                    name = re.sub(r"\s+", " ", match.group(0))
                    break
        restored.append(name)
    return "; ".join(restored)


def content_hash(text: str) -> str:
    folded = re.sub(r"\s+", " ", text).strip().casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def parse_extracted_date(value: str | None, timezone: tzinfo = UTC) -> datetime | None:
    """htmldate's date; one the page wrote without a zone is in `timezone`."""
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone)
    return None


# A language tag (de, de-DE, de_DE, zh-Hans-CN, fil): its primary subtag is what language
# detection, `<html lang>` and `lang:` in rules speak.
_LANGUAGE_TAG_RE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*", re.IGNORECASE | re.ASCII)


def language_code(tag: str) -> str | None:
    """The language of a tag ("zh-Hans-CN" → "zh"), or None when it is no tag ("German")."""
    match = _LANGUAGE_TAG_RE.fullmatch(tag.strip())
    return match.group(1).lower() if match else None


def detect_language(text: str, html: str, hint: str | None) -> str | None:
    """A confident detection wins; then the page's own `<html lang>`; then the source's
    configured language."""
    if len(text) >= LANGUAGE_MIN_CHARS:
        # py3langid's cost grows with the text: the first 2,000 characters decide nearly
        # every page (the same language as 5,000 on all 987 of Trafilatura's evaluation
        # pages, in half the time); a text they leave in doubt (a Chinese article that
        # quotes English names) gets 5,000.
        for length in LANGUAGE_SAMPLE_CHARS:
            language, probability = _identifier().classify(text[:length])
            if probability >= LANGUAGE_MIN_PROBABILITY:
                return str(language)
            if len(text) <= length:
                break
    declared = _HTML_LANG_RE.search(html[:5000])
    if declared:
        return declared.group(1).lower()
    return hint


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    return re.sub(r"\s+", " ", value).strip() or None


def warm_up(parent: int | None = None) -> None:
    """Process-pool initializer: load models once per worker, not per page, and leave
    with the parent (its pid passed in, since a worker may only start after the parent
    died): a crawl killed with SIGKILL must not strand its workers."""
    if parent is None:
        parent = os.getppid()
    # Ctrl-C in a terminal reaches the whole process group: the crawl's main process
    # stops the run and then the pool; a worker stopped mid-page would print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    _identifier()
