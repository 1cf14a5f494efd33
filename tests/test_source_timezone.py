"""A source that writes its local time without a zone (common on Chinese and German
sites: sitemaps, JSON listings, article pages): with `timezone` set, what the crawl
stores is the moment the site meant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from chipwatch.demo.server import NewsServer
from chipwatch.demo.site import Response, SiteSession
from crawler.pipelines import choose_published
from storage import Article, open_database
from tests.conftest import FAST_CRAWL, chipwatch, write_config

# Written for this test: two short reports.
TEXTS = {
    "1": (
        "国内多家云服务商本周表示，将在新建的数据中心中扩大国产人工智能加速器的部署规模。"
        "业内人士指出，寒武纪和华为昇腾的产品在推理任务上的表现已经接近进口芯片，"
        "但在大模型训练方面仍有差距。分析师预计，明年国产芯片的出货量将继续增长，"
        "同时软件生态的完善程度将决定客户的采购节奏。"
    ),
    "2": (
        "中芯国际在周一的业绩说明会上透露，先进制程的产能利用率已连续三个季度保持高位，"
        "新增订单主要来自人工智能和高性能计算客户。公司管理层表示，设备交付周期仍然偏长，"
        "扩产计划将分阶段推进。市场人士认为，晶圆代工价格短期内难以明显回落，"
        "下游芯片设计企业的成本压力依旧存在。"
    ),
}


class LocalTimeSite:
    """A news sitemap and two articles, every time written in Beijing time, no zone."""

    name = "Local Time Site"

    def new_session(self) -> SiteSession:
        return SiteSession()

    def route(
        self,
        base_url: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        session: SiteSession | None = None,
    ) -> Response:
        if path == "/robots.txt":
            return Response(200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")
        if path == "/sitemap.xml":
            urls = "".join(
                f"<url><loc>{base_url}/a{n}.html</loc>"
                f"<lastmod>2026-11-30T2{n}:00:00</lastmod></url>"
                for n in (1, 2)
            )
            body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return Response(200, {"Content-Type": "application/xml"}, body.encode())
        if path in ("/a1.html", "/a2.html"):
            n = path[2]
            page = (
                "<html lang='zh'><head><meta charset='utf-8'><title>国产芯片</title>"
                f'<meta property="article:published_time" content="2026-11-30T2{n}:05:00">'
                f"</head><body><article><h1>国产芯片动态 {n}</h1><p>{TEXTS[n]}</p>"
                "</article></body></html>"
            )
            return Response(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())
        return Response(404, {"Content-Type": "text/plain"}, b"not found")


def test_a_sources_local_times_are_stored_as_the_moments_they_mean(tmp_path: Path) -> None:
    with NewsServer(LocalTimeSite()) as site:
        config = write_config(
            tmp_path,
            FAST_CRAWL
            + '[[sources]]\nname = "Beijing Wire"\nlanguage = "zh"\n'
            + f'timezone = "Asia/Shanghai"\nsitemaps = ["{site.url("/sitemap.xml")}"]\n',
        )
        result = chipwatch(config, "crawl")
    assert result.returncode == 0, result.stderr
    sessions = open_database(f"sqlite:///{tmp_path / 'chipwatch.db'}")
    with sessions() as session:
        stored = session.execute(select(Article.url, Article.published_at)).all()
    # SQLite gives back naive UTC; 21:00 and 22:00 in Beijing are 13:00 and 14:00 UTC
    # (read as UTC, they would be eight hours late)
    published = {url.rsplit("/", 1)[1]: when and when.replace(tzinfo=UTC) for url, when in stored}
    assert published == {
        "a1.html": datetime(2026, 11, 30, 13, tzinfo=UTC),
        "a2.html": datetime(2026, 11, 30, 14, tzinfo=UTC),
    }


def test_a_listing_date_within_a_day_of_the_pages_is_preferred_counted_in_real_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    page = datetime(2026, 10, 24, 12, tzinfo=berlin)
    # the clocks go back on 25 October: noon to noon is 25 hours, more than a day
    assert choose_published(datetime(2026, 10, 25, 12, tzinfo=berlin), page) == page
    within = datetime(2026, 10, 25, 10, tzinfo=berlin)  # 23 hours
    assert choose_published(within, page) == within
    assert choose_published(None, page) == page
