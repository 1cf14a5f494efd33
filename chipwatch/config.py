"""chipwatch.toml: read once into frozen dataclasses, checked at load time.

Tools outside the project generate these files, so the keys are a contract: an unknown
key, a wrong type or a bad regex stops the load with one message naming the file, the
key and what is expected.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any, cast

from alerts.options import AlertConfig, EmailConfig, HealthConfig
from alerts.schedule import ScheduleError, parse_schedule
from analysis.matcher import Rule, RuleSet
from analysis.query import QuerySyntaxError
from chipwatch.errors import AppError
from crawler.extract import language_code
from crawler.options import DEFAULT_USER_AGENT, CrawlConfig, CrawlJob, SourceConfig

__all__ = [
    "DEFAULT_USER_AGENT",
    "AlertConfig",
    "Config",
    "ConfigError",
    "CrawlConfig",
    "EmailConfig",
    "SourceConfig",
    "load_config",
    "resolve_config_path",
]

DEFAULT_CONFIG_NAME = "chipwatch.toml"
CONFIG_ENV = "CHIPWATCH_CONFIG"
DATABASE_URL_ENV = "CHIPWATCH_DATABASE_URL"


class ConfigError(AppError):
    """The configuration file is missing, unreadable or invalid."""


@dataclass(frozen=True)
class Config:
    path: Path
    database_url: str
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    sources: tuple[SourceConfig, ...] = ()
    email: EmailConfig = field(default_factory=EmailConfig)
    alerts: tuple[AlertConfig, ...] = ()
    health: HealthConfig = field(default_factory=HealthConfig)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources)
        raise ConfigError(f"{self.path}: no source named {name!r} (configured: {known})")

    def select_sources(self, names: list[str] | None) -> tuple[SourceConfig, ...]:
        if names:
            return tuple(self.source(name) for name in names)
        return tuple(s for s in self.sources if s.enabled)

    @property
    def crawl_job(self) -> CrawlJob:
        return CrawlJob(database_url=self.database_url, crawl=self.crawl, sources=self.sources)


def resolve_config_path(path: str | os.PathLike[str] | None) -> Path:
    chosen = path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME
    return Path(chosen).expanduser().resolve()


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    config_path = resolve_config_path(path)
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{config_path}: no such config file (run `chipwatch init` to write one)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    return parse_config(raw, config_path)


def parse_config(raw: Mapping[str, Any], path: Path) -> Config:
    checker = _Checker(path)
    checker.only_keys(raw, "", {"database", "crawl", "sources", "email", "alerts", "health"})

    database = checker.table(raw, "database")
    checker.only_keys(database, "database", {"url"})
    url = os.environ.get(DATABASE_URL_ENV) or checker.get(
        database, "database", "url", str, "sqlite:///chipwatch.db"
    )

    crawl_raw = checker.table(raw, "crawl")
    crawl = _parse_crawl(checker, crawl_raw)

    sources_raw = raw.get("sources")
    if not isinstance(sources_raw, list) or not sources_raw:
        raise ConfigError(
            f"{path}: sources: expected at least one [[sources]] table with a name and "
            "feeds, sitemaps or pages"
        )
    sources = tuple(_parse_source(checker, i, s) for i, s in enumerate(sources_raw))
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: sources: duplicate source name(s): {', '.join(duplicates)}")

    email = _parse_email(checker, checker.table(raw, "email"), path.parent)
    alerts_raw = raw.get("alerts", [])
    if not isinstance(alerts_raw, list):
        raise ConfigError(f"{path}: alerts: expected [[alerts]] tables")
    alerts = tuple(_parse_alert(checker, i, a) for i, a in enumerate(alerts_raw))
    alert_names = [a.name for a in alerts]
    duplicates = sorted({n for n in alert_names if alert_names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: alerts: duplicate alert name(s): {', '.join(duplicates)}")
    _time_zone(email.timezone, f"{path}: email.timezone")

    return Config(
        path=path,
        database_url=_resolve_sqlite_url(url, path.parent),
        crawl=crawl,
        sources=sources,
        email=email,
        alerts=alerts,
        health=_parse_health(checker, checker.table(raw, "health")),
    )


@dataclass(frozen=True)
class _Range:
    """The values a numeric key allows; NaN and infinity are never among them."""

    low: int
    high: int | None = None
    above: bool = False  # the low end itself is refused: a timeout of 0 is no timeout

    def admits(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if (value <= self.low) if self.above else (value < self.low):
            return False
        return self.high is None or value <= self.high

    def __str__(self) -> str:
        if self.high is not None:
            return f"from {self.low} to {self.high}"
        return f"{'>' if self.above else '>='} {self.low}"


_AT_LEAST_0 = _Range(0)
_AT_LEAST_1 = _Range(1)
_ABOVE_0 = _Range(0, above=True)
_PORT = _Range(1, 65535)
_CRAWL_RANGES = {
    "concurrency": _AT_LEAST_1,
    "per_host_concurrency": _AT_LEAST_1,
    "delay": _AT_LEAST_0,
    "timeout": _ABOVE_0,
    "max_page_bytes": _AT_LEAST_1,
    "max_listing_bytes": _AT_LEAST_1,
    "max_article_age_days": _AT_LEAST_0,  # 0: no age limit
    "retries": _AT_LEAST_0,
    "max_retry_after": _AT_LEAST_0,
    "extract_workers": _AT_LEAST_0,  # 0: one per CPU
    "max_failures": _AT_LEAST_1,
    "worker_timeout": _Range(2),  # a heartbeat goes out every second
}
_EMAIL_RANGES = {"smtp_port": _PORT, "timeout": _ABOVE_0, "retry_base_seconds": _AT_LEAST_0}


def _parse_email(checker: _Checker, raw: Mapping[str, Any], folder: Path) -> EmailConfig:
    keys: dict[str, type | tuple[type, ...]] = {
        "from": str,
        "smtp_host": str,
        "smtp_port": int,
        "security": str,
        "username_env": str,
        "password_env": str,
        "outbox_dir": str,
        "timezone": str,
        "timeout": (int, float),
        "ca_file": str,
        "retry_base_seconds": (int, float),
    }
    checker.only_keys(raw, "email", set(keys))
    defaults = EmailConfig()
    values = {
        key: checker.get(raw, "email", key, kind, None, _EMAIL_RANGES.get(key))
        for key, kind in keys.items()
    }
    security = values["security"] or defaults.security
    if security not in ("starttls", "ssl", "none"):
        raise ConfigError(f"{checker.path}: email.security: expected starttls, ssl or none")
    from_addr = values["from"] or defaults.from_addr
    if "@" not in from_addr:
        raise ConfigError(
            f"{checker.path}: email.from: expected an address such as "
            '"chipwatch <alerts@example.org>"'
        )
    return EmailConfig(
        from_addr=from_addr,
        smtp_host=values["smtp_host"] or None,
        smtp_port=values["smtp_port"]
        or (465 if security == "ssl" else 587 if security == "starttls" else 25),
        security=security,
        username_env=values["username_env"],
        password_env=values["password_env"],
        outbox_dir=(folder / (values["outbox_dir"] or "outbox")).resolve(),
        timezone=values["timezone"] or defaults.timezone,
        timeout=float(values["timeout"] or defaults.timeout),
        ca_file=(folder / values["ca_file"]).resolve() if values["ca_file"] else None,
        retry_base_seconds=float(
            defaults.retry_base_seconds
            if values["retry_base_seconds"] is None
            else values["retry_base_seconds"]
        ),
    )


def _parse_alert(checker: _Checker, index: int, raw: Any) -> AlertConfig:

    name, where = checker.named_table(
        raw,
        "alerts",
        index,
        {"name", "query", "recipients", "schedule", "backfill_days", "enabled"},
    )
    query = checker.get(raw, where, "query", str, None)
    if query is None:
        raise ConfigError(f"{checker.path}: {where}.query: expected a query string")
    try:
        rule = Rule.parse(name, query)
    except QuerySyntaxError as exc:
        raise ConfigError(f"{checker.path}: {where}.query: {exc}") from None
    recipients = raw.get("recipients", [])
    if isinstance(recipients, str):
        recipients = [recipients]
    if (
        not isinstance(recipients, list)
        or not recipients
        or not all(isinstance(r, str) and "@" in r for r in recipients)
    ):
        raise ConfigError(f"{checker.path}: {where}.recipients: expected a list of email addresses")
    try:
        schedule = parse_schedule(checker.get(raw, where, "schedule", str, "immediate"))
    except ScheduleError as exc:
        raise ConfigError(f"{checker.path}: {where}.schedule: {exc}") from None
    return AlertConfig(
        name=name.strip(),
        query=query,
        recipients=tuple(recipients),
        schedule=schedule,
        rule=rule,
        backfill_days=checker.get(raw, where, "backfill_days", int, 0, _AT_LEAST_0),
        enabled=checker.get(raw, where, "enabled", bool, True),
    )


def _parse_crawl(checker: _Checker, raw: Mapping[str, Any]) -> CrawlConfig:
    defaults = CrawlConfig()
    types: dict[str, type | tuple[type, ...]] = {
        "user_agent": str,
        "obey_robots": bool,
        "concurrency": int,
        "per_host_concurrency": int,
        "delay": (int, float),
        "timeout": (int, float),
        "max_page_bytes": int,
        "max_listing_bytes": int,
        "max_article_age_days": int,
        "autothrottle": bool,
        "retries": int,
        "max_retry_after": (int, float),
        "extract_workers": int,
        "max_failures": int,
        "redis_url": str,
        "redis_prefix": str,
        "worker_timeout": (int, float),
    }
    checker.only_keys(raw, "crawl", set(types) | {"min_interval", "max_interval"})
    values = {
        key: checker.get(raw, "crawl", key, kind, getattr(defaults, key), _CRAWL_RANGES.get(key))
        for key, kind in types.items()
    }
    values["delay"] = float(values["delay"])
    values["timeout"] = float(values["timeout"])
    values["max_retry_after"] = float(values["max_retry_after"])
    values["worker_timeout"] = float(values["worker_timeout"])
    redis_url = values["redis_url"]
    if redis_url is not None and not re.match(r"^(rediss?|unix)://\S+$", redis_url):
        raise ConfigError(
            f"{checker.path}: crawl.redis_url: expected a redis://, rediss:// or unix:// URL, "
            f"got {redis_url!r}"
        )
    if not re.fullmatch(r"[\w.-]+", values["redis_prefix"]):
        raise ConfigError(
            f"{checker.path}: crawl.redis_prefix: expected letters, digits, '.', '-' or '_', "
            f"got {values['redis_prefix']!r}"
        )
    values["min_interval"] = checker.duration(raw, "crawl", "min_interval", defaults.min_interval)
    values["max_interval"] = checker.duration(raw, "crawl", "max_interval", defaults.max_interval)
    if values["max_interval"] < values["min_interval"]:
        raise ConfigError(
            f"{checker.path}: crawl.max_interval: expected at least min_interval "
            f"({_seconds(values['min_interval'])}), got {_seconds(values['max_interval'])}"
        )
    return CrawlConfig(**values)


def _parse_health(checker: _Checker, raw: Mapping[str, Any]) -> HealthConfig:
    checker.only_keys(raw, "health", {"recipients", "health_after", "failed_runs"})
    defaults = HealthConfig()
    recipients = raw.get("recipients", [])
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or not all(
        isinstance(r, str) and "@" in r for r in recipients
    ):
        raise ConfigError(f"{checker.path}: health.recipients: expected a list of email addresses")
    return HealthConfig(
        recipients=tuple(recipients),
        health_after=checker.duration(raw, "health", "health_after", defaults.health_after),
        failed_runs=checker.get(
            raw, "health", "failed_runs", int, defaults.failed_runs, _AT_LEAST_1
        ),
    )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(value: float) -> str:
    for unit in ("d", "h", "m"):
        if value >= _UNIT_SECONDS[unit] and value % _UNIT_SECONDS[unit] == 0:
            return f"{int(value // _UNIT_SECONDS[unit])}{unit}"
    return f"{value:g}s"


def _parse_source(checker: _Checker, index: int, raw: Any) -> SourceConfig:
    name, where = checker.named_table(
        raw,
        "sources",
        index,
        {
            "name",
            "language",
            "feeds",
            "sitemaps",
            "pages",
            "follow",
            "enabled",
            "require",
            "timezone",
        },
    )
    language = _source_language(checker, raw, where)
    feeds = checker.url_list(raw, where, "feeds")
    sitemaps = checker.url_list(raw, where, "sitemaps")
    pages = checker.url_list(raw, where, "pages")
    follow_raw = checker.get(raw, where, "follow", str, None)
    follow = None
    if follow_raw is not None:
        try:
            follow = re.compile(follow_raw)
        except re.error as exc:
            raise ConfigError(
                f"{checker.path}: {where}.follow: not a valid regular expression: {exc}"
            ) from None
    if pages and follow is None:
        raise ConfigError(
            f"{checker.path}: {where}.follow: expected a regex for article links, "
            "because the source has section pages"
        )
    if not (feeds or sitemaps or pages):
        raise ConfigError(
            f"{checker.path}: {where}: expected at least one URL in feeds, sitemaps or pages"
        )
    require = checker.get(raw, where, "require", str, None)
    require_rules = None
    if require is not None:
        try:
            require_rules = RuleSet([Rule.parse("require", require)])
        except QuerySyntaxError as exc:
            raise ConfigError(f"{checker.path}: {where}.require: {exc}") from None
    return SourceConfig(
        require=require,
        require_rules=require_rules,
        timezone=_source_timezone(checker, raw, where),
        name=name.strip(),
        language=language,
        feeds=feeds,
        sitemaps=sitemaps,
        pages=pages,
        follow=follow,
        enabled=checker.get(raw, where, "enabled", bool, True),
    )


def _source_language(checker: _Checker, raw: Any, where: str) -> str | None:
    value = checker.get(raw, where, "language", str, None)
    if value is None:
        return None
    language = language_code(value)
    if language is None:
        raise ConfigError(
            f"{checker.path}: {where}.language: expected a language code such as de, en or "
            f"zh, got {value!r}"
        )
    return language


def _source_timezone(checker: _Checker, raw: Any, where: str) -> tzinfo:
    """The zone of the times a source writes without one: many sites write local time
    in their sitemaps, JSON listings and pages (UTC when not configured)."""
    name = checker.get(raw, where, "timezone", str, None)
    return UTC if name is None else _time_zone(name, f"{checker.path}: {where}.timezone")


def _time_zone(name: str, where: str) -> tzinfo:
    """An IANA time zone by name; a ConfigError that says `where` for an unknown one."""
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise ConfigError(
            f"{where}: unknown time zone {name!r} (expected e.g. Europe/Berlin, "
            "Asia/Shanghai or UTC)"
        ) from None


def _resolve_sqlite_url(url: str, folder: Path) -> str:
    """Relative SQLite paths resolve against the config file's folder, not the cwd."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:":
        return url
    db_path = Path(url[len(prefix) :])
    if db_path.is_absolute():
        return url
    return prefix + str((folder / db_path).resolve())


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def only_keys(self, table: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                dotted = f"{where}.{key}" if where else key
                raise ConfigError(
                    f"{self.path}: {dotted}: unknown key (expected one of: "
                    f"{', '.join(sorted(allowed))})"
                )

    def named_table(self, raw: Any, array: str, index: int, allowed: set[str]) -> tuple[str, str]:
        """An entry of an array of tables ([[sources]], [[alerts]]) with a name: returns
        the name and how messages refer to the entry, e.g. `sources[2] (heise)`."""
        where = f"{array}[{index}]"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{self.path}: {where}: expected a table")
        name = self.get(raw, where, "name", str, None)
        if not name or not name.strip():
            raise ConfigError(f"{self.path}: {where}.name: expected a non-empty string")
        where = f"{where} ({name})"
        self.only_keys(raw, where, allowed)
        return name, where

    def table(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self.path}: {key}: expected a table ([{key}])")
        return value

    def get(
        self,
        table: Mapping[str, Any],
        where: str,
        key: str,
        kind: type | tuple[type, ...],
        default: Any,
        within: _Range | None = None,
    ) -> Any:
        if key not in table:
            return default
        value = table[key]
        # bool is an int subclass in Python; TOML keeps them apart, and so do we.
        wrong_bool = isinstance(value, bool) and kind is not bool
        if wrong_bool or not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise ConfigError(
                f"{self.path}: {where}.{key}: expected {_friendly(names)}, "
                f"got {type(value).__name__} {value!r}"
            )
        # ranges are given for numeric kinds only, which the check above has just enforced
        if within is not None and not within.admits(cast(float, value)):
            number = "a whole number" if kind is int else "a number"
            raise ConfigError(
                f"{self.path}: {where}.{key}: expected {number} {within}, got {value!r}"
            )
        return value

    def duration(self, table: Mapping[str, Any], where: str, key: str, default: float) -> float:
        """Seconds, from a number of seconds or a string such as "90s", "10m", "6h", "3d"."""
        if key not in table:
            return default
        value = table[key]
        seconds: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = float(value)
        elif isinstance(value, str) and (match := _DURATION.match(value)):
            seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if seconds is None or not math.isfinite(seconds) or seconds <= 0:
            raise ConfigError(
                f"{self.path}: {where}.{key}: expected a duration above 0 such as "
                f'"10m", "6h", "3d" or a number of seconds, got {value!r}'
            )
        return seconds

    def url_list(self, table: Mapping[str, Any], where: str, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.path}: {where}.{key}: expected a list of URLs")
        for url in value:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ConfigError(f"{self.path}: {where}.{key}: {url!r} is not an http(s) URL")
        return tuple(value)


def _friendly(names: str) -> str:
    return (
        names.replace("str", "a string")
        .replace("bool", "true or false")
        .replace("int", "a whole number")
        .replace("float", "a number")
    )
