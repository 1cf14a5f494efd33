"""Page heads as news sites' CMSs write them, each with the headline a reader sees.

Written for these tests (no page copied): the patterns are the common ones — a <title>
with the site's name after a separator, an og:title for social media that differs from
the headline, an <h1> with a kicker (Dachzeile) in its own span, JSON-LD NewsArticle,
pages without og:title, a logo in an <h1>, a cookie banner with its own <h1>. The
headline is the <h1>'s main line as displayed, without its kicker.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeadlineCase:
    name: str
    url: str
    head: str  # inside <head>
    top: str  # in <body> before the article (site header, banners)
    header: str  # inside <article> before the body text
    headline: str


def _ld(headline: str, kind: str = "NewsArticle", publisher: str = "") -> str:
    pub = f', "publisher": {{"@type": "Organization", "name": "{publisher}"}}' if publisher else ""
    return (
        '<script type="application/ld+json">'
        f'{{"@context": "https://schema.org", "@type": "{kind}", "headline": "{headline}"{pub}}}'
        "</script>"
    )


def _og(title: str) -> str:
    return f'<meta property="og:title" content="{title}">'


CASES: tuple[HeadlineCase, ...] = (
    HeadlineCase(
        "heise: title suffix, kicker outside h1",
        "https://www.heise.de/news/Nvidia-Rubin-kommt-frueher-1000001.html",
        "<title>Nvidia: Rubin-Beschleuniger kommen früher als geplant | heise online</title>"
        '<meta property="og:title" content="Nvidia: Rubin-Beschleuniger kommen früher als geplant">'
        '<meta property="og:site_name" content="heise online">',
        '<header class="site"><a class="logo" href="/">heise online</a></header>',
        '<p class="a-article-header__label">Rechenzentrum</p>'
        '<h1 class="a-article-header__title">Nvidia: Rubin-Beschleuniger kommen früher als geplant'
        "</h1>",
        "Nvidia: Rubin-Beschleuniger kommen früher als geplant",
    ),
    HeadlineCase(
        "golem: kicker span and headline span in h1, og:title with kicker and suffix",
        "https://www.golem.de/news/halbleiter-tsmc-2510-1.html",
        "<title>Halbleiter: TSMC zieht 2-nm-Fertigung in Arizona vor - Golem.de</title>"
        '<meta property="og:title" content="Halbleiter: TSMC zieht 2-nm-Fertigung in Arizona vor">',
        "",
        '<h1><span class="head-kicker">Halbleiter</span>'
        '<span class="head-title">TSMC zieht 2-nm-Fertigung in Arizona vor</span></h1>',
        "TSMC zieht 2-nm-Fertigung in Arizona vor",
    ),
    HeadlineCase(
        "spiegel: kicker and title spans without telling classes",
        "https://www.spiegel.de/wirtschaft/unternehmen/chipkrise-a-1234.html",
        "<title>Chipkrise: Warum Europa bei KI-Chips zurückfällt - DER SPIEGEL</title>"
        '<meta property="og:title" content="Chipkrise: Warum Europa bei KI-Chips zurückfällt">'
        '<meta property="og:site_name" content="DER SPIEGEL">',
        "",
        "<h1><span>Chipkrise</span><span>Warum Europa bei KI-Chips zurückfällt</span></h1>",
        "Warum Europa bei KI-Chips zurückfällt",
    ),
    HeadlineCase(
        "tagesschau: topline and headline spans",
        "https://www.tagesschau.de/wirtschaft/unternehmen/infineon-100.html",
        "<title>Infineon senkt Prognose wegen schwacher Nachfrage | tagesschau.de</title>"
        '<meta property="og:title" content="Infineon senkt Prognose wegen schwacher Nachfrage">',
        "",
        '<h1 class="seitenkopf__headline"><span class="seitenkopf__topline">Chiphersteller'
        '</span> <span class="seitenkopf__headline--text">Infineon senkt Prognose wegen '
        "schwacher Nachfrage</span></h1>",
        "Infineon senkt Prognose wegen schwacher Nachfrage",
    ),
    HeadlineCase(
        "WordPress with Yoast: suffix in both title and og:title",
        "https://chipblog.example/2025/10/amd-mi400-details/",
        "<title>AMD nennt erste Details zur MI400 - Chipblog</title>"
        '<meta property="og:title" content="AMD nennt erste Details zur MI400 - Chipblog">'
        '<meta property="og:site_name" content="Chipblog">',
        '<header><p class="site-title"><a href="/">Chipblog</a></p></header>',
        '<h1 class="entry-title">AMD nennt erste Details zur MI400</h1>',
        "AMD nennt erste Details zur MI400",
    ),
    HeadlineCase(
        "old WordPress theme: blog name in h1, post title in h2",
        "https://siliconnotes.example/intel-18a-yield/",
        "<title>Intel reports better 18A yields &#8211; Silicon Notes</title>",
        '<header><h1 class="site-title"><a href="/">Silicon Notes</a></h1></header>',
        '<h2 class="entry-title">Intel reports better 18A yields</h2>',
        "Intel reports better 18A yields",
    ),
    HeadlineCase(
        "Tom's Hardware: apostrophe site name",
        "https://www.tomshardware.com/pc-components/gpus/rtx-5090-supply",
        "<title>RTX 5090 supply improves as Nvidia ramps production | Tom's Hardware</title>"
        '<meta property="og:title" content="RTX 5090 supply improves as Nvidia ramps production">'
        '<meta property="og:site_name" content="Tom\'s Hardware">',
        "",
        "<h1>RTX 5090 supply improves as Nvidia ramps production</h1>",
        "RTX 5090 supply improves as Nvidia ramps production",
    ),
    HeadlineCase(
        "The Register: bullet separator, h2 standfirst",
        "https://www.theregister.com/2025/10/02/arm_server_share/",
        "<title>Arm servers pass 20 percent share in cloud fleets • The Register</title>"
        '<meta property="og:title" content="Arm servers pass 20 percent share in cloud fleets">',
        "",
        "<h1>Arm servers pass 20 percent share in cloud fleets</h1>"
        "<h2>Hyperscalers keep buying their own silicon</h2>",
        "Arm servers pass 20 percent share in cloud fleets",
    ),
    HeadlineCase(
        "social og:title differs from the headline",
        "https://www.reuters.com/technology/samsung-hbm4-2025-10-03/",
        "<title>Samsung wins Nvidia approval for HBM4 samples, sources say | Reuters</title>"
        '<meta property="og:title" content="Samsung clears a key hurdle in the HBM race">',
        "",
        '<h1 data-testid="Heading">Samsung wins Nvidia approval for HBM4 samples, sources say</h1>',
        "Samsung wins Nvidia approval for HBM4 samples, sources say",
    ),
    HeadlineCase(
        "JSON-LD NewsArticle, no og:title, h1 present",
        "https://www.eetimes.com/risc-v-vector-startups/",
        "<title>RISC-V Vector Startups Find Buyers in Automotive - EE Times</title>"
        + _ld("RISC-V Vector Startups Find Buyers in Automotive", publisher="EE Times"),
        "",
        '<h1 class="article-title">RISC-V Vector Startups Find Buyers in Automotive</h1>',
        "RISC-V Vector Startups Find Buyers in Automotive",
    ),
    HeadlineCase(
        "JSON-LD headline truncated with an ellipsis, og:title in full",
        "https://www.digitimes.com/news/a20251003PD200.html",
        "<title>Taiwan's packaging houses expand CoWoS capacity again as AI orders keep "
        "arriving from US cloud providers</title>"
        '<meta property="og:title" content="Taiwan\'s packaging houses expand CoWoS capacity again'
        ' as AI orders keep arriving from US cloud providers">'
        + _ld("Taiwan's packaging houses expand CoWoS capacity again as AI orders keep…"),
        "",
        "",
        "Taiwan's packaging houses expand CoWoS capacity again as AI orders keep arriving "
        "from US cloud providers",
    ),
    HeadlineCase(
        "no h1 at all: og:title with the site in og:site_name",
        "https://newsroom.example.com/releases/2025/cerebras-funding",
        "<title>Cerebras raises new funding round | Newsroom Daily</title>"
        '<meta property="og:title" content="Cerebras raises new funding round | Newsroom Daily">'
        '<meta property="og:site_name" content="Newsroom Daily">',
        "",
        '<div class="headline">Cerebras raises new funding round</div>',
        "Cerebras raises new funding round",
    ),
    HeadlineCase(
        "no h1, no og: only a <title> with the host in the suffix",
        "https://www.chipinsider-news.io/groq-lpu-deal",
        "<title>Groq signs LPU supply deal with Saudi operator – ChipInsider</title>",
        "",
        '<p class="title">Groq signs LPU supply deal with Saudi operator</p>',
        "Groq signs LPU supply deal with Saudi operator",
    ),
    HeadlineCase(
        "cookie banner with its own h1 before the article",
        "https://www.computerbase.de/news/prozessoren/ryzen-9000x3d.12345/",
        "<title>Ryzen 9000X3D: AMD bestätigt Termin für die neuen CPUs - ComputerBase</title>"
        + _og("Ryzen 9000X3D: AMD bestätigt Termin für die neuen CPUs"),
        '<div class="consent"><h1>Wir respektieren Ihre Privatsphäre</h1></div>',
        "<h1>Ryzen 9000X3D: AMD bestätigt Termin für die neuen CPUs</h1>",
        "Ryzen 9000X3D: AMD bestätigt Termin für die neuen CPUs",
    ),
    HeadlineCase(
        "soft hyphens in the h1",
        "https://www.handelsblatt.com/technik/halbleiter-100.html",
        "<title>Halbleiterindustrie: Europas Chipgesetz verfehlt sein Ziel - Handelsblatt</title>"
        '<meta property="og:title" content="Halbleiterindustrie: Europas Chipgesetz verfehlt sein'
        ' Ziel">',
        "",
        "<h1>Halbleiter&shy;industrie: Europas Chip&shy;gesetz verfehlt sein Ziel</h1>",
        "Halbleiterindustrie: Europas Chipgesetz verfehlt sein Ziel",
    ),
    HeadlineCase(
        "h1 with a line break",
        "https://www.faz.net/aktuell/wirtschaft/unternehmen/asml-auftraege-1100.html",
        "<title>ASML: Aufträge aus China brechen ein | FAZ</title>"
        '<meta property="og:title" content="ASML: Aufträge aus China brechen ein">',
        "",
        "<h1>ASML: Aufträge aus China<br>brechen ein</h1>",
        "ASML: Aufträge aus China brechen ein",
    ),
    HeadlineCase(
        "h1 with screen-reader prefix",
        "https://www.sueddeutsche.de/wirtschaft/infineon-dresden-1.700000",
        "<title>Infineon eröffnet neue Fabrik in Dresden | SZ.de</title>"
        '<meta property="og:title" content="Infineon eröffnet neue Fabrik in Dresden">',
        "",
        '<h1><span class="sr-only">Artikel: </span>Infineon eröffnet neue Fabrik in Dresden</h1>',
        "Infineon eröffnet neue Fabrik in Dresden",
    ),
    HeadlineCase(
        "site name first in the title",
        "https://www.electronicsweekly.example/news/arm-licensing",
        "<title>Electronics Weekly | Arm changes its licensing model</title>"
        '<meta property="og:site_name" content="Electronics Weekly">',
        "",
        '<div class="post-title">Arm changes its licensing model</div>',
        "Arm changes its licensing model",
    ),
    HeadlineCase(
        "Ars Technica: dash suffix, h1 matches",
        "https://arstechnica.com/gadgets/2025/10/apple-m5-npu/",
        "<title>Apple's M5 doubles the neural engine's throughput - Ars Technica</title>"
        '<meta property="og:title" content="Apple\'s M5 doubles the neural engine\'s throughput">',
        "",
        "<h1>Apple’s M5 doubles the neural engine’s throughput</h1>",
        "Apple’s M5 doubles the neural engine’s throughput",
    ),
    HeadlineCase(
        "The Verge: curly quotes in h1, straight in meta",
        "https://www.theverge.com/2025/10/4/qualcomm-x-elite-2",
        '<title>Qualcomm\'s "X2 Elite" arrives with 18 cores | The Verge</title>'
        + _og("Qualcomm's &quot;X2 Elite&quot; arrives with 18 cores"),
        "",
        "<h1>Qualcomm’s “X2 Elite” arrives with 18 cores</h1>",
        "Qualcomm’s “X2 Elite” arrives with 18 cores",
    ),
    HeadlineCase(
        "section name in h1, headline in h2 confirmed by og:title",
        "https://www.techwire.example/semiconductors/hbm-prices",
        "<title>HBM prices rise for the fourth quarter in a row - TechWire</title>"
        '<meta property="og:title" content="HBM prices rise for the fourth quarter in a row">',
        "",
        '<h1 class="section">Semiconductors</h1><h2>HBM prices rise for the fourth quarter in a '
        "row</h2>",
        "HBM prices rise for the fourth quarter in a row",
    ),
    HeadlineCase(
        "ITmedia: Japanese title with ASCII dash suffix",
        "https://www.itmedia.co.jp/news/articles/2510/03/news100.html",
        "<title>ソフトバンク、AI半導体の新会社を設立 - ITmedia NEWS</title>"
        '<meta property="og:title" content="ソフトバンク、AI半導体の新会社を設立">',
        "",
        '<div class="title"><h1>ソフトバンク、AI半導体の新会社を設立</h1></div>',
        "ソフトバンク、AI半導体の新会社を設立",
    ),
    HeadlineCase(
        "Chinese portal: underscores, no spaces, h1 only",
        "https://tech.sina.example.cn/it/2025-10-03/doc-1.shtml",
        "<title>寒武纪发布新一代训练芯片_科技_新浪网</title>",
        "",
        '<h1 class="main-title">寒武纪发布新一代训练芯片</h1>',
        "寒武纪发布新一代训练芯片",
    ),
    HeadlineCase(
        "Korean news: title with site in brackets",
        "https://www.koreaherald.example/view.php?ud=20251003000100",
        "<title>SK hynix to double HBM output next year - The Korea Herald</title>"
        '<meta property="og:title" content="[Exclusive] SK hynix to double HBM output next year">',
        "",
        '<h1 class="news_title">SK hynix to double HBM output next year</h1>',
        "SK hynix to double HBM output next year",
    ),
    HeadlineCase(
        "press release wire: long headline, h1 plus subhead",
        "https://www.businesswire.example/news/home/20251003005000/en/",
        "<title>Lightmatter Announces Photonic Interconnect Partnership with GlobalFoundries | "
        "Business Wire</title>"
        '<meta property="og:title" content="Lightmatter Announces Photonic Interconnect '
        'Partnership with GlobalFoundries">',
        "",
        '<h1 class="epr-headline">Lightmatter Announces Photonic Interconnect Partnership with '
        'GlobalFoundries</h1><h2 class="subhead">Companies to co-develop optics</h2>',
        "Lightmatter Announces Photonic Interconnect Partnership with GlobalFoundries",
    ),
    HeadlineCase(
        "Substack: og:title equals headline, subtitle in h3",
        "https://chipletter.substack.com/p/the-case-for-chiplets",
        "<title>The case for chiplets - by A. Writer - The Chip Letter</title>"
        '<meta property="og:title" content="The case for chiplets">',
        "",
        '<h1 class="post-title">The case for chiplets</h1><h3 class="subtitle">And why '
        "packaging is the new node</h3>",
        "The case for chiplets",
    ),
    HeadlineCase(
        "Medium-like: no og:site_name, headline only in h1 and title",
        "https://medium.example/@dev/benchmarking-tpus-on-long-contexts-4f2a",
        "<title>Benchmarking TPUs on long contexts | by Dev | Medium</title>",
        "",
        '<h1 class="pw-post-title">Benchmarking TPUs on long contexts</h1>',
        "Benchmarking TPUs on long contexts",
    ),
    HeadlineCase(
        "JSON-LD @graph (Yoast) with headline, h1 with inline emphasis",
        "https://www.hardwareluxx.example/news/hardware/grafikkarten/12345.html",
        "<title>Intel Arc B770: Die große Battlemage-Karte kommt doch - Hardwareluxx</title>"
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
        '{"@type":"WebSite","name":"Hardwareluxx"},{"@type":"Article","headline":'
        '"Intel Arc B770: Die große Battlemage-Karte kommt doch"}]}</script>',
        "",
        "<h1>Intel Arc B770: Die <em>große</em> Battlemage-Karte kommt doch</h1>",
        "Intel Arc B770: Die große Battlemage-Karte kommt doch",
    ),
    HeadlineCase(
        "AMP page: amp host label, og:title with site suffix",
        "https://amp.nikkei-asia.example/business/tech/semiconductors/rapidus-2nm",
        "<title>Rapidus starts 2nm pilot line in Hokkaido - Nikkei Asia</title>"
        + _og("Rapidus starts 2nm pilot line in Hokkaido - Nikkei Asia"),
        "",
        "<h1>Rapidus starts 2nm pilot line in Hokkaido</h1>",
        "Rapidus starts 2nm pilot line in Hokkaido",
    ),
    HeadlineCase(
        "headline with a dash inside and a site suffix",
        "https://www.golem.de/news/intel-gaudi-3-kommt-2510-2.html",
        "<title>Intel Gaudi 3 - der Nachfolger ist schon in Sicht - Golem.de</title>"
        '<meta property="og:title" content="Intel Gaudi 3 - der Nachfolger ist schon in Sicht">',
        "",
        "<h1>Intel Gaudi 3 - der Nachfolger ist schon in Sicht</h1>",
        "Intel Gaudi 3 - der Nachfolger ist schon in Sicht",
    ),
    HeadlineCase(
        "headline with a pipe inside, no h1",
        "https://www.servethehome.example/marvell-custom-asic-update/",
        "<title>Marvell custom ASIC update | Q3 wins at two hyperscalers | ServeTheHome</title>"
        + _og("Marvell custom ASIC update | Q3 wins at two hyperscalers")
        + '<meta property="og:site_name" content="ServeTheHome">',
        "",
        '<div class="entry-title">Marvell custom ASIC update | Q3 wins at two hyperscalers</div>',
        "Marvell custom ASIC update | Q3 wins at two hyperscalers",
    ),
    HeadlineCase(
        "twitter:title only, site in title suffix",
        "https://www.semiwire.example/news/broadcom-tomahawk-6",
        "<title>Broadcom ships Tomahawk 6 switch silicon :: SemiWire</title>"
        '<meta name="twitter:title" content="Broadcom ships Tomahawk 6 switch silicon">',
        "",
        "",
        "Broadcom ships Tomahawk 6 switch silicon",
    ),
    HeadlineCase(
        "kicker in a <small> with a label class",
        "https://www.derstandard.example/story/300000/",
        "<title>Chipfabrik in Magdeburg endgültig abgesagt - derStandard.at</title>"
        '<meta property="og:title" content="Chipfabrik in Magdeburg endgültig abgesagt">',
        "",
        '<h1><small class="article-label">Intel</small> Chipfabrik in Magdeburg endgültig '
        "abgesagt</h1>",
        "Chipfabrik in Magdeburg endgültig abgesagt",
    ),
    HeadlineCase(
        "BlogPosting JSON-LD and h1, title carries a section too",
        "https://www.semianalysis.example/p/gb300-teardown",
        "<title>GB300 teardown: where the money goes | Newsletter | SemiAnalysis</title>"
        + _ld("GB300 teardown: where the money goes", kind="BlogPosting"),
        "",
        "<h1>GB300 teardown: where the money goes</h1>",
        "GB300 teardown: where the money goes",
    ),
    HeadlineCase(
        "logo h1 in the header, article headline in a second h1",
        "https://www.anandtech.example/show/21000/micron-gddr7-32gbps",
        "<title>Micron samples 32 Gbps GDDR7 | AnandTech</title>"
        '<meta property="og:title" content="Micron samples 32 Gbps GDDR7">',
        '<header><h1 class="logo"><a href="/">AnandTech</a></h1></header>',
        "<h1>Micron samples 32 Gbps GDDR7</h1>",
        "Micron samples 32 Gbps GDDR7",
    ),
    HeadlineCase(
        "blog theme: the blog's name in an h1 linking home, the title leads with it",
        "https://siliconwatcher.blogspot.example/2026/11/kunlunxin-p800-cluster.html",
        "<title>Silicon Dispatch: Kunlunxin P800 cluster goes live in Beijing</title>"
        '<meta property="og:title" content="Kunlunxin P800 cluster goes live in Beijing">',
        "<h1 class='title'><a href='https://siliconwatcher.blogspot.example/'>Silicon Dispatch"
        "</a></h1>",
        "<h3 class='post-title'>Kunlunxin P800 cluster goes live in Beijing</h3>",
        "Kunlunxin P800 cluster goes live in Beijing",
    ),
    HeadlineCase(
        "WordPress theme: site title h1 with rel=home, no meta title but <title>",
        "https://www.halbleiterblog.example/moore-threads-mtt-s5000/",
        "<title>Moore Threads stellt MTT S5000 vor › Halbleiterblog</title>",
        '<h1 class="site-title"><a href="https://www.halbleiterblog.example/" rel="home">'
        "Halbleiterblog</a></h1>",
        "<h2 class='entry-title'>Moore Threads stellt MTT S5000 vor</h2>",
        "Moore Threads stellt MTT S5000 vor",
    ),
    HeadlineCase(
        "date and categories in a <small> line inside the h1",
        "https://www.verband.example/aktuell/detail/news/biren-br100-serienstart/",
        "<title>Biren startet Serienfertigung des BR100 | Verband Halbleiter e.V.</title>"
        '<meta property="og:title" content="Biren startet Serienfertigung des BR100">',
        "",
        "<h1>Biren startet Serienfertigung des BR100<br><small>"
        '<span class="glyphicon-calendar"></span>&nbsp;02.12.2026 •&nbsp;'
        '<span class="news-list-category">Verband<span class="separator">, </span>Presse'
        "</span></small></h1>",
        "Biren startet Serienfertigung des BR100",
    ),
    HeadlineCase(
        "screen-reader text in 'aural' spans (German federal sites' CMS), topline after",
        "https://www.bundesministerium.example/de/forschung/mikroelektronik.html",
        "<title>Mikroelektronik - Bundesministerium</title>"
        '<meta property="og:title" content="Mikroelektronik - Bundesministerium">',
        '<h1 class="aural" aria-hidden="true">Navigation und Service</h1>',
        '<h1 class="c-intro__headline"><span>Mikroelektronik, KI-Chips und Souveränität</span>'
        '<span class="aural">: </span><small class="c-topline"><span class="aural">, Thema:'
        '</span><span class="c-topline__theme">Forschung</span></small></h1>',
        "Mikroelektronik, KI-Chips und Souveränität",
    ),
    HeadlineCase(
        "CMS template with its only h1s in footer columns, the headline in an h3",
        "https://www.fachverband.example/news-artikel?tx_news[news]=2211",
        "<title>Cambricon meldet Rekordumsatz - Fachverband</title>"
        '<meta property="og:title" content="Cambricon meldet Rekordumsatz">',
        '<div class="section-column footer-section-content-column"><h1>Partner</h1></div>'
        "<footer><h1>Impressum</h1><h1>Datenschutzerklärung</h1></footer>",
        '<div class="header"><h3>Cambricon meldet Rekordumsatz</h3></div>',
        "Cambricon meldet Rekordumsatz",
    ),
    HeadlineCase(
        "Chinese: no h1, the site's name after '-' without spaces in <title>",
        "https://www.xinhua.example/tech/2026-12/02/c_1130000001.htm",
        "<title>寒武纪：思元690芯片量产，性能提升一倍-新华网</title>",
        "",
        '<div class="h-title">寒武纪：思元690芯片量产，性能提升一倍</div>',
        "寒武纪：思元690芯片量产，性能提升一倍",
    ),
    HeadlineCase(
        "Chinese: channel and site after '_', a channel-name h1 above the headline",
        "https://tech.portal.example/it/2026-12-02/doc-inhx1234567.shtml",
        "<title>英伟达H20恢复对华供货_新浪科技_新浪网</title>",
        '<h1 class="channel">新浪科技</h1>',
        '<h1 class="main-title">英伟达H20恢复对华供货</h1>',
        "英伟达H20恢复对华供货",
    ),
    HeadlineCase(
        "Chinese: the site's name after a spaced dash, no h1",
        "https://www.itnews.example/0/850/123.htm",
        "<title>摩尔线程发布MTT S5000训练卡 - IT之家</title>",
        "",
        "",
        "摩尔线程发布MTT S5000训练卡",
    ),
    HeadlineCase(
        "Chinese: a subtitle after '——' is part of the headline",
        "https://www.chipdaily.example/news/2026/1202/88.html",
        "<title>华为昇腾910C量产——中芯国际7纳米产能告急</title>",
        "",
        "",
        "华为昇腾910C量产——中芯国际7纳米产能告急",
    ),
    HeadlineCase(
        "Chinese: a headline ending in '-第二部分' that the h1 confirms whole",
        "https://tech.portal.example/report/2026-12-02/ai-chips-2.shtml",
        "<title>2026年中国AI芯片市场报告-第二部分_科技频道</title>"
        '<meta property="og:title" content="2026年中国AI芯片市场报告-第二部分">',
        "",
        '<h1 class="channel">科技频道</h1><h1 class="main-title">2026年中国AI芯片市场报告-第二部分'
        "</h1>",
        "2026年中国AI芯片市场报告-第二部分",
    ),
    HeadlineCase(
        "a page wrapper whose class has the theme's 'footer-fixed' modifier",
        "https://www.golem.example/news/tsmc-2-nm-2512-1.html",
        "<title>Chipfertigung: TSMC startet 2-nm-Produktion - Golem.de</title>",
        '<div id="page-content" class="header-static footer-fixed">',
        '<h1><span class="dachzeile">Chipfertigung</span> <span>TSMC startet 2-nm-Produktion'
        "</span></h1>",
        "TSMC startet 2-nm-Produktion",
    ),
    HeadlineCase(
        "headline h1 that links to the article itself (a permalink)",
        "https://www.chipwire.example/2026/11/26/enflame-ipo/",
        "<title>Enflame files for Shanghai IPO | ChipWire</title>",
        "",
        '<h1><a href="/2026/11/26/enflame-ipo/" rel="bookmark">Enflame files for Shanghai IPO'
        "</a></h1>",
        "Enflame files for Shanghai IPO",
    ),
)
