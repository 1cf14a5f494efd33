"""Labelled sentences for the entity tagger, written for this project in German, English
and Chinese: what a reader of AI-chip news meets, and the look-alikes around it (traps:
sentences with no chip meaning, where the registry's risky names are words, places,
people, other companies, units or currencies). Each sentence carries the exact set of
entity ids it should yield. tests/test_entities.py and bench/entities.py score on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    language: str
    text: str
    expected: frozenset[str]
    trap: bool  # no chip meaning (it may still name an agency or company for real)


def _pos(language: str, text: str, *ids: str) -> Case:
    return Case(language, text, frozenset(ids), trap=False)


def _trap(language: str, text: str, *ids: str) -> Case:
    return Case(language, text, frozenset(ids), trap=True)


CASES: tuple[Case, ...] = (
    # ------------------------------------------------------------ English, chip news
    _pos(
        "en",
        "Nvidia said on Wednesday it had not yet shipped any H20 chips to Chinese customers.",
        "nvidia",
        "nvidia-h20",
    ),
    _pos(
        "en",
        "Huawei plans to ship the Ascend 910C in volume next quarter, people familiar with "
        "the matter said.",
        "huawei",
        "huawei-ascend-910c",
    ),
    _pos(
        "en",
        "Cambricon's shares doubled after it reported strong demand for its Siyuan 590 "
        "accelerators.",
        "cambricon",
        "cambricon-siyuan-590",
    ),
    _pos(
        "en",
        "Alibaba's chip unit T-Head has developed a new inference processor.",
        "alibaba",
        "t-head",
    ),
    _pos(
        "en",
        "China Unicom is deploying T-Head accelerators in a new data centre in Qinghai.",
        "china-unicom",
        "t-head",
    ),
    _pos(
        "en",
        "Baidu's chip arm Kunlunxin won an order for its P800 from China Mobile.",
        "baidu",
        "kunlunxin",
        "kunlunxin-p800",
        "china-mobile",
    ),
    _pos(
        "en",
        "MetaX and Moore Threads have both filed for listings on Shanghai's STAR Market.",
        "metax",
        "moore-threads",
        "star-market",
    ),
    _pos(
        "en",
        "Moore Threads says its MUSA software stack can run most CUDA code after conversion.",
        "moore-threads",
        "moore-threads-musa",
        "nvidia-cuda",
    ),
    _pos("en", "Biren Technology unveiled the BR100 GPU in 2022.", "biren", "biren-br100"),
    _pos(
        "en",
        "Enflame, which is backed by Tencent, is preparing an initial public offering.",
        "enflame",
        "tencent",
    ),
    _pos("en", "Iluvatar CoreX listed its shares in Hong Kong this week.", "iluvatar-corex"),
    _pos(
        "en",
        "SMIC is producing 7-nanometre chips for Huawei despite American sanctions.",
        "smic",
        "huawei",
    ),
    _pos(
        "en",
        "TSMC stopped shipping to Sophgo after one of its dies turned up inside a Huawei "
        "processor.",
        "tsmc",
        "sophgo",
        "huawei",
    ),
    _pos(
        "en",
        "The Commerce Department's Bureau of Industry and Security added 140 Chinese firms "
        "to the Entity List.",
        "us-commerce",
        "us-bis",
    ),
    _pos(
        "en",
        "Washington is weighing whether to let Nvidia sell a cut-down Blackwell chip, the "
        "B30A, in China.",
        "nvidia",
        "nvidia-blackwell",
        "nvidia-b30a",
    ),
    _pos("en", "AMD said the MI308 would also need an export licence.", "amd", "amd-mi308"),
    _pos(
        "en",
        "Intel's Gaudi 3 accelerator has struggled to win customers.",
        "intel",
        "intel-gaudi",
    ),
    _pos(
        "en",
        "DeepSeek said its UE8M0 FP8 format was designed for the coming generation of "
        "domestic chips.",
        "deepseek",
    ),
    _pos(
        "en",
        "ByteDance and Alibaba are said to be keen on ordering Nvidia's H200 in bulk.",
        "bytedance",
        "alibaba",
        "nvidia",
        "nvidia-h200",
    ),
    _pos(
        "en",
        "SK hynix and Samsung are racing to supply HBM3E to Nvidia.",
        "sk-hynix",
        "samsung",
        "hbm",
        "nvidia",
    ),
    _pos(
        "en",
        "Micron Technology raised its forecast on strong sales of high-bandwidth memory.",
        "micron",
        "hbm",
    ),
    _pos("en", "ASML cannot ship its EUV machines to China.", "asml"),
    _pos(
        "en",
        "The Cyberspace Administration of China summoned Nvidia over alleged tracking risks "
        "in the H20.",
        "cac",
        "nvidia",
        "nvidia-h20",
    ),
    _pos(
        "en",
        "China's Ministry of Commerce announced an anti-dumping probe into US analogue chips.",
        "mofcom",
    ),
    _pos(
        "en",
        "The State Administration for Market Regulation said Nvidia had violated the "
        "anti-monopoly law.",
        "samr",
        "nvidia",
    ),
    _pos(
        "en",
        "Inspur, Lenovo and Sugon build most of the AI servers sold in China.",
        "inspur",
        "lenovo",
        "sugon",
    ),
    _pos(
        "en",
        "Huawei's CANN toolkit is its answer to CUDA.",
        "huawei",
        "huawei-cann",
        "nvidia-cuda",
    ),
    _pos(
        "en",
        "Huawei showed an Atlas 900 SuperPoD built from thousands of Ascend chips.",
        "huawei",
        "huawei-atlas",
        "huawei-ascend",
    ),
    _pos(
        "en",
        "Hygon's DCU accelerators are sold mainly to state-backed data centres.",
        "hygon",
        "hygon-dcu",
    ),
    _pos("en", "Tencent said it had stockpiled enough GPUs to train future models.", "tencent"),
    _pos(
        "en",
        "China Telecom built a training cluster on domestic chips from Huawei.",
        "china-telecom",
        "huawei",
    ),
    _pos(
        "en",
        "Alibaba Cloud is renting out capacity on the Zhenwu PPU.",
        "alibaba-cloud",
        "t-head-zhenwu",
    ),
    _pos(
        "en",
        "The RTX Pro 6000D is a China-only graphics card that Nvidia began selling in 2025.",
        "nvidia-rtx-pro-6000d",
        "nvidia",
    ),
    _pos(
        "en",
        "MetaX's C600 carries 144 GB of HBM3E.",
        "metax",
        "metax-c600",
        "hbm",
    ),
    _pos(
        "en",
        "Enflame's L600 targets both training and inference.",
        "enflame",
        "enflame-l600",
    ),
    _pos("en", "Ascend chips power most of China's state AI projects.", "huawei-ascend"),
    _pos(
        "en",
        "Kunlun chips from Baidu are already running in China Mobile's data centres.",
        "kunlunxin",
        "baidu",
        "china-mobile",
    ),
    _pos(
        "en",
        "Cambricon's MLU590 is also sold as the Siyuan 590.",
        "cambricon",
        "cambricon-siyuan-590",
    ),
    _pos(
        "en",
        "Illuvatar CoreX, a Shanghai GPU start-up, has also joined the alliance.",
        "iluvatar-corex",
    ),
    _pos(
        "en",
        "The NDRC and the MIIT told data centres to prefer domestic accelerators.",
        "ndrc",
        "miit",
    ),
    _pos("en", "Google's Ironwood TPU is aimed at inference.", "google", "google-tpu"),
    _pos(
        "en",
        "Blackwell shipments lifted Nvidia's data-centre revenue to a record.",
        "nvidia-blackwell",
        "nvidia",
    ),
    _pos(
        "en",
        "AWS is pitching Trainium2 as a cheaper alternative to Nvidia GPUs.",
        "amazon",
        "aws-trainium",
        "nvidia",
    ),
    _pos(
        "en",
        "Huawei's 910B was reportedly made at TSMC through a proxy.",
        "huawei",
        "huawei-ascend-910b",
        "tsmc",
    ),
    _pos(
        "en",
        "Zhipu AI trained its latest model entirely on Huawei hardware.",
        "zhipu",
        "huawei",
    ),
    _pos(
        "en", "Lenovo will sell servers fitted with Cambricon accelerators.", "lenovo", "cambricon"
    ),
    _pos("en", "The BIS rule extends controls to HBM shipped to China.", "us-bis", "hbm"),
    _pos(
        "en",
        "Washington told Nvidia that exports of the H20 now require a licence.",
        "nvidia",
        "nvidia-h20",
    ),
    _pos(
        "en",
        "The Commerce Department is expected to publish new chip rules next week.",
        "us-commerce",
    ),
    _pos(
        "en",
        "Alibaba's Hanguang 800 was its first AI inference chip.",
        "alibaba",
        "t-head-hanguang",
    ),
    _pos(
        "en",
        "Moore Threads' MTT S4000 is aimed at training large language models.",
        "moore-threads",
        "moore-threads-mtt-s4000",
    ),
    _pos(
        "en",
        "Nvidia (NASDAQ:NVDA) fell 3% after the report, while Alibaba (NYSE:BABA) rose.",
        "nvidia",
        "alibaba",
    ),
    _pos(
        "en",
        "Huawei's Kirin 9000S surprised analysts because SMIC made it on a 7nm process.",
        "huawei",
        "hisilicon-kirin",
        "smic",
    ),
    _pos(
        "en",
        "Beijing's commerce ministry said the probe into Nvidia was continuing.",
        "mofcom",
        "nvidia",
    ),
    # ------------------------------------------------------------ English, traps
    _trap("en", "Shares of several small caps ascend sharply on the takeover rumour."),
    _trap("en", "Musa Ahmed, a spokesman for the ministry, declined to comment."),
    _trap(
        "en",
        "The Kunlun Mountains stretch for more than 2,000 kilometres across western China.",
    ),
    _trap(
        "en",
        "In chemistry class one student kept writing H20 when he meant water.",
    ),
    _trap("en", "The jacket costs 590 euros in the shop on the high street."),
    _trap("en", "She bought an atlas of world history for her son."),
    _trap("en", "Atlas Copco raised its dividend after a strong year for compressors."),
    _trap(
        "en",
        "Moore threads the needle between growth and caution, analysts said of the "
        "central bank governor.",
    ),
    _trap("en", "Moore's law has slowed, but engineers keep finding ways around it."),
    _trap("en", "The climbers hoped to ascend the peak before the storm arrived."),
    _trap("en", "Ascendis Pharma reported higher sales of its growth hormone drug."),
    _trap("en", "The council voted to widen the road near exit 590."),
    _trap("en", "Blackwell's bookshop in Oxford has stood on Broad Street since 1879."),
    _trap("en", "The Vera C. Rubin Observatory released its first images of the southern sky."),
    _trap("en", "Antoni Gaudí designed the Sagrada Família in Barcelona."),
    _trap("en", "The CAC 40 closed 1.2% lower in Paris on Friday."),
    _trap("en", "The Bank for International Settlements warned about rising public debt."),
    _trap("en", "BIS economists expect inflation to ease next year."),
    _trap("en", "Patients with advanced AMD may slowly lose their central vision."),
    _trap("en", "Military intel suggests the convoy left at dawn."),
    _trap("en", "The Amazon rainforest lost an area the size of Wales last year."),
    _trap("en", "A Plymouth Cuda in mint condition sold for a record price at the auction."),
    _trap("en", "He followed his instinct and left the party early."),
    _trap("en", "Edward Hopper painted lonely diners and empty streets."),
    _trap(
        "en",
        "Figures from the Commerce Department showed retail sales rising 0.4% in May.",
        "us-commerce",
    ),
    _trap("en", "The Hyundai H100 van is popular with small builders."),
    _trap("en", "Kunlun Tech, the owner of the Opera browser, reported a quarterly loss."),
    _trap("en", "Meta-analysis of the trials found no effect on mortality."),
    _trap("en", "Arm in arm, the couple walked along the beach."),
    _trap("en", "Biren Singh resigned as chief minister of Manipur in February."),
    _trap("en", "Eru Ilúvatar is the creator god in Tolkien's legendarium."),
    _trap("en", "The plant will use 5-micron filters to clean the river water."),
    _trap("en", "Kirin beer sales rose in Japan during the hot summer."),
    _trap("en", "Our TPU phone cases are flexible and absorb shocks."),
    _trap("en", "The Ascend Performance Materials plant in Texas makes nylon."),
    _trap("en", "Rubin Carter was a boxer wrongly convicted of murder."),
    _trap("en", "Alphabet soup is a favourite with small children."),
    _trap("en", "Zhenwu Temple sits at the foot of Wudang Mountain."),
    _trap("en", "Gaudi's buildings draw millions of tourists to Barcelona every year."),
    _trap("en", "The Kirin of Japanese legend is a gentle, hoofed creature."),
    _trap("en", "A Cann family reunion drew two hundred relatives to the village."),
    _trap("en", "The hotel charges 690 dollars a night in high season."),
    _trap("en", "SilkAir flight MI308 from Singapore landed two hours late."),
    _trap("en", "The Elephone P800 was a budget smartphone sold online."),
    _trap("en", "Ali Baba and the forty thieves is a folk tale from the Arabian Nights."),
    _trap("en", "Let us see whether the commerce ministry in Taipei agrees."),
    _trap("en", "The Amazon River carries more water than any other river."),
    _trap("en", "A handful of shares in Atlas Air changed hands before the bell."),
    # ------------------------------------------------------------ German, chip news
    _pos(
        "de",
        "Nvidia darf den H20 wieder nach China liefern, muss aber 15 Prozent der Umsätze an "
        "die US-Regierung abführen.",
        "nvidia",
        "nvidia-h20",
    ),
    _pos(
        "de",
        "Huawei will mit dem Ascend 910D den H100 von Nvidia übertreffen.",
        "huawei",
        "huawei-ascend-910d",
        "nvidia-h100",
        "nvidia",
    ),
    _pos(
        "de",
        "Der Kurs von Cambricon hat sich binnen eines Monats mehr als verdoppelt.",
        "cambricon",
    ),
    _pos(
        "de",
        "Alibabas Chipsparte T-Head liefert Beschleuniger an China Unicom.",
        "alibaba",
        "t-head",
        "china-unicom",
    ),
    _pos(
        "de",
        "Das Start-up MetaX hat einen Chip vorgestellt, der als Alternative zum H20 gedacht ist.",
        "metax",
        "nvidia-h20",
    ),
    _pos(
        "de",
        "Moore Threads und Biren gehören zu den Mitgliedern der neuen Allianz.",
        "moore-threads",
        "biren",
    ),
    _pos(
        "de",
        "Der Chipentwickler Enflame hat mit dem L600 einen Trainingschip angekündigt.",
        "enflame",
        "enflame-l600",
    ),
    _pos("de", "SMIC fertigt bereits im 7-Nanometer-Verfahren.", "smic"),
    _pos("de", "TSMC droht eine Strafe in Milliardenhöhe.", "tsmc"),
    _pos(
        "de",
        "Das US-Handelsministerium verschärfte die Exportkontrollen für KI-Chips erneut.",
        "us-commerce",
    ),
    _pos(
        "de",
        "Chinas Handelsministerium kündigte Ausfuhrbeschränkungen für Gallium an.",
        "mofcom",
    ),
    _pos(
        "de",
        "Die Cyberspace-Behörde CAC bestellte Vertreter von Nvidia ein.",
        "cac",
        "nvidia",
    ),
    _pos(
        "de",
        "Die Siyuan-590-Chips bescherten Cambricon erstmals Gewinne.",
        "cambricon-siyuan-590",
        "cambricon",
    ),
    _pos("de", "Baidu setzt in eigenen Rechenzentren auf Kunlun-Chips.", "baidu", "kunlunxin"),
    _pos(
        "de",
        "Illuvatar CoreX und Metax arbeiten an eigenen GPU-Architekturen.",
        "iluvatar-corex",
        "metax",
    ),
    _pos(
        "de",
        "Samsung und SK Hynix liefern den Großteil des HBM-Speichers für Nvidias Beschleuniger.",
        "samsung",
        "sk-hynix",
        "hbm",
        "nvidia",
    ),
    _pos(
        "de", "ASML darf seine modernsten Lithografiemaschinen nicht nach China verkaufen.", "asml"
    ),
    _pos(
        "de",
        "ByteDance soll 2024 mehr als 20.000 Siyuan-590-Chips bestellt haben.",
        "bytedance",
        "cambricon-siyuan-590",
    ),
    _pos(
        "de",
        "Die Bundesregierung prüft, ob das BAFA Exporte von Zeiss-Optiken strenger "
        "kontrollieren soll.",
        "bafa",
        "zeiss",
    ),
    _pos(
        "de",
        "Ein Sprecher von Trumpf sagte, chinesische Firmen hätten Mitarbeiter abwerben wollen.",
        "trumpf",
    ),
    _pos(
        "de",
        "Nvidias Blackwell-Chips sind in China offiziell nicht erhältlich.",
        "nvidia",
        "nvidia-blackwell",
    ),
    _pos(
        "de",
        "Die Ascend-Chips von Huawei gelten als wichtigste Alternative zu Nvidia.",
        "huawei-ascend",
        "huawei",
        "nvidia",
    ),
    _pos("de", "DeepSeek hat sein neues Modell für heimische Chips optimiert.", "deepseek"),
    _pos(
        "de",
        "Tencent und Alibaba wollen mehr KI-Prozessoren im Inland kaufen.",
        "tencent",
        "alibaba",
    ),
    _pos("de", "Die EU-Kommission will den Chips Act überarbeiten.", "eu-commission"),
    _pos(
        "de",
        "Das Wirtschaftsministerium in Berlin fördert die geplante Chipfabrik in Magdeburg.",
        "bmwk",
    ),
    _pos(
        "de",
        "AMD muss für den MI308 ebenfalls eine Exportlizenz beantragen.",
        "amd",
        "amd-mi308",
    ),
    _pos(
        "de",
        "Mit CANN und MUSA SDK bieten Huawei und Moore Threads Alternativen zu CUDA.",
        "huawei-cann",
        "moore-threads-musa",
        "huawei",
        "moore-threads",
        "nvidia-cuda",
    ),
    _pos(
        "de",
        "Intel will mit Gaudi 3 Marktanteile von Nvidia zurückgewinnen.",
        "intel",
        "intel-gaudi",
        "nvidia",
    ),
    _pos("de", "Hygon entwickelt x86-Prozessoren und KI-Beschleuniger.", "hygon"),
    _pos(
        "de",
        "Die Financial Times berichtet, dass Cambricon seine Produktion verdreifachen will.",
        "cambricon",
    ),
    _pos(
        "de",
        "Der RTX Pro 6000D sollte den H20 in China ersetzen.",
        "nvidia-rtx-pro-6000d",
        "nvidia-h20",
    ),
    _pos(
        "de",
        "China Mobile will seine Rechenzentren mit Kunlun-Chips ausstatten.",
        "china-mobile",
        "kunlunxin",
    ),
    _pos(
        "de",
        "Das Huawei-System CloudMatrix 384 verbraucht deutlich mehr Strom als Nvidias GB200 NVL72.",
        "huawei",
        "huawei-atlas",
        "nvidia",
        "nvidia-gb200",
    ),
    _pos(
        "de",
        "Lenovo und Inspur bauen Server mit Nvidia- und Huawei-Chips.",
        "lenovo",
        "inspur",
        "nvidia",
        "huawei",
    ),
    _pos("de", "Micron erwartet wegen der KI-Nachfrage einen Rekordumsatz.", "micron"),
    _pos("de", "Der Börsengang von Moore Threads war 400-fach überzeichnet.", "moore-threads"),
    _pos("de", "Xiaomi entwickelt eigene Smartphone-Chips.", "xiaomi"),
    _pos(
        "de",
        "Nach Angaben der chinesischen Marktaufsicht SAMR hat Nvidia gegen Auflagen verstoßen.",
        "samr",
        "nvidia",
    ),
    _pos(
        "de",
        "Das Handelsministerium in Peking kündigte eine Untersuchung gegen Nvidia an.",
        "mofcom",
        "nvidia",
    ),
    _pos(
        "de",
        "Der Grafikkartenhersteller Moore Threads präsentierte die MTT S90 für Gamer.",
        "moore-threads",
        "moore-threads-mtt-s90",
    ),
    _pos(
        "de",
        "Huaweis Ascend 950 soll 2026 auf den Markt kommen.",
        "huawei",
        "huawei-ascend-950",
    ),
    _pos(
        "de",
        "Alibaba Cloud nutzt für seine Qwen-Modelle zunehmend eigene Chips.",
        "alibaba-cloud",
        "alibaba-qwen",
    ),
    _pos(
        "de",
        "Der B30A basiert auf der Blackwell-Architektur, hat aber nur halb so viel "
        "Rechenleistung wie der B200.",
        "nvidia-b30a",
        "nvidia-blackwell",
        "nvidia-b200",
    ),
    # ------------------------------------------------------------ German, traps
    _trap("de", "Das Handelsministerium in Berlin lud zu einer Konferenz über Lieferketten."),
    _trap("de", "Die B200 bei Hamm ist wegen Bauarbeiten bis Freitag gesperrt."),
    _trap("de", "Die Jacke kostet 590 Euro."),
    _trap("de", "Der Zug legt bis Mailand 910 Kilometer zurück."),
    _trap("de", "Musa Yilmaz eröffnete in Köln ein kleines Café."),
    _trap("de", "Im Kunlun-Gebirge wurden neue Fossilien entdeckt."),
    _trap("de", "Der Atlas der Weltgeschichte liegt jetzt in der dritten Auflage vor."),
    _trap("de", "Das Mooresche Gesetz gilt seit Jahrzehnten als Faustregel."),
    _trap("de", "Wer den Trumpf ausspielt, gewinnt den Stich."),
    _trap("de", "Der Euro fiel gegenüber dem Yuan auf ein Jahrestief."),
    _trap("de", "Die Meta-Analyse umfasste vierzig Studien."),
    _trap("de", "Er legte den Arm um ihre Schulter."),
    _trap("de", "Im Amazonas-Regenwald brennen wieder mehr Flächen."),
    _trap("de", "Gaudí baute in Barcelona die Casa Batlló."),
    _trap("de", "Das Handelsministerium hat die Zahlen zum Außenhandel veröffentlicht."),
    _trap("de", "Die Aktie von Atlas Copco legte um drei Prozent zu."),
    _trap("de", "Auf der Tafel stand versehentlich H20 statt H2O."),
    _trap("de", "Der Preis stieg von 1.590 auf 1.690 Euro."),
    _trap("de", "Kirin-Bier ist in Japan sehr beliebt."),
    _trap("de", "Die Blackwell-Schwestern Elizabeth und Emily waren Ärztinnen."),
    _trap("de", "Die Rubinhochzeit feiern Paare nach vierzig Jahren, Rubin ist ihr Stein."),
    _trap("de", "Im Jahr 590 wurde Gregor der Große Papst."),
    _trap("de", "Die Folie ist nur 20 Micron dick."),
    _trap("de", "Ein TPU-Armband ist besonders robust."),
    _trap("de", "Die Bäckerei der Familie Cann besteht seit 1902."),
    _trap("de", "Der Kunlun-Pass liegt auf 4.768 Metern Höhe."),
    _trap("de", "Die BIS in Basel warnt vor Risiken am Immobilienmarkt."),
    _trap("de", "Bis 2026 will die Stadt alle Busse elektrisch betreiben."),
    _trap("de", "Biren Patel leitet das Restaurant seit zehn Jahren."),
    _trap("de", "Der Instinct-Modus der Spielkonsole lässt sich abschalten."),
    _trap("de", "Das Wirtschaftsministerium in Wien legte ein Konjunkturpaket vor."),
    _trap("de", "Aufsteigen, ascend, heißt das englische Wort dafür."),
    # ------------------------------------------------------------ Chinese, chip news
    _pos("zh", "英伟达表示，H20芯片尚未向中国客户交付。", "nvidia", "nvidia-h20"),
    _pos("zh", "华为计划在明年量产昇腾910C。", "huawei", "huawei-ascend-910c"),
    _pos(
        "zh",
        "寒武纪上半年营收大幅增长，思元590贡献了主要收入。",
        "cambricon",
        "cambricon-siyuan-590",
    ),
    _pos("zh", "阿里巴巴旗下的平头哥推出了新款AI芯片。", "alibaba", "t-head"),
    _pos("zh", "中国联通在西宁的数据中心部署了平头哥的加速卡。", "china-unicom", "t-head"),
    _pos(
        "zh",
        "百度的昆仑芯P800获得了中国移动的订单。",
        "baidu",
        "kunlunxin",
        "kunlunxin-p800",
        "china-mobile",
    ),
    _pos("zh", "沐曦和摩尔线程先后登陆科创板。", "metax", "moore-threads", "star-market"),
    _pos("zh", "壁仞科技发布了BR100通用GPU。", "biren", "biren-br100"),
    _pos("zh", "燧原科技获得腾讯投资。", "enflame", "tencent"),
    _pos("zh", "天数智芯在香港上市。", "iluvatar-corex"),
    _pos("zh", "中芯国际为华为代工7纳米芯片。", "smic", "huawei"),
    _pos("zh", "台积电停止向算能供货。", "tsmc", "sophgo"),
    _pos(
        "zh",
        "美国商务部工业与安全局将多家中国企业列入实体清单。",
        "us-commerce",
        "us-bis",
    ),
    _pos("zh", "商务部新闻发言人表示，中方坚决反对美方滥用出口管制。", "mofcom"),
    _pos(
        "zh",
        "国家网信办约谈英伟达，要求说明H20芯片的漏洞后门安全风险。",
        "cac",
        "nvidia",
        "nvidia-h20",
    ),
    _pos("zh", "国家市场监督管理总局认定英伟达违反反垄断法。", "samr", "nvidia"),
    _pos(
        "zh",
        "浪潮信息、联想集团和中科曙光是国内主要的AI服务器厂商。",
        "inspur",
        "lenovo",
        "sugon",
    ),
    _pos("zh", "华为的CANN对标英伟达的CUDA。", "huawei", "huawei-cann", "nvidia", "nvidia-cuda"),
    _pos("zh", "海光信息的DCU主要销往国内数据中心。", "hygon", "hygon-dcu"),
    _pos("zh", "腾讯称其储备的GPU足以训练未来几代模型。", "tencent"),
    _pos("zh", "阿里云开始出租基于真武PPU的算力。", "alibaba-cloud", "t-head-zhenwu"),
    _pos("zh", "輝達執行長黃仁勳表示，H20在中國的銷售前景不明。", "nvidia", "nvidia-h20"),
    _pos("zh", "華為昇騰910B的良率仍然偏低。", "huawei", "huawei-ascend-910b"),
    _pos("zh", "台積電與三星電子爭奪先進製程訂單。", "tsmc", "samsung"),
    _pos("zh", "寒武紀的股價一度超過貴州茅台。", "cambricon"),
    _pos("zh", "字节跳动计划采购更多国产芯片。", "bytedance"),
    _pos("zh", "深度求索发布的新模型采用UE8M0 FP8精度。", "deepseek"),
    _pos(
        "zh",
        "摩尔线程的MUSA架构兼容CUDA生态。",
        "moore-threads",
        "moore-threads-musa",
        "nvidia-cuda",
    ),
    _pos("zh", "工信部和发改委联合发布算力基础设施指导意见。", "miit", "ndrc"),
    _pos("zh", "SK海力士和美光扩大HBM产能。", "sk-hynix", "micron", "hbm"),
    _pos("zh", "昆仑芯完成新一轮融资，估值超过200亿元。", "kunlunxin"),
    _pos("zh", "中国电信采用昇腾芯片建设智算中心。", "china-telecom", "huawei-ascend"),
    _pos("zh", "英特尔的Gaudi 3加速器销量不及预期。", "intel", "intel-gaudi"),
    _pos("zh", "AMD的MI308同样需要美国政府的出口许可证。", "amd", "amd-mi308"),
    _pos("zh", "阿斯麦无法向中国出口EUV光刻机。", "asml"),
    _pos("zh", "证监会同意摩尔线程科创板首发注册。", "csrc", "moore-threads", "star-market"),
    _pos("zh", "海关总署加强了对英伟达芯片进口的检查。", "gacc", "nvidia"),
    _pos("zh", "小米自研的玄戒芯片采用3纳米工艺。", "xiaomi"),
    _pos("zh", "智谱使用华为昇腾训练其最新模型。", "zhipu", "huawei", "huawei-ascend"),
    _pos("zh", "RTX Pro 6000D是英伟达专为中国市场推出的显卡。", "nvidia-rtx-pro-6000d", "nvidia"),
    _pos("zh", "阿里巴巴的含光800是一款AI推理芯片。", "alibaba", "t-head-hanguang"),
    _pos("zh", "三星电子的HBM3E通过了英伟达的认证。", "samsung", "hbm", "nvidia"),
    _pos("zh", "商务部宣布对相关芯片产品开展反倾销调查。", "mofcom"),
    _pos(
        "zh",
        "寒武纪推出思元690，性能直逼英伟达H100。",
        "cambricon",
        "cambricon-siyuan-690",
        "nvidia",
        "nvidia-h100",
    ),
    # ------------------------------------------------------------ Chinese, traps
    _trap("zh", "昆仑山是中国西部最长的山脉之一。"),
    _trap("zh", "寒武纪生命大爆发发生在约五亿四千万年前。"),
    _trap("zh", "他在三星堆博物馆看到了青铜面具。"),
    _trap("zh", "早餐喝一碗小米粥对胃很好。"),
    _trap("zh", "《倚天屠龙记》是金庸的武侠小说。"),
    _trap("zh", "这件外套售价590元。"),
    _trap("zh", "两地相距910公里。"),
    _trap("zh", "这让人联想到上世纪的经济危机。"),
    _trap("zh", "改革的浪潮席卷全国。"),
    _trap("zh", "我们终于看到了胜利的曙光。"),
    _trap("zh", "平头哥蜜獾以无所畏惧著称。"),
    _trap("zh", "海光寺是天津的一处历史遗迹。"),
    _trap("zh", "真武大帝是道教尊奉的神仙。"),
    _trap("zh", "麒麟是中国古代传说中的神兽。"),
    _trap("zh", "鲲鹏展翅九万里。"),
    _trap("zh", "含光门遗址博物馆位于西安。"),
    _trap("zh", "银河麒麟操作系统广泛用于政府部门。"),
    _trap("zh", "人民币对美元汇率今日下跌，一美元可兑换7.2元人民币。"),
    _trap("zh", "他住在一家三星级酒店里。"),
    _trap("zh", "昆仑万维发布了新款音乐大模型。"),
    _trap("zh", "昆仑能源公布了天然气销售数据。"),
    _trap("zh", "阿里山的日出非常壮观。"),
    _trap("zh", "水的化学式是H2O，不是H20。"),
    _trap("zh", "摩尔定律正在逐渐失效。"),
    _trap("zh", "这款手机壳采用TPU材质。"),
    _trap("zh", "他博通经史，精于诗文。"),
    _trap("zh", "高通量测序技术推动了基因研究。"),
    _trap("zh", "《文心雕龙》是南朝刘勰的文学理论著作。"),
    _trap("zh", "新一代服务器的计算能力提升了一倍。"),
    _trap("zh", "众里寻他千百度，蓦然回首。"),
    _trap("zh", "商汤灭夏，建立了商朝。"),
    _trap("zh", "美国证监会对这家公司展开了调查。"),
    _trap("zh", "平克·弗洛伊德的专辑《月之暗面》发行于1973年。"),
    _trap("zh", "昆仑山口海拔四千七百多米。"),
    # ------------------------------------------------------------ second batch (all languages)
    _pos(
        "en",
        "Nvidia CEO Jensen Huang said the company had written off its H20 inventory.",
        "nvidia",
        "nvidia-h20",
    ),
    _pos(
        "en",
        "Chinese regulators have told tech companies to stop buying the RTX Pro 6000D.",
        "nvidia-rtx-pro-6000d",
    ),
    _pos(
        "en",
        "Huawei unveiled a three-year roadmap for Ascend, starting with the 950PR in early 2026.",
        "huawei",
        "huawei-ascend",
        "huawei-ascend-950",
    ),
    _pos(
        "en",
        "SMIC's 5nm yields remain low, limiting Huawei's output of Ascend processors.",
        "smic",
        "huawei",
        "huawei-ascend",
    ),
    _pos("en", "Cambricon forecast revenue of up to 7 billion yuan for the year.", "cambricon"),
    _pos("en", "Shares in Hua Hong and SMIC rose in Hong Kong trading.", "hua-hong", "smic"),
    _pos("en", "The Netherlands tightened controls on ASML's older DUV tools.", "asml"),
    _pos("en", "Samsung won a $16.5 billion contract to make chips for Tesla.", "samsung"),
    _pos(
        "en",
        "TSMC's Arizona fab will start making Blackwell wafers this year.",
        "tsmc",
        "nvidia-blackwell",
    ),
    _pos("en", "Moore Threads raised 8 billion yuan in its Shanghai IPO.", "moore-threads"),
    _pos(
        "en",
        "OpenAI signed a deal with Broadcom to design custom accelerators.",
        "openai",
        "broadcom",
    ),
    _pos(
        "en",
        "Meta is testing its first in-house training chip, part of the MTIA family.",
        "meta",
        "meta-mtia",
    ),
    _pos("en", "Microsoft delayed its Maia 200 chip to 2026.", "microsoft", "microsoft-maia"),
    _pos(
        "en",
        "xAI is building a supercomputer with 200,000 Nvidia GPUs in Memphis.",
        "xai",
        "nvidia",
    ),
    _pos(
        "en",
        "Anthropic will use up to one million Google TPUs.",
        "anthropic",
        "google",
        "google-tpu",
    ),
    _pos(
        "en",
        "The commerce secretary said China would get no Blackwell chips.",
        "nvidia-blackwell",
    ),
    _pos(
        "en",
        "Kunlunxin, Baidu's chip subsidiary, is weighing a Hong Kong listing.",
        "kunlunxin",
        "baidu",
    ),
    _pos("en", "MetaX shares soared 700% on their debut.", "metax"),
    _pos("en", "Lenovo's quarterly profit beat estimates on AI server demand.", "lenovo"),
    _pos(
        "en",
        "Tokyo Electron and Applied Materials warned of weaker sales in China.",
        "tokyo-electron",
        "applied-materials",
    ),
    _pos(
        "en",
        "Iluvatar's Tiangai chips have been adopted by several universities.",
        "iluvatar-corex",
    ),
    _pos("en", "Sugon was added to the US entity list in 2019.", "sugon"),
    _pos("en", "YMTC and CXMT are key to China's memory ambitions.", "ymtc", "cxmt"),
    _pos("en", "Gordon Moore co-founded Intel in 1968.", "intel"),
    _trap("en", "The Ascend Wellness dispensary in Illinois opened a second location."),
    _trap("en", "Prices ascend steeply at the top of the market."),
    _trap("en", "The Atlas Mountains run through Morocco, Algeria and Tunisia."),
    _trap("en", "Ms Blackwell, the head teacher, retires in July."),
    _trap("en", "The 910 bus runs every twenty minutes."),
    _trap("en", "Hopper the rabbit escaped from the school garden."),
    _trap("en", "The exchange rate was 7.1 yuan to the dollar."),
    _trap("en", "The Kunlun Shan range is home to wild yaks."),
    _trap("en", "Ernie Els won the Open Championship in 2012."),
    _trap("en", "Musa acuminata is the wild ancestor of many banana varieties."),
    _trap("en", "Mansa Musa is often called the richest man in history."),
    _pos(
        "de",
        "Nvidia-Chef Jensen Huang warnt vor einem Verlust des chinesischen Marktes.",
        "nvidia",
    ),
    _pos(
        "de",
        "Die chinesische Regierung rät Firmen vom Kauf des H20 ab.",
        "nvidia-h20",
    ),
    _pos(
        "de",
        "Huawei hat die Produktion der Ascend-Prozessoren bei SMIC hochgefahren.",
        "huawei",
        "huawei-ascend",
        "smic",
    ),
    _pos("de", "Der Umsatz von Cambricon stieg im ersten Halbjahr um das 44-Fache.", "cambricon"),
    _pos(
        "de",
        "Infineon und GlobalFoundries bauen ihre Werke in Dresden aus.",
        "infineon",
        "globalfoundries",
    ),
    _pos("de", "Die Aktien von Baidu legten in Hongkong um 18 Prozent zu.", "baidu"),
    _pos("de", "Auch Biren hat einen Börsengang in Hongkong beantragt.", "biren"),
    _pos(
        "de",
        "Die Exportkontrollbehörde BIS nahm weitere chinesische Firmen auf die Entity List.",
        "us-bis",
    ),
    _pos("de", "Zeiss liefert die Optiken für die EUV-Maschinen von ASML.", "zeiss", "asml"),
    _pos("de", "Die neue Generation von Kunlun-Prozessoren soll 2026 erscheinen.", "kunlunxin"),
    _pos(
        "de",
        "Laut Reuters testet DeepSeek Trainingsläufe auf Huaweis Ascend-Chips.",
        "deepseek",
        "huawei",
        "huawei-ascend",
    ),
    _trap("de", "Die Gruppe Atlas trat beim Stadtfest auf."),
    _trap("de", "Im Atlasgebirge schneite es am Wochenende."),
    _trap("de", "Das Rubin-Armband kostet 690 Euro."),
    _trap("de", "Die Kosten belaufen sich auf 910 Millionen Euro."),
    _trap("de", "Er arbeitet im Handelsministerium in Paris."),
    _trap("de", "Die Meta-Ebene der Debatte interessiert kaum jemanden."),
    _trap("de", "Die Bank für Internationalen Zahlungsausgleich hat ihren Sitz in Basel."),
    _pos("zh", "英伟达CEO黄仁勋表示，公司已对H20库存进行减记。", "nvidia", "nvidia-h20"),
    _pos("zh", "华为发布昇腾芯片三年路线图。", "huawei", "huawei-ascend"),
    _pos("zh", "沐曦股份上市首日大涨。", "metax"),
    _pos("zh", "摩尔线程募资80亿元。", "moore-threads"),
    _pos("zh", "中芯国际与华虹半导体股价双双上涨。", "smic", "hua-hong"),
    _pos("zh", "百度旗下昆仑芯拟分拆上市。", "baidu", "kunlunxin"),
    _pos("zh", "字节跳动与英伟达的谈判陷入僵局。", "bytedance", "nvidia"),
    _pos("zh", "中国移动启动智算中心AI加速卡集中采购。", "china-mobile"),
    _pos("zh", "海光信息与中科曙光宣布合并。", "hygon", "sugon"),
    _pos("zh", "英伟达H20在华销售受阻。", "nvidia", "nvidia-h20"),
    _pos("zh", "壁仞科技向港交所递交上市申请。", "biren"),
    _pos("zh", "燧原的L600芯片已经流片。", "enflame", "enflame-l600"),
    _trap("zh", "昆仑山下的格尔木是一座高原城市。"),
    _trap("zh", "浪潮拍打着海岸。"),
    _trap("zh", "这部电影让观众联想起童年。"),
    _trap("zh", "海光倒映在窗户上。"),
    _trap("zh", "鲲鹏是庄子笔下的神鸟。"),
    _trap("zh", "今年小米和大豆的收成都不错。"),
)


@dataclass(frozen=True)
class Scores:
    """Micro-averaged over (sentence, entity id) pairs."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(cases: Iterable[Case], tagger: Callable[[str], Iterable[str]]) -> Scores:
    """Score a tagger (text → entity ids) on the cases."""
    tp = fp = fn = 0
    for case in cases:
        found = set(tagger(case.text))
        tp += len(found & case.expected)
        fp += len(found - case.expected)
        fn += len(case.expected - found)
    return Scores(tp, fp, fn)


def errors(cases: Iterable[Case], tagger: Callable[[str], Iterable[str]]) -> list[str]:
    """One line per sentence the tagger gets wrong: what it missed and what it added."""
    out = []
    for case in cases:
        found = set(tagger(case.text))
        if found != case.expected:
            missing, extra = sorted(case.expected - found), sorted(found - case.expected)
            out.append(f"{case.language} {case.text!r}: missing {missing}, extra {extra}")
    return out
