"""Evidence about an article's event that survives translation: figures, model numbers,
cited outlets and event-type cues, read from German, English or Chinese text.

- **Figures** are normalised across languages and written as `unit:value` with three
  significant digits: "15 %", "15 Prozent" and "15%" are `pct:15`; "$5.5 billion",
  "5,5 Mrd. US-Dollar" and "55亿美元" are `usd:5.5e+09`; "2,881 Milliarden Yuan" and
  "28.81亿元" are `cny:2.88e+09`. Plain counts of 1,000 or more ("30.000 Chips",
  "3万张") are `n:…`; years and small bare numbers say too little and are left out.
- **Model numbers** are tokens that mix letters and digits (H20, 910C, B30A, P800,
  UE8M0), upper-cased.
- **Outlets** are the news organisations an article cites (Reuters, WSJ, 彭博 …), as ids.
- **Event types** come from `analysis.event_types`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from analysis.event_types import event_cues, first_event_type

_NUM = r"\d+(?:[.,\u2009\u202f ]\d{3})*(?:[.,]\d+)?"
_SCALES: dict[str, float] = {
    "thousand": 1e3,
    "tsd": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millionen": 1e6,
    "mio": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "mrd": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "billionen": 1e12,
    "万": 1e4,
    "亿": 1e8,
    "万亿": 1e12,
}
_CURRENCY_WORDS: dict[str, str] = {
    "dollar": "usd",
    "dollars": "usd",
    "us-dollar": "usd",
    "usd": "usd",
    "美元": "usd",
    "yuan": "cny",
    "renminbi": "cny",
    "rmb": "cny",
    "cny": "cny",
    "元": "cny",
    "人民币": "cny",
    "euro": "eur",
    "euros": "eur",
    "eur": "eur",
    "欧元": "eur",
    "hongkong-dollar": "hkd",
    "hong-kong-dollar": "hkd",
    "hkd": "hkd",
    "港元": "hkd",
    "港币": "hkd",
}
_CURRENCY_SIGNS = {"$": "usd", "us$": "usd", "€": "eur", "hk$": "hkd", "¥": "cny", "rmb": "cny"}
_PERCENT_WORDS = ("%", "prozent", "percent", "per cent", "pct")

_SCALE_RE = "|".join(sorted((re.escape(s) for s in _SCALES), key=len, reverse=True))
_CURR_RE = "|".join(sorted((re.escape(s) for s in _CURRENCY_WORDS), key=len, reverse=True))
_SIGN_RE = "|".join(sorted((re.escape(s) for s in _CURRENCY_SIGNS), key=len, reverse=True))
_PCT_RE = "|".join(re.escape(s) for s in _PERCENT_WORDS)

# One pattern, tried left to right: a sign before the number ($5.5bn), a percentage, or
# a number with an optional scale and an optional currency after it.
_FIGURE_RE = re.compile(
    rf"(?P<sign>{_SIGN_RE})\s?(?P<n1>{_NUM})(?:\s?(?P<s1>{_SCALE_RE})\.?(?![a-z]))?"
    rf"|(?<![A-Za-z0-9.,])(?P<n2>{_NUM})\s?(?:(?P<pct>{_PCT_RE})"
    rf"|(?:(?P<s2>{_SCALE_RE})\.?(?![a-z])\s?)?(?P<cur>{_CURR_RE})?)",
    re.IGNORECASE,
)
_MODEL_RE = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?"
    r"(?![A-Za-z0-9])"
)
# Tokens with letters and digits that are units, quarters, halves or amounts, not models.
_NOT_MODEL_RE = re.compile(
    r"^(?:Q[1-4]|H[12]|[12]H|\d+(?:NM|MM|GB|TB|MB|KB|GHZ|MHZ|W|KW|MW|X|TH|ST|ND|RD|BN|M|K"
    r"|PROZENT|MRD|MIO|S)|FY\d+|\d+-[A-Z]+|[A-Z]+-\d+|COVID-?19|G\d+)$"
)
_OUTLETS: dict[str, tuple[str, ...]] = {
    "reuters": ("reuters", "路透"),
    "bloomberg": ("bloomberg", "彭博"),
    "wsj": ("wall street journal", "wsj", "华尔街日报", "華爾街日報"),
    "ft": ("financial times", "ft", "金融时报", "金融時報"),
    "the-information": ("the information",),
    "cctv": ("cctv", "央视", "中央电视台"),
    "xinhua": ("xinhua", "新华社"),
    "nikkei": ("nikkei", "日经"),
    "caixin": ("caixin", "财新"),
    "scmp": ("south china morning post", "scmp"),
    "cnbc": ("cnbc",),
    "digitimes": ("digitimes",),
}
_OUTLET_RE = re.compile(
    "|".join(
        rf"(?P<{key.replace('-', '_')}>"
        + "|".join(
            rf"(?<![A-Za-z]){re.escape(a)}(?![A-Za-z])" if a.isascii() else re.escape(a)
            for a in aliases
        )
        + ")"
        for key, aliases in _OUTLETS.items()
    )
)
_FT_RE = re.compile(r"(?<![A-Za-z])FT(?![A-Za-z])")  # case-sensitive: "ft" is also feet


@dataclass(frozen=True)
class Evidence:
    figures: frozenset[str]
    models: frozenset[str]
    outlets: frozenset[str]
    lead_events: dict[str, float]  # event types in the title and first sentence
    actor: str | None  # "us" or "cn" when the headline's subject is a government
    events: dict[str, float]  # event types in the whole text, title weighted up


def _number(raw: str, language: str) -> float | None:
    raw = raw.replace("\u2009", "").replace("\u202f", "").replace(" ", "")
    comma, dot = raw.rfind(","), raw.rfind(".")
    if comma >= 0 and dot >= 0:
        decimal = "," if comma > dot else "."
    elif comma >= 0 or dot >= 0:
        sep = "," if comma >= 0 else "."
        groups = raw.split(sep)
        thousands = len(groups) > 2 or (len(groups[-1]) == 3 and groups[0] != "0")
        # German writes decimals with a comma and thousands with a dot; English the
        # other way. A lone separator followed by three digits is a thousands
        # separator only in the language that uses it for thousands.
        if len(groups) == 2 and len(groups[-1]) == 3:
            thousands = (sep == ".") == (language == "de")
        decimal = "" if thousands else sep
    else:
        decimal = ""
    cleaned = "".join(
        ch if ch.isdigit() else ("." if ch == decimal else "") for ch in raw if ch != " "
    )
    try:
        return float(cleaned)
    except ValueError:
        return None


def figures(text: str, language: str) -> frozenset[str]:
    found: set[str] = set()
    text = unicodedata.normalize("NFKC", text)
    for m in _FIGURE_RE.finditer(text):
        raw = m["n1"] or m["n2"]
        value = _number(raw, language)
        if value is None:
            continue
        scale_word = (m["s1"] or m["s2"] or "").lower()
        value *= _SCALES.get(scale_word, 1.0)
        if m["sign"]:
            unit = _CURRENCY_SIGNS[m["sign"].lower()]
        elif m["pct"]:
            unit = "pct"
        elif m["cur"]:
            unit = _CURRENCY_WORDS[m["cur"].lower()]
        else:
            unit = "n"
            if not scale_word and (value < 1000 or (1900 <= value <= 2100 and value.is_integer())):
                continue  # a year, a day or a small count: no evidence
        found.add(f"{unit}:{value:.3g}")
    return frozenset(found)


def model_numbers(text: str) -> frozenset[str]:
    out = set()
    for m in _MODEL_RE.finditer(text):
        token = m[0].upper()
        if len(token) >= 3 and not _NOT_MODEL_RE.match(token):
            out.add(token)
    return frozenset(out)


def outlets(text: str) -> frozenset[str]:
    found = set()
    for m in _OUTLET_RE.finditer(text.lower()):
        key = m.lastgroup
        if key is not None:
            found.add(key.replace("_", "-"))
    found.discard("ft")
    if _FT_RE.search(text) or "financial times" in text.lower():
        found.add("ft")
    return frozenset(found)


# A sentence ends at . ! ? before a capital or an opening quote — not after a digit
# ("am 29. August") — or at a Chinese full stop.
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?])\s+(?=[\"'„“‘(]?[A-ZÄÖÜ0-9])|(?<=[。！？])\s*")


def lead(text: str) -> str:
    """The first sentence (a news lead says what happened)."""
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return parts[0] if parts else ""


_COUNTRIES: dict[str, tuple[str, ...]] = {
    "us": (
        "US",
        "U.S.",
        "USA",
        "Washington",
        "Trump",
        "Biden",
        "White House",
        "美国",
        "美方",
        "华盛顿",
        "特朗普",
        "拜登",
    ),
    "cn": ("China", "Chinas", "Peking", "Beijing", "中国", "中方", "北京"),
}
_COUNTRY_RE = re.compile(
    "|".join(
        rf"(?P<{key}>"
        + "|".join(
            rf"(?<![\w-]){re.escape(w)}(?![\w-])" if w.isascii() else re.escape(w)
            for w in sorted(words, key=len, reverse=True)
        )
        + ")"
        for key, words in _COUNTRIES.items()
    )
)
# Companies whose names start with a country: never a government acting.
_COUNTRY_COMPANIES_RE = re.compile(
    r"^(?:China (?:Unicom|Mobile|Telecom|Merchants)|Bank of China|中国(?:联通|移动|电信))"
)
# "Analyse: …", "彭博：…": a label before a colon is not the headline's subject.
_LABEL_RE = re.compile(r"^[^:：]{1,40}[:：]\s*")


def actor(title: str) -> str | None:
    """The government that acts in a headline: a country (or its capital or leader) in
    the subject position, the headline's first words, after an optional "Label:". "China
    bans …" and "Peking untersagt …" are `cn`; "Nvidia says US will allow …" names no
    actor (its subject is the company)."""
    title = title.strip()
    for candidate in (title, _LABEL_RE.sub("", title, count=1)):
        if _COUNTRY_COMPANIES_RE.match(candidate):
            return None
        m = _COUNTRY_RE.match(candidate)
        if m is not None:
            return m.lastgroup
    return None


# A reaction names what it reacts to: in a headline with a denial or a reply, those
# types are the event and the others its object.
REACTIONS = frozenset({"deny", "reply"})


def lead_event_types(title: str, text: str) -> dict[str, float]:
    """The event types of the headline (doubled; its first cue doubled again: a
    headline starts with what happened) and of the first sentence. When a reaction type
    is among them, the others count a third."""
    first_sentence = lead(text)
    if _repeats(title, first_sentence):
        # pages without a headline of their own get their first sentence, often cut
        # ("…"), as the title: then the lead is the sentence after it
        first_sentence = lead(text.strip()[len(first_sentence) :])
    found = event_cues(first_sentence)
    first = first_event_type(title)
    for key, weight in event_cues(title).items():
        found[key] = found.get(key, 0.0) + 2.0 * weight + (2.0 if key == first else 0.0)
    if REACTIONS & found.keys():
        found = {k: (v if k in REACTIONS else v / 3.0) for k, v in found.items()}
    return found


def _repeats(title: str, sentence: str) -> bool:
    """Is the title the sentence's own beginning (after at most a dateline or a source
    name such as "TradingKey - ")?"""
    head = title.strip().rstrip("…").rstrip(". ").casefold()
    return len(head) >= 20 and 0 <= sentence.casefold().find(head) <= 40


def evidence(title: str, text: str, language: str) -> Evidence:
    whole = f"{title}\n{text}"
    events = event_cues(text)
    for key, weight in event_cues(title).items():
        events[key] = events.get(key, 0.0) + 2.0 * weight
    return Evidence(
        figures=figures(whole, language),
        models=model_numbers(whole),
        outlets=outlets(whole),
        lead_events=lead_event_types(title, text),
        actor=actor(title),
        events=events,
    )
