"""The starter chipwatch.toml that `chipwatch init` writes.

Sources come from the project's source research (feeds confirmed by several independent
configs or checked lists); run `chipwatch sources check` before relying on them."""

from __future__ import annotations

from chipwatch.config import DEFAULT_USER_AGENT

STARTER_SOURCES: list[tuple[str, str, list[str]]] = [
    (
        "heise online",
        "de",
        [
            "https://www.heise.de/rss/heise-atom.xml",
            "https://www.heise.de/rss/heise-Rubrik-IT-atom.xml",
            "https://www.heise.de/rss/heise-Rubrik-Wirtschaft-atom.xml",
        ],
    ),
    ("golem.de", "de", ["https://www.golem.de/rss"]),
    ("ComputerBase", "de", ["https://www.computerbase.de/rss/news.xml"]),
    ("Hardwareluxx", "de", ["https://www.hardwareluxx.de/index.php/rss/all.xml"]),
    ("wallstreet-online", "de", ["https://www.wallstreet-online.de/rss/nachrichten-alle.xml"]),
    ("Der Aktionär", "de", ["https://www.deraktionaer.de/aktionaer-news.rss"]),
    ("Börse Online", "de", ["https://www.boerse-online.de/rss/news"]),
    ("Tom's Hardware", "en", ["https://www.tomshardware.com/feeds/all"]),
    ("The Register", "en", ["https://www.theregister.com/headlines.atom"]),
    ("ServeTheHome", "en", ["https://www.servethehome.com/feed/"]),
    ("TechPowerUp", "en", ["https://www.techpowerup.com/rss/news"]),
    ("Semiconductor Engineering", "en", ["https://semiengineering.com/feed/"]),
    ("TrendForce", "en", ["https://www.trendforce.com/feed/Semiconductors.html"]),
    ("TechNode", "en", ["https://technode.com/feed/"]),
    ("SCMP Tech", "en", ["https://www.scmp.com/rss/36/feed"]),
    (
        "CNBC Technology",
        "en",
        ["https://search.cnbc.com/rs/search/combinedcms/view.xml?partnerId=wrss01&id=19854910"],
    ),
    # The export rules themselves: the Commerce Department's Bureau of Industry and
    # Security (Entity List, advanced-computing controls), final and proposed rules, from
    # the Federal Register's public JSON API (public domain, no key).
    (
        "Federal Register (BIS rules)",
        "en",
        [
            "https://www.federalregister.gov/api/v1/documents.json?per_page=50&order=newest"
            "&conditions%5Bagencies%5D%5B%5D=industry-and-security-bureau"
            "&conditions%5Btype%5D%5B%5D=RULE&conditions%5Btype%5D%5B%5D=PRORULE"
        ],
    ),
]


def starter_config(database: str = "chipwatch.db") -> str:
    lines = [
        "# chipwatch configuration. Reference: README.md, section Configuration.",
        "# Check every source with `chipwatch sources check` before relying on it.",
        "",
        "[database]",
        "# Relative SQLite paths resolve against this file's folder.",
        "# CHIPWATCH_DATABASE_URL in the environment overrides this.",
        f'url = "sqlite:///{database}"',
        "",
        "[crawl]",
        f'user_agent = "{DEFAULT_USER_AGENT}"',
        "obey_robots = true",
        "concurrency = 16",
        "per_host_concurrency = 2",
        "delay = 1.0                  # seconds between requests to one host",
        "timeout = 30",
        "max_page_bytes = 5000000",
        "max_article_age_days = 30    # older feed/sitemap entries are not fetched",
    ]
    for name, language, feeds in STARTER_SOURCES:
        lines += ["", "[[sources]]", f"name = {_toml_str(name)}", f'language = "{language}"']
        if len(feeds) == 1:
            lines.append(f"feeds = [{_toml_str(feeds[0])}]")
        else:
            lines.append("feeds = [")
            lines += [f"  {_toml_str(url)}," for url in feeds]
            lines.append("]")
    return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
