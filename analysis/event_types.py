"""A small DE/EN/ZH lexicon of event types: what kind of thing happened.

The type of event is what separates two stories about the same companies a day apart —
a report and its denial, a US measure and China's reply, results and a rumour — so the
story grouper compares the event types of two articles' leads. Each type lists word
beginnings in English and German, matched on the analyzer's folded text (case, accents
and umlauts folded: "Börsengang" is "borsengang"), a few German split verbs ("weist …
zurück"), and Chinese words, matched as substrings.

The list is short on purpose: types that news in this field reports, not a taxonomy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from analysis.analyzer import fold

# (type, English and German word beginnings, German split verbs as "stem … particle",
#  Chinese words)
_LEXICON: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "restrict",
        (
            "ban", "banned", "banning", "curb", "restrict", "prohibit", "crackdown",
            "export control", "export licence", "export license", "licence requirement",
            "verbot", "verbiet", "untersag", "beschrank", "exportkontroll",
            "genehmigungspflicht", "ausfuhrgenehmigung", "begrenz", "limit access",
            "to limit", "entity list",
        ),
        (),
        ("禁令", "禁止", "限制", "管制", "不予许可", "实体清单"),
    ),
    (
        "discourage",
        ("discourag", "avoid", "steer", "abrat", "meiden", "verzicht"),
        ("rat ab", "raten ab"),
        ("劝阻", "不鼓励"),
    ),
    (
        "allow",
        (
            "allow", "approv", "resum", "restart", "grant", "cleared", "permit", "erlaub",
            "gestatt", "kehrtwende", "freigab", "genehmigt", "grunes licht",
        ),
        (),
        ("批准", "允许", "恢复", "放行"),
    ),
    (
        "deny",
        (
            "deny", "denies", "denied", "denial", "reject", "false", "untrue", "refut",
            "dement", "bestreit", "bestritt", "zuruckgewies", "zuruckweis", "falsch",
            "no backdoors", "keine hinterturen",
        ),
        ("weist zuruck", "wies zuruck"),
        ("否认", "澄清", "不实", "辟谣"),
    ),
    (
        "unveil",
        (
            "unveil", "launch", "introduc", "develop", "roadmap", "present", "showcas",
            "vorstell", "vorgestellt", "prasentier", "entwickel", "fahrplan", "ankundig",
            "kundigte", "legt offen",
        ),
        ("stellt vor", "legt offen"),
        ("发布", "推出", "亮相", "路线图", "研发", "公布"),
    ),
    (
        "order",
        ("order", "purchas", "bestell", "kaufen", "auftrag", "auftrage", "buy"),
        (),
        ("订购", "采购", "订单", "购买"),
    ),
    (
        "results",
        (
            "revenue", "quarter", "results", "profit", "earnings", "first half", "half year",
            "umsatz", "quartal", "nettogewinn", "reingewinn", "gewinn je", "geschaftszahlen",
            "erlos", "halbjahr", "umgesetzt",
        ),
        (),
        ("营收", "营业收入", "净利润", "财报", "季度", "半年度", "业绩"),
    ),
    (
        "listing",
        (
            "ipo", "debut", "listing", "first day of trading", "initial public offering",
            "borsengang", "borsendebut", "debut", "ersten handelstag", "ausgabepreis",
            "notierung",
        ),
        (),
        ("上市", "科创板", "发行价", "挂牌"),
    ),
    (
        "probe",
        (
            "investigat", "probe", "antitrust", "antimonopoly", "anti monopoly", "ermittl",
            "kartell", "untersuchung", "anti monopol",
        ),
        (),
        ("调查", "反垄断", "立案"),
    ),
    (
        "summon",
        ("summon", "einbestell", "vorlad", "vorgeladen"),
        ("bestellt ein",),
        ("约谈",),
    ),
    (
        "deploy",
        (
            "deploy", "data centre", "data center", "runs on", "switched on", "fires up",
            "einsatz", "rechenzentrum", "schaltet", "in betrieb",
        ),
        ("setzt ein", "baut auf"),
        ("部署", "数据中心", "点亮"),
    ),
    (
        "halt",
        ("halt", "suspend", "pause", "stopp", "einstell", "aussetz", "ruhen"),
        (),
        ("暂停", "停止", "停产"),
    ),
    (
        "reply",
        (
            "retaliat", "respond", "hit back", "hits back", "in response", "reagier",
            "vergeltung", "antwort", "gegenmassnahm", "disappoint", "enttausch",
        ),
        (),
        ("回应", "反制", "反击", "失望"),
    ),
    (
        "rescind",
        (
            "rescind", "scrap", "repeal", "revok", "zuruckgenommen", "zurucknahm", "kipp",
            "aufgehoben", "aufheb",
        ),
        (),
        ("撤销", "废除", "废止"),
    ),
    (
        "levy",
        ("revenue share", "proceeds", "levy", "of the revenue", "abfuhr", "kassier", "abgeben"),
        (),
        ("分成", "上缴"),
    ),
    (
        "visit",
        ("visit", "meets", "met with", "trip", "besuch", "reist", "traf"),
        (),
        ("访问", "会见", "访华"),
    ),
    (
        "warn",
        ("warn", "caution", "breach", "violat", "verstoss"),
        (),
        ("警告", "违反"),
    ),
)

EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(entry[0] for entry in _LEXICON))


def _word_pattern(cues: Iterable[str]) -> str:
    folded = sorted({fold(c) for c in cues}, key=len, reverse=True)
    return "|".join(r"(?<![a-z0-9])" + re.escape(c).replace(r"\ ", " ") for c in folded)


def _split_pattern(cues: Iterable[str]) -> str:
    # "weist zurück" also matches "weist den Vorwurf … zurück": up to six words between.
    parts = []
    for cue in cues:
        stem, particle = fold(cue).rsplit(" ", 1)
        parts.append(rf"(?<![a-z0-9]){re.escape(stem)}(?: [^ ]+){{0,6}} {re.escape(particle)}\b")
    return "|".join(parts)


_WORD_RES: dict[str, re.Pattern[str]] = {}
_ZH: dict[str, tuple[str, ...]] = {}
for _type, _words, _splits, _zh in _LEXICON:
    pattern = _word_pattern(_words)
    if _splits:
        pattern += "|" + _split_pattern(_splits)
    _WORD_RES[_type] = re.compile(pattern)
    _ZH[_type] = _zh


def event_cues(text: str) -> dict[str, float]:
    """How often each event type is cued in the text (types without a cue are absent).
    Chinese words are looked for in any text (a German or English article may quote
    one), and German and English cues in any text too: they do not collide."""
    folded = fold(text)
    # fold() puts spaces between CJK characters: match Chinese on the raw text
    found: dict[str, float] = {}
    for kind, regex in _WORD_RES.items():
        count = len(regex.findall(folded))
        count += sum(text.count(word) for word in _ZH[kind])
        if count:
            found[kind] = found.get(kind, 0.0) + float(count)
    return found




def token_index(text: str, position: int) -> int:
    """How many folded tokens come before `position` in the raw text."""
    return len(fold(text[:position]).split())


def _first_cue(text: str) -> tuple[int, str] | None:
    """(token index, type) of the earliest cue: folded and raw text differ in length,
    so positions are compared as token counts."""
    folded = fold(text)
    best: tuple[int, str] | None = None
    for kind, regex in _WORD_RES.items():
        m = regex.search(folded)
        if m is not None:
            at = folded.count(" ", 0, m.start())
            if best is None or at < best[0]:
                best = (at, kind)
        for word in _ZH[kind]:
            i = text.find(word)
            if i >= 0:
                at = token_index(text, i)
                if best is None or at < best[0]:
                    best = (at, kind)
    return best


def first_event_type(text: str) -> str | None:
    """The type of the earliest cue in the text (None without one)."""
    found = _first_cue(text)
    return found[1] if found else None

