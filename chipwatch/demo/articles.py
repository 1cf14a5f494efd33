"""Eight original demo articles for the offline `chipwatch demo` news site.

The texts are written for this project: plausible, deliberately generic news about AI chips, with
no quotes attributed to real people and no precise figures presented as fact. Authors are invented.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chipwatch.demo.site import SiteArticle

_CET = timezone(timedelta(hours=1))
_CEST = timezone(timedelta(hours=2))
_EST = timezone(timedelta(hours=-5))
_CST = timezone(timedelta(hours=8))  # China Standard Time

HUAWEI_ASCEND = SiteArticle(
    slug="huawei-ascend-cluster-rechenzentren",
    title="Huawei bringt Ascend-Cluster in weitere chinesische Rechenzentren",
    published=datetime(2026, 2, 10, 9, 15, tzinfo=_CET),
    author="Jana Keller",
    language="de",
    teaser="Der Konzern setzt bei KI-Beschleunigern auf große Verbundsysteme – und auf die "
    "eigene Software CANN.",
    paragraphs=(
        "Huawei baut die Verbreitung seiner Ascend-Beschleuniger in chinesischen Rechenzentren "
        "weiter aus. Mehrere Cloud-Anbieter und staatliche Betreiber haben nach Branchenangaben "
        "in den vergangenen Wochen neue Cluster auf Basis des Ascend 910C in Betrieb genommen. "
        "Die Systeme sollen vor allem für Training und Betrieb großer Sprachmodelle dienen.",
        "Anders als Nvidia setzt Huawei weniger auf die Leistung einzelner Chips als auf die "
        "Vernetzung vieler Beschleuniger. Große Verbundsysteme gleichen so einen Teil des "
        "Rückstands bei der Fertigungstechnik aus. Der Preis dafür ist ein deutlich höherer "
        "Stromverbrauch pro Recheneinheit.",
        "Ein Engpass bleibt die Software. Viele Entwickler sind mit Nvidias CUDA-Plattform "
        "vertraut, während Huaweis Gegenstück CANN erst seit wenigen Jahren breiter eingesetzt "
        "wird. Huawei hat deshalb Teile seiner Werkzeuge als Open Source veröffentlicht und "
        "bietet Portierungshilfen für gängige KI-Frameworks an.",
        "Beobachter verweisen zudem auf die begrenzten Fertigungskapazitäten. Die Ascend-Chips "
        "entstehen überwiegend bei SMIC in einem 7-Nanometer-Verfahren, dessen Ausbeute als "
        "niedriger gilt als bei TSMC. Wie viele Beschleuniger Huawei in diesem Jahr tatsächlich "
        "ausliefern kann, ist deshalb offen.",
        "Für chinesische Rechenzentrumsbetreiber bleiben die Ascend-Systeme dennoch attraktiv. "
        "Die Exportkontrollen der USA machen die Beschaffung westlicher Spitzenchips unsicher, "
        "und staatliche Stellen fördern den Einsatz heimischer Hardware ausdrücklich.",
    ),
)

CAMBRICON_RESULTS = SiteArticle(
    slug="cambricon-umsatz-siyuan-nachfrage",
    title="Cambricon profitiert von hoher Nachfrage nach Siyuan-Beschleunigern",
    published=datetime(2026, 3, 27, 7, 30, tzinfo=_CET),
    author="Tobias Brenner",
    language="de",
    teaser="Der Chipentwickler aus Peking schreibt schwarze Zahlen, bleibt aber von wenigen "
    "Großkunden abhängig.",
    paragraphs=(
        "Der chinesische Chipentwickler Cambricon hat im vergangenen Geschäftsjahr von der "
        "starken Nachfrage nach KI-Beschleunigern profitiert. Laut Jahresbericht stieg der "
        "Umsatz deutlich, getragen vor allem von der Siyuan-590-Reihe. Nach Jahren mit roten "
        "Zahlen weist das Unternehmen erneut einen Gewinn aus.",
        "Zu den wichtigsten Abnehmern zählen große Internetkonzerne und Betreiber von "
        "Rechenzentren. Sie suchen nach Alternativen, seit die USA den Verkauf leistungsfähiger "
        "Nvidia-Chips nach China beschränkt haben. Cambricon gilt neben Huawei als einer der "
        "wenigen heimischen Anbieter, die Beschleuniger in größeren Stückzahlen liefern können.",
        "Die Abhängigkeit von wenigen Großkunden bleibt allerdings ein Risiko. Ein erheblicher "
        "Teil der Erlöse entfällt auf eine kleine Zahl von Auftraggebern. Verschieben diese ihre "
        "Investitionen, würde sich das unmittelbar im Umsatz niederschlagen.",
        "An der Börse in Shanghai zählt Cambricon seit Monaten zu den am höchsten bewerteten "
        "Technologiewerten. Manche Analysten verweisen auf die hohe Bewertung und mahnen zur "
        "Vorsicht. Andere sehen das Unternehmen als einen der größten Nutznießer der "
        "chinesischen Bemühungen um technologische Eigenständigkeit.",
        "Für das laufende Jahr kündigte Cambricon an, die Entwicklung der nächsten "
        "Chipgeneration voranzutreiben. Details zu Leistungsdaten und Fertigungspartnern nannte "
        "das Unternehmen nicht.",
    ),
)

NVIDIA_H200_LICENCES = SiteArticle(
    slug="nvidia-h200-export-licences-china",
    title="Nvidia's China sales hinge on licence terms for H200 shipments",
    published=datetime(2026, 1, 16, 10, 20, tzinfo=_EST),
    author="Newsdesk",
    language="en",
    teaser="Washington has signalled that H200 exports can go ahead under conditions, but "
    "buyers and regulators in China remain cautious.",
    paragraphs=(
        "Nvidia's ability to sell advanced AI processors in China now depends on how Washington "
        "implements a licensing regime for its H200 chip. The US government has signalled that "
        "exports can proceed under conditions, but the detailed rules and the volume of approved "
        "shipments remain unclear. Chinese cloud providers have nonetheless begun preparing "
        "orders.",
        "The H200 is considerably more capable than the H20, the cut-down part Nvidia designed "
        "for the Chinese market after earlier export controls. Demand for the H20 faded last year "
        "when Chinese authorities discouraged domestic companies from buying it. Nvidia later "
        "took a charge on inventory tied to the product.",
        "Beijing's stance adds another layer of uncertainty. Regulators have pushed state-linked "
        "data centres to favour domestic accelerators from Huawei, Cambricon and others. Industry "
        "analysts expect Chinese buyers to pursue a mixed approach, combining imported chips for "
        "training with local hardware for inference.",
        "For Nvidia, China was once a significant source of data-centre revenue. The company's "
        "recent outlooks have not counted on meaningful China sales of either chip, which limits "
        "the damage if licences are delayed further.",
        "Supply is a further constraint. Nvidia is prioritising production of its Blackwell "
        "generation, and any large H200 orders from China would have to compete for "
        "manufacturing and memory capacity.",
    ),
)

SMIC_CAPACITY = SiteArticle(
    slug="smic-kapazitaet-fortschrittliche-fertigung",
    title="SMIC erweitert Kapazitäten für fortschrittliche Chipfertigung",
    published=datetime(2026, 5, 14, 10, 0, tzinfo=_CEST),
    author="Jana Keller",
    language="de",
    teaser="Chinas größter Auftragsfertiger reagiert auf die Nachfrage heimischer "
    "KI-Chipentwickler.",
    paragraphs=(
        "Der größte chinesische Auftragsfertiger SMIC will seine Kapazitäten für "
        "fortschrittliche Fertigungsverfahren in diesem Jahr weiter ausbauen. Das geht aus "
        "Angaben des Unternehmens zum Quartalsabschluss hervor. Im Mittelpunkt stehen "
        "Produktionslinien für KI-Beschleuniger und Smartphone-Prozessoren chinesischer Kunden.",
        "Die Nachfrage übersteigt das Angebot seit geraumer Zeit. Chipentwickler wie Huawei, "
        "Cambricon und mehrere GPU-Start-ups konkurrieren um knappe Fertigungskontingente. "
        "Branchenkenner berichten von Wartezeiten von mehreren Monaten.",
        "Technisch arbeitet SMIC mit Einschränkungen. Wegen der Exportkontrollen der USA und der "
        "Niederlande hat das Unternehmen keinen Zugang zu EUV-Belichtungsanlagen. Feine "
        "Strukturen entstehen nur über aufwendige Mehrfachbelichtung, was die Ausbeute senkt "
        "und die Kosten erhöht.",
        "Hinzu kommt der Mangel an Speicher mit hoher Bandbreite. Für moderne KI-Beschleuniger "
        "ist HBM unverzichtbar, und auch hier arbeiten chinesische Hersteller erst an eigenen "
        "Lösungen. Fehlt der Speicher, bleibt ein Teil der gefertigten Chips ungenutzt.",
        "Die Regierung in Peking unterstützt den Ausbau mit Fördermitteln und staatlichen "
        "Investitionsfonds. Ob das genügt, um den Abstand zu TSMC und Samsung zu verkürzen, ist "
        "unter Fachleuten umstritten.",
    ),
)

BAIDU_KUNLUNXIN = SiteArticle(
    slug="baidu-kunlunxin-external-customers",
    title="Baidu's Kunlunxin chip unit courts customers beyond its parent",
    published=datetime(2026, 4, 8, 9, 0, tzinfo=_CST),
    author="Newsdesk",
    language="en",
    teaser="The AI chip designer is selling accelerators to telecom operators and banks as "
    "Chinese buyers look for alternatives to Nvidia.",
    paragraphs=(
        "Kunlunxin, the AI chip designer controlled by Baidu, is expanding sales of its "
        "accelerators to companies outside the Baidu group. The unit has supplied chips to "
        "telecom operators and financial institutions in recent months, according to people "
        "familiar with the deployments. Baidu has long used Kunlun processors in its own cloud "
        "and search infrastructure.",
        "The push comes as Chinese firms look for alternatives to Nvidia hardware that is subject "
        "to US export restrictions. Kunlunxin's newer chips target both training and inference, "
        "and the company has been building clusters that link thousands of accelerators.",
        "Baidu has explored ways to give the chip business more independence, including a "
        "possible separate listing. Such a move would follow a wave of stock market debuts by "
        "Chinese GPU developers and could help Kunlunxin fund future chip generations.",
        "Manufacturing remains the main bottleneck for the sector. Like its domestic rivals, "
        "Kunlunxin relies on limited advanced capacity at Chinese foundries, and supplies of "
        "high-bandwidth memory are tight.",
        "Analysts say winning outside customers matters for the unit's credibility. Chips that "
        "run reliably in third-party data centres would strengthen the case that Chinese "
        "accelerators can compete on more than price.",
    ),
)

GPU_IPOS = SiteArticle(
    slug="gpu-start-ups-boersengang-moore-threads-metax-biren",
    title="Chinesische GPU-Start-ups drängen an die Börse",
    published=datetime(2026, 1, 22, 8, 45, tzinfo=_CET),
    author="Tobias Brenner",
    language="de",
    teaser="Moore Threads, MetaX und Biren sammeln Geld von Anlegern ein – die Erwartungen sind "
    "hoch, die Verluste auch.",
    paragraphs=(
        "Nach Jahren der Finanzierung durch Wagniskapital haben mehrere chinesische "
        "GPU-Entwickler den Weg an die Börse gesucht. Moore Threads und MetaX sind inzwischen am "
        "Shanghaier Technologiesegment STAR Market notiert, Biren Technology in Hongkong. Die "
        "Erstnotizen stießen bei Anlegern auf großes Interesse.",
        "Die Unternehmen entwickeln Grafik- und KI-Beschleuniger, die als Alternative zu "
        "Produkten von Nvidia und AMD vermarktet werden. Ihre Chips kommen bislang vor allem in "
        "chinesischen Rechenzentren und bei Behörden zum Einsatz. Für das Training der größten "
        "KI-Modelle gelten sie noch nicht als konkurrenzfähig.",
        "Die Erlöse aus den Börsengängen sollen in neue Chipgenerationen und in Softwarewerkzeuge "
        "fließen. Gerade die Software gilt als Schwachstelle. Moore Threads setzt mit MUSA auf "
        "eine eigene Programmierschnittstelle, die sich an CUDA orientiert.",
        "Moore Threads und Biren stehen auf der Entity List des US-Handelsministeriums. "
        "Lieferungen von US-Technologie an sie bedürfen einer Genehmigung, was auch den Zugang "
        "zu ausländischen Auftragsfertigern erschwert. Die Unternehmen sind deshalb stärker auf "
        "heimische Foundries wie SMIC angewiesen.",
        "Marktbeobachter sehen in den Börsengängen ein Zeichen für politischen Rückenwind. "
        "Zugleich warnen sie vor hohen Bewertungen bei weiterhin verlustreichen "
        "Geschäftsmodellen.",
    ),
)

DOMESTIC_ACCELERATORS = SiteArticle(
    slug="chinese-cloud-providers-domestic-accelerators",
    title="Chinese cloud providers scale up tests of domestic AI accelerators",
    published=datetime(2026, 6, 3, 11, 30, tzinfo=_CST),
    author="Newsdesk",
    language="en",
    teaser="Inference workloads are moving to local chips first, but fragmented software "
    "slows the switch.",
    paragraphs=(
        "Major Chinese cloud providers are expanding trials of locally designed AI accelerators "
        "as they try to reduce their dependence on imported chips. Alibaba's T-Head unit, "
        "Huawei, Cambricon, MetaX and several smaller vendors are competing for places in new "
        "data-centre build-outs. Tender documents from state-owned operators show a growing share "
        "of contracts going to domestic suppliers.",
        "Most deployments focus on inference, where trained models answer user requests. This "
        "workload is less demanding on interconnect bandwidth and software maturity than "
        "large-scale training. It also accounts for a rising share of compute demand as AI "
        "assistants reach more users.",
        "Engineers involved in the trials describe a fragmented software landscape. Each vendor "
        "ships its own compiler stack and libraries, so moving a model from one accelerator to "
        "another can take weeks. Industry groups have started work on common interfaces to lower "
        "that cost.",
        "Energy efficiency is another concern. Several domestic chips draw more power than "
        "comparable Nvidia products, which raises operating costs where electricity is expensive. "
        "Some operators are placing new clusters in western provinces with cheaper renewable "
        "power.",
        "Despite the hurdles, buyers say supply security now weighs more heavily than peak "
        "performance. Uncertainty over US export licences has made long-term planning around "
        "foreign hardware difficult.",
    ),
)

DOMESTIC_INFERENCE_ZH = SiteArticle(
    slug="guochan-ai-xinpian-tuili-shichang",
    title="国产AI芯片加速进入推理市场",
    published=datetime(2026, 7, 9, 10, 0, tzinfo=_CST),
    author="编辑部",
    language="zh",
    teaser="推理需求快速增长，国产加速卡迎来窗口期，但软件生态和产能仍是瓶颈。",
    paragraphs=(
        "随着大模型应用快速普及，国产AI芯片正加速进入推理市场。华为昇腾、寒武纪、昆仑芯以及"
        "摩尔线程、沐曦等厂商纷纷推出面向推理场景的加速卡。多家云服务商表示，正在扩大国产芯片"
        "在线上业务中的使用比例。",
        "业内人士指出，推理任务对芯片之间高速互联的要求相对较低，对软件生态的依赖也小于大规模"
        "训练。这为国产芯片提供了切入机会。不过，不同厂商的软件栈互不兼容，模型迁移仍需要大量"
        "适配工作。",
        "供应方面，先进制程产能依然紧张。国产加速卡主要依靠中芯国际等本土代工厂生产，高带宽"
        "内存的供应也受到限制。有分析认为，产能将在未来一段时间内决定各家厂商的出货规模。",
        "与此同时，英伟达面向中国市场的H20和H200芯片的出口前景仍不明朗。美国的出口许可政策"
        "多次调整，国内监管部门也鼓励数据中心优先采购国产产品。",
        "市场研究机构普遍预计，国产AI芯片在国内市场的份额将继续提升。但在高端训练领域，国产"
        "芯片与国际领先产品之间仍存在差距。",
    ),
)

# German articles first: callers that pick "the second article" for a legacy-charset trap get
# a German text with umlauts.
DEMO_ARTICLES: tuple[SiteArticle, ...] = (
    HUAWEI_ASCEND,
    CAMBRICON_RESULTS,
    NVIDIA_H200_LICENCES,
    SMIC_CAPACITY,
    BAIDU_KUNLUNXIN,
    GPU_IPOS,
    DOMESTIC_ACCELERATORS,
    DOMESTIC_INFERENCE_ZH,
)
