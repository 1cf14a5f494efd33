"""A small DE/EN/ZH lexicon of event types: what kind of thing happened.

The type of event is what separates two stories about the same companies a day apart —
a report and its denial, a US measure and China's reply, results and a rumour — so the
story grouper compares the event types of two articles' leads. Each type lists word
beginnings in English and German, matched on the analyzer's folded text (case, accents
and umlauts folded: "Börsengang" is "borsengang"), a few German split verbs ("weist …
zurück"), and Chinese words.

The list is short on purpose: types that news in this field reports, not a taxonomy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick

from analysis.analyzer import fold

# fmt: off
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
# fmt: on

EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(entry[0] for entry in _LEXICON))


def _split_pattern(kind: str, cues: Iterable[str]) -> str:
    # "weist zurück" also matches "weist den Vorwurf … zurück": up to six words between.
    parts = []
    for cue in cues:
        stem, particle = fold(cue).rsplit(" ", 1)
        parts.append(rf"(?<![a-z0-9]){re.escape(stem)}(?: [^ ]+){{0,6}} {re.escape(particle)}\b")
    return f"(?P<{kind}>" + "|".join(parts) + ")"


# One Aho-Corasick automaton over every cue, folded (Chinese words fold to characters
# with spaces between, as the text does): one pass over a text finds them all.
_AUTOMATON = ahocorasick.Automaton()
for _kind, _words, _splits, _zh in _LEXICON:
    for _cue in (*_words, *_zh):
        _folded = fold(_cue)
        _AUTOMATON.add_word(_folded, (_kind, len(_folded)))
_AUTOMATON.make_automaton()
_SPLIT_RE = re.compile(
    "|".join(_split_pattern(kind, splits) for kind, _w, splits, _z in _LEXICON if splits)
)


def _matches(text: str) -> list[tuple[int, str]]:
    """(start in the folded text, type) of every cue, one per type and start: a cue
    matches at the start of a word and may end inside it (word beginnings)."""
    folded = fold(text)
    found: set[tuple[int, str]] = set()
    for end, (kind, length) in _AUTOMATON.iter(folded):
        start = end - length + 1
        if start == 0 or folded[start - 1] == " ":
            found.add((start, kind))
    for m in _SPLIT_RE.finditer(folded):
        if m.lastgroup is not None:
            found.add((m.start(), m.lastgroup))
    return sorted(found)


def event_cues(text: str) -> dict[str, float]:
    """How often each event type is cued in the text (types without a cue are absent).
    Cues of all three languages are looked for in any text: they do not collide, and a
    German or English article may quote a Chinese word."""
    counts: dict[str, float] = {}
    for _start, kind in _matches(text):
        counts[kind] = counts.get(kind, 0.0) + 1.0
    return counts


def first_event_type(text: str) -> str | None:
    """The type of the earliest cue in the text (None without one)."""
    found = _matches(text)
    return found[0][1] if found else None
