"""Extraction details a new user meets: CJK text length, authors' own spelling, and the
article's own headline on the CMS patterns of tests/headline_cases.py."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from trafilatura import bare_extraction
from trafilatura.settings import Document

from crawler.extract import (
    ExtractedArticle,
    ExtractionFailure,
    ExtractionSettings,
    detect_language,
    extract_article,
)
from tests.headline_cases import CASES, HeadlineCase

# Written for this test: a short Chinese report, 167 characters.
_CHINESE = (
    "英伟达今天发布了新一代人工智能芯片，这款芯片专为数据中心设计。公司表示，新芯片的推理性能比上一代"
    "提高了三倍，同时功耗降低了百分之二十。分析人士认为，这将进一步巩固英伟达在人工智能加速器市场的领先"
    "地位。与此同时，国内厂商也在加快研发步伐，寒武纪和华为昇腾的产品已经在多家云服务商部署。业内预计，"
    "明年的竞争将更加激烈，价格也可能随之下降。"
)
_BODY = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "The company said the new part would ship to customers in the first half of next year, "
        "with volume production to follow later.",
        "Analysts expect demand from cloud providers to stay strong, although prices for memory "
        "and advanced packaging keep rising.",
        "A spokesperson declined to give figures for the expected revenue but said several large "
        "customers had already placed orders.",
    )
)
# At least this share of the cases must come out with exactly the page's headline.
HEADLINE_EXACT_MIN = 0.95


def _page(case: HeadlineCase) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{case.head}</head><body>{case.top}"
        f"<main><article>{case.header}{_BODY}</article></main><footer>Impressum</footer>"
        "</body></html>"
    )


def _exact_share(titles: list[str | None]) -> float:
    hits = sum(title == case.headline for title, case in zip(titles, CASES, strict=True))
    return hits / len(CASES)


def test_a_short_chinese_article_is_long_enough() -> None:
    assert len(_CHINESE) == 167
    html = (
        "<html lang='zh'><head><title>英伟达发布新芯片</title></head><body><article>"
        f"<h1>英伟达发布新芯片</h1><p>{_CHINESE}</p></article></body></html>"
    )
    result = extract_article(html, "https://news.example.cn/a.html")
    assert isinstance(result, ExtractedArticle), result
    assert result.text == _CHINESE
    assert result.language == "zh"


def test_latin_text_of_the_same_length_is_still_too_short() -> None:
    text = "Nvidia stellt einen neuen Chip vor. " * 4  # 144 characters
    html = f"<html><body><article><h1>Kurz</h1><p>{text}</p></article></body></html>"
    result = extract_article(html, "https://n.example/short")
    assert isinstance(result, ExtractionFailure)
    assert result.reason == "too_short"


def test_authors_and_site_name_keep_the_pages_spelling() -> None:
    html = (
        "<html><head><title>Nvidia zeigt Blackwell</title>"
        '<meta property="og:site_name" content="heise online">'
        '<meta name="author" content="dpa-AFX"></head><body><article>'
        f'<h1>Nvidia zeigt Blackwell</h1><p class="byline">Von dpa-AFX</p>{_BODY}'
        "</article></body></html>"
    )
    # what Trafilatura alone makes of them
    document = bare_extraction(html, url="https://www.heise.de/a", with_metadata=True)
    assert isinstance(document, Document)
    assert (document.author, document.sitename) == ("Dpa-Afx", "Heise Online")
    result = extract_article(html, "https://www.heise.de/a")
    assert isinstance(result, ExtractedArticle), result
    assert (result.author, result.site_name) == ("dpa-AFX", "heise online")


def test_a_capitalised_author_is_left_as_it_is() -> None:
    html = (
        '<html><head><meta name="author" content="Anna Weber"></head><body><article>'
        f"<h1>Titel</h1><p>von anna weber</p>{_BODY}</article></body></html>"
    )
    result = extract_article(html, "https://n.example/a")
    assert isinstance(result, ExtractedArticle), result
    assert result.author == "Anna Weber"


def test_titles_are_the_pages_headline() -> None:
    assert len(CASES) >= 30
    titles = []
    for case in CASES:
        result = extract_article(_page(case), case.url)
        assert isinstance(result, ExtractedArticle), (case.name, result)
        titles.append(result.title)
    misses = [(c.name, t) for t, c in zip(titles, CASES, strict=True) if t != c.headline]
    assert _exact_share(titles) >= HEADLINE_EXACT_MIN, misses


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_written_page_head_gives_its_headline(case: HeadlineCase) -> None:
    """Every pattern on its own (the share above is the gate Trafilatura's titles fail)."""
    result = extract_article(_page(case), case.url)
    assert isinstance(result, ExtractedArticle), result
    assert result.title == case.headline


def test_the_headline_gate_fails_on_trafilaturas_own_titles() -> None:
    titles = []
    for case in CASES:
        document = bare_extraction(_page(case), url=case.url, with_metadata=True)
        assert isinstance(document, Document)
        titles.append(document.title)
    assert _exact_share(titles) < HEADLINE_EXACT_MIN


def test_a_kicker_in_the_h1_does_not_open_the_text() -> None:
    case = CASES[3]  # tagesschau: topline and headline spans in the h1
    result = extract_article(_page(case), case.url)
    assert isinstance(result, ExtractedArticle), result
    assert result.text.startswith("The company said")


def test_a_page_date_without_a_zone_is_in_the_sources_timezone() -> None:
    def page(published: str) -> str:
        return (
            f'<html><head><meta property="article:published_time" content="{published}">'
            f"</head><body><article><h1>英伟达发布新芯片</h1><p>{_CHINESE}</p>{_BODY}"
            "</article></body></html>"
        )

    shanghai = ZoneInfo("Asia/Shanghai")
    local = extract_article(page("2026-12-02T22:00:00"), "https://n.example/a", timezone=shanghai)
    assert isinstance(local, ExtractedArticle), local
    assert local.published_at == datetime(2026, 12, 2, 14, tzinfo=UTC)
    as_utc = extract_article(page("2026-12-02T22:00:00"), "https://n.example/a")
    assert isinstance(as_utc, ExtractedArticle), as_utc
    assert as_utc.published_at == datetime(2026, 12, 2, 22, tzinfo=UTC)  # not configured
    zoned = extract_article(
        page("2026-12-02T22:00:00+01:00"), "https://n.example/a", timezone=shanghai
    )
    assert isinstance(zoned, ExtractedArticle), zoned
    assert zoned.published_at == datetime(2026, 12, 2, 21, tzinfo=UTC)  # its own zone wins


_SENTENCE = (
    "Der Halbleiterhersteller meldete am Dienstag einen deutlich höheren Umsatz mit "
    "Beschleunigern für Rechenzentren; die Nachfrage übersteige weiterhin das Angebot"
)
_HEAD = "<html><head><title>Umsatz steigt</title><meta name='author' content='Anna Muster'>"


def test_an_article_precision_takes_for_boilerplate_is_read_for_recall() -> None:
    """A page that renders its article by script and keeps it in <noscript> for readers
    without (a pattern of blog platforms): precision finds no article there; the
    extraction then reads the page for recall instead of losing the story."""
    body = "".join(f"<p>{_SENTENCE}. Absatz {n}.</p>" for n in range(4))
    page = (
        f"{_HEAD}<meta property='article:published_time' content='2026-12-01T08:00:00+00:00'>"
        "</head><body><div class='post'>"
        "<h3 class='post-title'>Umsatz steigt</h3><div class='post-body'>"
        "<script type='text/template'>" + body.replace("<", "&lt;") + "</script>"
        f"<noscript>{body}</noscript></div></div><footer>Impressum</footer></body></html>"
    )
    url = "https://blog.example/2026/12/umsatz.html"
    precision_only = extract_article(page, url, settings=ExtractionSettings())
    assert isinstance(precision_only, ExtractionFailure)
    article = extract_article(page, url)
    assert isinstance(article, ExtractedArticle), article
    assert article.text.count("Absatz") == 4
    assert "Impressum" not in article.text
    # the page's metadata, though the first reading, which found no text, had none
    assert article.author == "Anna Muster"
    assert article.published_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_short_reading_without_fallbacks_gets_their_second_opinion() -> None:
    """Trafilatura's own reading, without its fallback extractors, finds only a notice's
    few lines on a page whose article is one <div> of lines broken by <br>, not
    paragraphs (a pattern of older news systems). Read once more with the fallbacks,
    readability finds the article: short readings are checked, long ones are not
    read twice."""
    story = "<br /><br />".join(f"{_SENTENCE}, sagte Sprecher {n}." for n in range(8))
    notice = (
        "Diese Website verwendet Cookies und andere Techniken, um den Dienst zu verbessern. "
        "Wer weiter liest, stimmt dem zu. Die Einstellungen lassen sich jederzeit im "
        "Datenschutzbereich ändern, dort steht auch, welche Partner welche Daten erhalten "
        "und wie lange sie gespeichert werden."
    )
    page = (
        f"{_HEAD}</head><body><nav><a href='/'>Start</a></nav>"
        f"<div class='date'><p>2026-11-03</p></div><div id='newstext'>{story}</div>"
        f"<div class='hinweis'><p>{notice}</p></div><footer>Impressum</footer></body></html>"
    )
    url = "https://news.example/view.htm?id=181595"
    without_fallbacks = extract_article(page, url, settings=ExtractionSettings(fast=True))
    assert isinstance(without_fallbacks, ExtractedArticle)
    assert "Cookies" in without_fallbacks.text
    assert "Sprecher" not in without_fallbacks.text
    article = extract_article(page, url)
    assert isinstance(article, ExtractedArticle), article
    assert article.text.count("sagte Sprecher") == 8
    # read with the first reading, not again with the fallbacks
    assert article.author == "Anna Muster"


def test_a_page_no_reading_finds_text_in_is_an_empty_extraction() -> None:
    """No reading (with or without fallbacks, for recall) gives Trafilatura a document:
    the page is reported as empty, with its reason, not as an error."""
    page = "<html><body><nav><a href='/'>Start</a></nav><div></div></body></html>"
    assert extract_article(page, "https://news.example/leer.html") == ExtractionFailure(
        "empty", "no article body found"
    )


def test_a_template_that_lost_its_article_stays_an_extraction_failure() -> None:
    """Read for recall, a page whose article body is empty gives its menus and "related"
    links: that is no article (source health must still see the broken template, and
    rules must not fire on the teasers' headlines)."""
    related = "".join(
        f"<li><a href='/news/{n}.html'>Nvidia meldet Rekordumsatz mit Beschleunigern im "
        f"Quartal {n} und hebt die Prognose an</a></li>"
        for n in range(8)
    )
    page = (
        "<html><head><title>Beitrag 1</title></head><body><nav><a href='/'>Start</a> "
        "<a href='/tech'>Technik</a></nav><main><article><h1>Beitrag 1</h1>"
        "<div class='article-body'></div></article><section class='more'>"
        f"<h2>Mehr zum Thema</h2><ul>{related}</ul></section></main><footer><p>Über uns. "
        "Kontakt. Impressum. Datenschutz. Alle Rechte vorbehalten, Beispielverlag GmbH, "
        "Musterstraße 1, 12345 Berlin. Nachdruck nur mit Genehmigung.</p></footer></body></html>"
    )
    result = extract_article(page, "https://news.example/2026/12/beitrag-1.html")
    assert isinstance(result, ExtractionFailure), result


def test_a_language_left_in_doubt_by_the_texts_start_is_read_further() -> None:
    """An article that opens with a long spec table (numbers, model names) gives
    py3langid no confident reading of its first 2,000 characters; the German prose after
    it decides, over the page's (wrong) `<html lang>`."""
    table = "".join(
        f"H{k}0 {k * 7}.{k % 10} TFLOPS, {k * 3} GB HBM{k % 4}, {k * 50} W | "
        for k in range(1, 200)
    )[:1900]
    prose = f"{_SENTENCE}, sagte ein Sprecher in Santa Clara. "
    text = table + prose * 20
    assert detect_language(text[:2000], '<html lang="en">', None) == "en"  # in doubt
    assert detect_language(text, '<html lang="en">', None) == "de"
