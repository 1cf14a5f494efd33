"""Naming what is wrong with a response, as small pure functions: a bot wall's
challenge page, a paywall teaser, a robots.txt that disallows everything.

These only name problems so that `stats` and the health email can say them; chipwatch
never works around a bot wall or a paywall."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

# How much of a body is searched: challenge pages are small, and their markers sit in
# the head or at the top of the body.
HEAD_BYTES = 65_536

# (marker in the body, what it is). Matched case-sensitively on bytes: these are the
# vendors' own strings.
_BODY_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"<title>Just a moment...</title>", "Cloudflare challenge (Just a moment...)"),
    (b"Attention Required! | Cloudflare", "Cloudflare block (Attention Required)"),
    (b"/cdn-cgi/challenge-platform/", "Cloudflare challenge"),
    (b"cf-browser-verification", "Cloudflare browser check"),
    (b"captcha-delivery.com", "DataDome captcha"),
    (b"Please enable JS and disable any ad blocker", "DataDome captcha"),
    (b"px-captcha", "PerimeterX captcha"),
    (b"_pxAppId", "PerimeterX challenge"),
    (b"Access to this page has been denied", "PerimeterX block"),
    (b"Pardon Our Interruption", "Imperva/Distil challenge"),
    (b"Incapsula incident ID", "Imperva Incapsula block"),
    (b"errors.edgesuite.net", "Akamai block"),
    (b"Checking your browser before accessing", "browser check"),
    (b"Sucuri WebSite Firewall", "Sucuri firewall block"),
    (b"Sucuri Website Firewall", "Sucuri firewall block"),
)
# A page that answers 200 is a challenge only when its title says so: an article may
# well quote a vendor's string in its text.
_CHALLENGE_TITLES = (
    *map(
        re.escape,
        (
            "Just a moment...",
            "Attention Required! | Cloudflare",
            "Access to this page has been denied",
            "Pardon Our Interruption",
            "百度安全验证",  # Baidu's captcha
            "安全验证",  # "security check": the bare title of Chinese sites' own walls
        ),
    ),
    "Checking your browser[^<]*",
)
# One search of the page's head (it runs for every page, on the reactor's thread), in
# the page's own encoding: UTF-8, or GB 18030 (GBK, GB 2312), which Chinese sites still
# serve. The ASCII titles read the same in both.
_TITLE_ENCODINGS = ("utf-8", "gb18030")
_CHALLENGE_TITLE = re.compile(
    rb"<title>\s*("
    + b"|".join(dict.fromkeys(t.encode(e) for e in _TITLE_ENCODINGS for t in _CHALLENGE_TITLES))
    + rb")\s*</title>",
    re.IGNORECASE,
)
# Akamai's edge errors all carry this reference number; only its 403 is a block.
_AKAMAI_REFERENCE = b"Reference&#32;&#35;"
# Alibaba Cloud's anti-crawler answers 200 with a small page of script that sets this
# cookie and reloads (common in front of Chinese news sites); an article that explains
# the cookie has paragraphs.
_ALIYUN_COOKIE = b"acw_sc__v2"
_ALIYUN_PAGE_MAX = 16_384
WALL_STATUSES = frozenset({401, 403, 429, 503})


def detect_wall(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """What kind of bot wall answered (e.g. "Cloudflare challenge (cf-mitigated:
    challenge)"), or None. `headers`: lower-case names."""
    if headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return "Cloudflare challenge (cf-mitigated: challenge)"
    if headers.get("x-vercel-mitigated", "").strip().lower() == "challenge":
        return "Vercel challenge (x-vercel-mitigated: challenge)"
    head = body[:HEAD_BYTES]
    if _is_aliyun_challenge(body):
        return "Alibaba Cloud anti-crawler challenge (acw_sc__v2)"
    if status == 405:  # how Alibaba Cloud's WAF refuses a GET; elsewhere a plain 405
        return "Alibaba Cloud WAF block" if b"aliyun_waf" in head else None
    if status in WALL_STATUSES:
        if "x-datadome" in headers or "datadome=" in headers.get("set-cookie", ""):
            return "DataDome block (x-datadome)"
        if headers.get("x-amzn-waf-action", "").lower() in ("captcha", "challenge"):
            return "AWS WAF challenge (x-amzn-waf-action)"
        if status == 429 and ("x-kpsdk-ct" in headers or "x-kpsdk-cd" in headers):
            return "Kasada challenge (x-kpsdk)"
        if status == 403 and _AKAMAI_REFERENCE in head:
            return "Akamai block (Access Denied)"
        for marker, name in _BODY_MARKERS:
            if marker in head:
                return name
        return None
    match = _CHALLENGE_TITLE.search(head)
    return f"challenge page ({_decoded(match.group(1))})" if match else None


def _decoded(title: bytes) -> str:
    for encoding in _TITLE_ENCODINGS:
        try:
            return title.decode(encoding)
        except UnicodeDecodeError:
            continue
    return title.decode("utf-8", "replace")


def _is_aliyun_challenge(body: bytes) -> bool:
    if len(body) > _ALIYUN_PAGE_MAX or _ALIYUN_COOKIE not in body:
        return False
    lowered = body.lower()
    return b"<script" in lowered and b"<p" not in lowered and b"<article" not in lowered


_FREE_FALSE = re.compile(rb'"isAccessibleForFree"\s*:\s*"?(false|False|FALSE)"?')
_CONTENT_TIER = re.compile(
    rb'<meta[^>]+property=["\']article:content_tier["\'][^>]+content=["\'](locked|metered)["\']'
    rb'|<meta[^>]+content=["\'](locked|metered)["\'][^>]+property=["\']article:content_tier["\']',
    re.IGNORECASE,
)


def detect_paywall(html: bytes) -> str | None:
    """The page's own statement that its content is behind a paywall: schema.org's
    `isAccessibleForFree: false` (the markup search engines ask paywalled sites for) or
    the `article:content_tier` meta tag."""
    if b"isAccessibleForFree" in html and _FREE_FALSE.search(html):
        return "isAccessibleForFree: false"
    if b"content_tier" in html and (match := _CONTENT_TIER.search(html)):
        tier = (match.group(1) or match.group(2)).decode("latin-1").lower()
        return f"article:content_tier {tier}"
    return None


class _Robots(Protocol):
    def allowed(self, url: str, user_agent: str) -> bool: ...


def disallows_everything(robots: _Robots, origin: str, agent: str) -> bool:
    """Does robots.txt keep our agent out of the whole site (`Disallow: /`)? Neither the
    front page nor an arbitrary path is allowed. `origin`: scheme://host[:port]."""
    return not any(
        robots.allowed(f"{origin}{path}", agent) for path in ("/", "/chipwatch-probe/a.html")
    )
