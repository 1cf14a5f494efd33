"""What an extraction worker does with a page: Trafilatura (crawler.extract), then the
rest of the per-page work that would otherwise fall to the crawl's main process, whose
reactor thread must keep downloading: analysing the title, the page's vocabulary, its
rel=canonical, and compressing the HTML into the form it is stored in.

A worker process starts by importing this module (it unpickles `extract_page` by name):
it imports neither Scrapy, Twisted, SQLAlchemy nor the storage package, which would cost
every worker about 0.8 s of CPU at start and ~40 MB of memory for nothing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import tzinfo
from urllib.parse import urljoin

from analysis.analyzer import Analyzed, Vocabulary, analyze
from crawler.extract import ExtractedArticle, ExtractionFailure, canonical_link, extract_article

if sys.version_info >= (3, 14):
    from compression import zstd
else:  # the backport of it, which Scrapy requires too
    from backports import zstd


@dataclass(frozen=True)
class WorkerResult:
    """What an extraction worker sends back: the article, and the per-page work that
    would otherwise fall to the crawl's main process (the reactor's thread)."""

    article: ExtractedArticle
    compressed_html: bytes
    analysed_title: Analyzed | None
    vocabulary: Vocabulary  # of the page's own title and its text, as stored
    canonical: str | None  # the page's rel=canonical, absolute


def extract_page(
    html: str, url: str, language_hint: str | None, timezone: tzinfo
) -> WorkerResult | ExtractionFailure:
    article = extract_article(html, url, language_hint=language_hint, timezone=timezone)
    if isinstance(article, ExtractionFailure):
        return article
    analysed_title = analyze(article.title) if article.title else None
    return WorkerResult(
        article=article,
        compressed_html=compress_html(html),
        analysed_title=analysed_title,
        vocabulary=Vocabulary.of(*(a for a in (analysed_title, article.analysed) if a)),
        canonical=urljoin(url, link) if (link := canonical_link(html)) else None,
    )


def compress_html(html: str) -> bytes:
    """The stored form of a page's HTML (read back by storage.raw_html): Zstandard at its
    default level, which on 150 KB news pages takes 0.5 ms against zlib level 1's 1.2 ms
    (here in the extraction workers, which bound the crawl's speed) for 14 % fewer
    bytes."""
    return zstd.compress(html.encode("utf-8"))
