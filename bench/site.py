"""A generated news site for the benchmark: thousands of distinct German and English
AI-chip articles built from word lists and sentence templates (fictional content).

Everything is derived from a seeded `random.Random`, so the same seed and the same
`now` give the same site; dates fall within the last 20 days before `now`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import TypeVar

from chipwatch.demo.site import SiteArticle, slugify

T = TypeVar("T", bound=Hashable)

MAX_AGE = timedelta(days=20)
_CET = timezone(timedelta(hours=1), "CET")

# (vendor, product) pairs keep a sentence's company and chip consistent.
CHIPS: tuple[tuple[str, str], ...] = (
    ("Nvidia", "H20"),
    ("Nvidia", "H200"),
    ("Nvidia", "B200"),
    ("Nvidia", "GB200"),
    ("Nvidia", "B30A"),
    ("AMD", "MI300X"),
    ("AMD", "MI325X"),
    ("AMD", "MI355X"),
    ("Intel", "Gaudi 3"),
    ("Huawei", "Ascend 910B"),
    ("Huawei", "Ascend 910C"),
    ("Huawei", "Ascend 920"),
    ("Cambricon", "Siyuan 590"),
    ("Cambricon", "Siyuan 690"),
    ("Alibaba T-Head", "Hanguang 800"),
    ("Alibaba T-Head", "PPU"),
    ("Baidu Kunlunxin", "Kunlun P800"),
    ("MetaX", "C500"),
    ("MetaX", "C600"),
    ("Moore Threads", "MTT S4000"),
    ("Biren", "BR100"),
    ("Biren", "BR166"),
    ("Enflame", "Yunsui i20"),
    ("Google", "TPU v5p"),
    ("Google", "Ironwood"),
    ("Amazon", "Trainium2"),
    ("Microsoft", "Maia 100"),
    ("Meta", "MTIA v2"),
)
FABS = ("TSMC", "SMIC", "Samsung Foundry", "Intel Foundry", "Hua Hong")
NODES = ("7-nm", "5-nm", "4-nm", "3-nm", "N4P", "N3E", "N+2", "N+3")
MEMORY = ("HBM2E", "HBM3", "HBM3E", "HBM4", "LPDDR5X", "GDDR7")
MEMORY_VENDORS = ("SK Hynix", "Samsung", "Micron", "CXMT")
CUSTOMERS = (
    "ByteDance",
    "Tencent",
    "Alibaba Cloud",
    "Baidu",
    "Microsoft Azure",
    "AWS",
    "Oracle",
    "Meta",
    "xAI",
    "China Mobile",
    "Deutsche Telekom",
    "iFlytek",
)
ANALYSTS = (
    "TrendForce",
    "Counterpoint",
    "Bernstein",
    "Morgan Stanley",
    "IDC",
    "Gartner",
    "Jefferies",
    "SemiAnalysis",
    "Omdia",
)
CITIES = (
    "Shenzhen",
    "Shanghai",
    "Hsinchu",
    "Santa Clara",
    "Dresden",
    "Taipei",
    "Peking",
    "Hefei",
    "Austin",
    "Seoul",
)
AUTHORS = (
    "Jana Lindqvist",
    "Tobias Kranich",
    "Mirela Hoxha",
    "Felix Obermaier",
    "Sanna Petrović",
    "Karl-Heinz Wendt",
    "Priya Ramanathan",
    "Oliver Tate",
    "Mei-Ling Harbour",
    "Daniel Roscoe",
    "Amara Quist",
    "Lukas Feldhaus",
)

_QUARTER_DE = ("ersten", "zweiten", "dritten", "vierten")
_QUARTER_EN = ("first", "second", "third", "fourth")

DE_REGULATORS = (
    "das US-Handelsministerium",
    "die US-Exportkontrollbehörde BIS",
    "das chinesische Industrieministerium MIIT",
    "die EU-Kommission",
    "die chinesische Cyberspace-Behörde",
)
EN_REGULATORS = (
    "the US Commerce Department",
    "the Bureau of Industry and Security",
    "China's industry ministry",
    "the European Commission",
    "the Cyberspace Administration of China",
)
DE_SOURCES = (
    "ein Unternehmenssprecher",
    "eine mit der Sache vertraute Person",
    "ein Manager eines großen Cloud-Anbieters",
    "ein Zulieferer aus Taiwan",
    "ein Analyst von {analyst}",
)
EN_SOURCES = (
    "a company spokesperson",
    "people familiar with the matter",
    "an executive at a large cloud provider",
    "supply-chain sources in Taiwan",
    "an analyst at {analyst}",
)

DE_SENTENCES = (
    "{customer} will in den kommenden Monaten rund {k} Beschleuniger vom Typ {chip} abnehmen, "
    "sofern die Lieferungen rechtzeitig freigegeben werden, wie {source} sagte.",
    "{vendor} lässt den {chip} bei {fab} im {node}-Verfahren fertigen und setzt dabei auf "
    "{mem}-Speicher von {memvendor}, der derzeit knapp und entsprechend teuer ist.",
    "Die Analysten von {analyst} schätzen, dass der Markt für KI-Beschleuniger in China im "
    "{quarter} Quartal um {pct} Prozent gewachsen ist, getragen vor allem von heimischen "
    "Anbietern.",
    "Ob {regulator} die neuen Regeln tatsächlich durchsetzt, ist offen; in Branchenkreisen "
    "rechnet man mit einer Entscheidung frühestens in {weeks} Wochen.",
    "Im Rechenzentrum von {customer} in {city} sollen bis Jahresende {racks} Racks mit "
    "{chip}-Karten in Betrieb gehen, wie {source} bestätigte.",
    "Die Ausbeute im {node}-Prozess von {fab} liegt Schätzungen zufolge bei nur {pct} Prozent, "
    "was die verfügbaren Stückzahlen des {chip} spürbar begrenzt.",
    "Gegenüber dem Vorgänger verspricht {vendor} eine um {pct} Prozent höhere Rechenleistung "
    "bei gleicher Leistungsaufnahme, unabhängige Messungen stehen allerdings noch aus.",
    "Entwickler bemängeln seit Langem, dass die Software-Werkzeuge für den {chip} nicht an "
    "CUDA heranreichen, und {vendor} hat daher {staff} zusätzliche Ingenieure eingestellt.",
    "Der Umsatz von {vendor} stieg im {quarter} Quartal auf umgerechnet {bn} Milliarden "
    "US-Dollar, ein Plus von {pct} Prozent gegenüber dem Vorjahreszeitraum.",
    "Bei {memvendor} sind die Kapazitäten für {mem} bereits bis weit ins kommende Jahr "
    "ausgebucht, wie {source} sagt, was kleinere Chipentwickler besonders hart trifft.",
    "Die Exportlizenzen, die {regulator} zuletzt erteilt hat, gelten nur für Kunden außerhalb "
    "der Entity List und sind an eine vierteljährliche Berichtspflicht geknüpft.",
    "Ein Cluster aus {k} {chip}-Beschleunigern soll ein Sprachmodell mit {params} Milliarden "
    "Parametern in weniger als {weeks} Wochen trainieren können.",
    "An der Börse in {city} legte die Aktie von {vendor} am Dienstag zeitweise um {pct} Prozent "
    "zu, nachdem erste Details zum {chip} bekannt geworden waren.",
    "Für {customer} ist die Diversifizierung der Lieferanten inzwischen Chefsache, denn die "
    "Abhängigkeit von einem einzigen Hersteller gilt als erhebliches Geschäftsrisiko.",
    "Wie {source} berichtet, prüft {customer} parallel Angebote von {vendor} und {vendor2}, "
    "um bei einem erneuten Lieferstopp nicht ohne Rechenkapazität dazustehen.",
    "Die Leistungsaufnahme pro Karte liegt beim {chip} bei rund {watts} Watt, weshalb viele "
    "Betreiber auf Flüssigkühlung umstellen müssen.",
    "{fab} investiert nach eigenen Angaben {bn} Milliarden US-Dollar in zusätzliche "
    "Packaging-Kapazitäten, die für moderne KI-Chips unverzichtbar sind.",
    "Kritiker wenden ein, dass die Kontrollen den Aufbau einer eigenständigen chinesischen "
    "Chipindustrie eher beschleunigen als bremsen, und verweisen auf die Fortschritte von "
    "{vendor}.",
    "Der Preis für einen Server mit acht {chip}-Modulen liegt Händlern in {city} zufolge "
    "derzeit bei etwa {price}.000 US-Dollar, deutlich mehr als noch vor einem halben Jahr.",
    "Im Vergleich zum {chip2} von {vendor2} schneidet der {chip} bei der Inferenz großer "
    "Sprachmodelle nach ersten Tests von {analyst} um etwa {pct} Prozent schlechter ab.",
    "{vendor} kündigte an, die Produktion in {city} bis Mitte des kommenden Jahres zu "
    "verdoppeln, nannte aber keine konkreten Stückzahlen.",
    "Die Speicherbandbreite des {chip} erreicht laut Datenblatt {tbps} Terabyte pro Sekunde, "
    "was vor allem beim Training großer Modelle den Ausschlag gibt.",
)
EN_SENTENCES = (
    "According to {source}, {customer} plans to take delivery of roughly {k} {chip} "
    "accelerators over the coming months, provided shipments are cleared in time.",
    "{vendor} has the {chip} built by {fab} on its {node} process and pairs it with {mem} "
    "memory from {memvendor}, which remains scarce and expensive.",
    "Analysts at {analyst} estimate that China's market for AI accelerators grew {pct} percent "
    "in the {quarter} quarter, driven mostly by domestic suppliers.",
    "Whether {regulator} will actually enforce the new rules is unclear, and industry insiders "
    "do not expect a decision for at least {weeks} weeks.",
    "{customer} intends to bring {racks} racks of {chip} cards online at its data centre in "
    "{city} before the end of the year, {source} confirmed.",
    "Yields on the {node} process at {fab} are estimated at only {pct} percent, which "
    "noticeably limits how many {chip} units can be shipped.",
    "{vendor} promises {pct} percent more compute than the previous generation at the same "
    "power draw, although independent measurements have yet to be published.",
    "Developers have long complained that the software tools for the {chip} lag far behind "
    "CUDA, and {vendor} has hired {staff} additional engineers to close the gap.",
    "Revenue at {vendor} rose to the equivalent of {bn} billion dollars in the {quarter} "
    "quarter, up {pct} percent from the same period a year earlier.",
    "{memvendor} has reportedly sold out its {mem} capacity well into next year, {source} "
    "said, a shortage that hits smaller chip designers hardest.",
    "The export licences recently granted by {regulator} only cover customers outside the "
    "Entity List and come with a quarterly reporting obligation.",
    "A cluster of {k} {chip} accelerators is said to be able to train a language model with "
    "{params} billion parameters in fewer than {weeks} weeks.",
    "Shares of {vendor} rose as much as {pct} percent in {city} trading on Tuesday after the "
    "first details of the {chip} emerged.",
    "For {customer}, diversifying suppliers has become a board-level issue, because relying "
    "on a single vendor is now seen as a serious business risk.",
    "{customer} is also evaluating offers from {vendor} and {vendor2}, {source} said, so that "
    "a renewed export ban would not leave it without compute.",
    "Each {chip} card draws around {watts} watts, which forces many operators to switch their "
    "halls to liquid cooling.",
    "{fab} says it is investing {bn} billion dollars in additional advanced packaging "
    "capacity, a bottleneck for every modern AI chip.",
    "Critics argue that the controls are accelerating rather than slowing the build-up of an "
    "independent Chinese chip industry, pointing to recent progress at {vendor}.",
    "A server with eight {chip} modules currently sells for about {price},000 dollars, "
    "according to distributors in {city}, far more than six months ago.",
    "In early tests by {analyst}, the {chip} trailed the {chip2} from {vendor2} by about {pct} "
    "percent when serving large language models.",
    "{vendor} said it would double production in {city} by the middle of next year but gave "
    "no concrete unit numbers.",
    "The {chip} reaches a memory bandwidth of {tbps} terabytes per second on paper, the figure "
    "that matters most when training large models.",
)
DE_HEADINGS = (
    "Knappe Speicherkapazitäten",
    "Politischer Gegenwind",
    "Software bleibt die Schwachstelle",
    "Was Analysten erwarten",
    "Ausblick auf das kommende Jahr",
    "Heimische Konkurrenz holt auf",
)
EN_HEADINGS = (
    "Memory remains tight",
    "Political headwinds",
    "Software is still the weak spot",
    "What analysts expect",
    "The outlook for next year",
    "Domestic rivals are catching up",
)
DE_TITLES = (
    "{vendor} stellt {chip} vor: {pct} Prozent mehr Leistung für KI-Rechenzentren",
    "Exportkontrollen: {customer} wartet weiter auf {chip}-Lieferungen",
    "{fab} erhöht Ausbeute im {node}-Prozess – Folgen für den {chip}",
    "{analyst}: Chinas KI-Chipmarkt wächst um {pct} Prozent",
    "{customer} bestellt {k} {chip}-Beschleuniger bei {vendor}",
    "{mem}-Engpass bremst {vendor} beim {chip}",
    "{vendor} verdoppelt Produktion in {city}",
    "Neue US-Regeln: Was sie für {vendor} und den {chip} bedeuten",
    "{chip} gegen {chip2}: erste Benchmarks von {analyst}",
    "{vendor} meldet {bn} Milliarden Dollar Umsatz im {quarter} Quartal",
)
EN_TITLES = (
    "{vendor} unveils {chip} with {pct} percent more performance for AI data centres",
    "Export controls leave {customer} waiting for {chip} shipments",
    "{fab} improves {node} yields, with knock-on effects for the {chip}",
    "{analyst}: China's AI chip market grows {pct} percent",
    "{customer} orders {k} {chip} accelerators from {vendor}",
    "{mem} shortage slows {vendor}'s {chip} ramp",
    "{vendor} to double production in {city}",
    "What the new US rules mean for {vendor} and the {chip}",
    "{chip} versus {chip2}: first benchmarks from {analyst}",
    "{vendor} reports {bn} billion dollars in {quarter}-quarter revenue",
)


def _slots(rng: random.Random, language: str) -> dict[str, str]:
    vendor, chip = rng.choice(CHIPS)
    vendor2, chip2 = rng.choice([c for c in CHIPS if c[0] != vendor])
    analyst = rng.choice(ANALYSTS)
    de = language == "de"
    source = rng.choice(DE_SOURCES if de else EN_SOURCES).format(analyst=analyst)
    bn = rng.uniform(0.4, 60.0)
    tbps = rng.uniform(1.6, 8.0)
    return {
        "vendor": vendor,
        "chip": chip,
        "vendor2": vendor2,
        "chip2": chip2,
        "analyst": analyst,
        "source": source,
        "customer": rng.choice(CUSTOMERS),
        "fab": rng.choice(FABS),
        "node": rng.choice(NODES),
        "mem": rng.choice(MEMORY),
        "memvendor": rng.choice(MEMORY_VENDORS),
        "city": rng.choice(CITIES),
        "regulator": rng.choice(DE_REGULATORS if de else EN_REGULATORS),
        "quarter": rng.choice(_QUARTER_DE if de else _QUARTER_EN),
        "pct": str(rng.randint(3, 85)),
        "k": f"{rng.randint(2, 120) * 500:,}".replace(",", "." if de else ","),
        "weeks": str(rng.randint(2, 16)),
        "racks": str(rng.randint(12, 900)),
        "staff": str(rng.randint(5, 90) * 10),
        "price": str(rng.randint(180, 520)),
        "params": str(rng.choice((7, 13, 34, 70, 110, 235, 405, 671))),
        "watts": str(rng.randint(30, 140) * 10),
        "bn": f"{bn:.1f}".replace(".", ",") if de else f"{bn:.1f}",
        "tbps": f"{tbps:.1f}".replace(".", ",") if de else f"{tbps:.1f}",
    }


def _sentence(rng: random.Random, language: str, template: str, topic: dict[str, str]) -> str:
    slots = _slots(rng, language)
    if rng.random() < 0.7:  # most sentences stay with the article's own vendor and chip
        slots.update(topic)
        slots["vendor2"], slots["chip2"] = rng.choice([c for c in CHIPS if c[0] != topic["vendor"]])
    text = template.format(**slots)
    return text[0].upper() + text[1:]


def _paragraphs(rng: random.Random, language: str, topic: dict[str, str]) -> tuple[str, ...]:
    templates = DE_SENTENCES if language == "de" else EN_SENTENCES
    deck = itertools.cycle(rng.sample(templates, len(templates)))  # no template twice in a row
    count = rng.randint(6, 10)
    paragraphs = [
        " ".join(_sentence(rng, language, next(deck), topic) for _ in range(rng.randint(2, 4)))
        for _ in range(count)
    ]
    if rng.random() < 0.4:  # some articles carry a subheading (rendered as <h2>)
        headings = DE_HEADINGS if language == "de" else EN_HEADINGS
        paragraphs.insert(rng.randint(2, count - 2), rng.choice(headings))
    return tuple(paragraphs)


def _title(rng: random.Random, language: str, topic: dict[str, str]) -> str:
    templates = DE_TITLES if language == "de" else EN_TITLES
    return rng.choice(templates).format(**{**_slots(rng, language), **topic})


def _topic(rng: random.Random, language: str) -> dict[str, str]:
    slots = _slots(rng, language)
    return {key: slots[key] for key in ("vendor", "chip", "customer")}


def generate_articles(
    count: int, *, seed: int = 2026, now: datetime | None = None
) -> list[SiteArticle]:
    """`count` distinct articles (titles, slugs and texts all unique), half German, half
    English, published within the last 20 days before `now`."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    titles: set[str] = set()
    bodies: set[tuple[str, ...]] = set()
    articles: list[SiteArticle] = []
    for index in range(count):
        language = "de" if index % 2 == 0 else "en"
        topic = _topic(rng, language)
        title = _unique(partial(_title, rng, language, topic), titles)
        paragraphs = _unique(partial(_paragraphs, rng, language, topic), bodies)
        age = timedelta(seconds=rng.randint(60, int(MAX_AGE.total_seconds()) - 60))
        published = (now - age).astimezone(_CET if language == "de" else UTC)
        slug = f"{slugify(title, max_words=8)}-{1_000_000 + index}"  # heise-style number
        articles.append(
            SiteArticle(
                slug=slug,
                title=title,
                published=published,
                author=rng.choice(AUTHORS),
                language=language,
                paragraphs=paragraphs,
            )
        )
    return articles


def _unique(make: Callable[[], T], seen: set[T], attempts: int = 1000) -> T:
    for _ in range(attempts):
        value = make()
        if value not in seen:
            seen.add(value)
            return value
    raise RuntimeError("could not generate a unique value; the word lists are too small")
