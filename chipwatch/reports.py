"""Plain-text summaries for the terminal and for cron mail."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawler.runner import CrawlReport
from storage import CrawlRun, ListingSchedule, RuleStatus, SourceSummary

if TYPE_CHECKING:  # alerts.health brings the mail templates (jinja2): not for `crawl`
    from alerts.health import Diagnosis


@dataclass
class SummaryLines:
    overview: list[str] = field(default_factory=list)  # for a terminal
    problems: list[str] = field(default_factory=list)  # for everyone, cron included


def crawl_summary_lines(report: CrawlReport) -> SummaryLines:
    lines = SummaryLines()
    lines.overview.append(
        f"Crawl {report.status} in {report.seconds:.1f} s: {report.new_articles} new articles "
        f"from {len(report.sources)} sources."
    )
    unreachable = report.unreachable_sources()
    for name, c in report.sources.items():
        if name in unreachable:
            lines.problems.append(f"{name}: unreachable ({c.last_error or _kinds(c.errors)})")
        elif c.last_error:
            lines.problems.append(f"{name}: {c.last_error}")
    if report.status == "shutdown":
        lines.problems.append(
            "crawl interrupted: what was stored is kept; the next run asks for the rest"
        )
    elif report.status not in ("finished", "storage_error"):  # storage: see report.errors
        lines.problems.append(f"crawl ended early: {report.status}")
    if lines.problems:
        lines.problems.insert(
            0, f"chipwatch crawl: {len(lines.problems)} problem(s); details: `chipwatch stats`"
        )
    return lines


def render_stats(
    summaries: list[SourceSummary],
    last_run: CrawlRun | None,
    *,
    schedules: Sequence[ListingSchedule] = (),
    diagnoses: Mapping[str, Diagnosis] | None = None,
) -> Iterator[str]:
    if last_run is None:
        yield "No crawl has run yet."
    else:
        status = (
            "interrupted (or still running)" if last_run.status == "running" else last_run.status
        )
        started = f"{last_run.started_at:%Y-%m-%d %H:%M} UTC"
        yield f"Last run #{last_run.id}: started {started}, {status}."
        counters = last_run.counters or {}
        if storage := counters.get("chipwatch_storage_error"):
            failures = counters.get("chipwatch_storage_failures", 1)
            yield f"  storage problem ({failures}x): {storage}"
        elif retried := counters.get("chipwatch_storage_retries"):
            yield f"  storage: {retried} batch write(s) failed and succeeded on retry"
    for s in summaries:
        last_new = f"{s.last_new_article:%Y-%m-%d %H:%M} UTC" if s.last_new_article else "never"
        yield ""
        yield f"{s.source}: {s.articles_total} articles stored, last new article {last_new}"
        yield (
            f"  requests {s.requests} · 304 not modified {s.not_modified} · "
            f"new articles {s.new_articles}"
        )
        yield f"  skipped: {_kinds(s.skipped) or 'none'}"
        yield f"  errors: {_kinds(s.errors) or 'none'}"
        if s.errors and s.last_error:
            yield f"  last error: {s.last_error}"
        diagnosis = (diagnoses or {}).get(s.source)
        if diagnosis is not None:
            yield from _health_lines(diagnosis)
        for listing in (x for x in schedules if x.source == s.source):
            yield f"  {listing.kind} {listing.url}"
            yield (
                f"    every {duration(listing.interval)} · last change {_at(listing.last_change)}"
                f" · next fetch {_at(listing.next_fetch)}"
                + (f" · {listing.failures} failure(s) in a row" if listing.failures else "")
            )
            if listing.problem:
                yield f"    problem: {listing.problem}: {listing.problem_detail or ''}".rstrip()


def _health_lines(diagnosis: Diagnosis) -> Iterator[str]:
    if not diagnosis.problems:
        yield "  health: ok"
        return
    alarm = f" (mail-worthy: {diagnosis.why})" if diagnosis.alarm else ""
    yield f"  health: {', '.join(p.name for p in diagnosis.problems)}{alarm}"
    for problem in diagnosis.problems:
        yield f"    {problem.name}: {problem.title}: {problem.detail}"


def health_json(diagnosis: Diagnosis) -> dict[str, Any]:
    return {
        "ok": not diagnosis.problems,
        "alarm": diagnosis.alarm.name if diagnosis.alarm else None,
        "why": diagnosis.why or None,
        "problems": [
            {"name": p.name, "title": p.title, "detail": p.detail} for p in diagnosis.problems
        ],
    }


def schedule_json(listing: ListingSchedule) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "url": listing.url,
        "kind": listing.kind,
        "interval_seconds": listing.interval,
        "fetches": listing.fetches,
        "failures": listing.failures,
        "items": listing.items,
        "last_fetch": iso(listing.last_fetch),
        "last_change": iso(listing.last_change),
        "next_fetch": iso(listing.next_fetch),
        "problem": listing.problem,
        "problem_detail": listing.problem_detail,
    }


def duration(seconds: float) -> str:
    """10m, 1h30m, 2d4h: the two largest units."""
    total = round(seconds)
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size or (unit == "s" and not parts):
            parts.append(f"{total // size}{unit}")
            total %= size
    return "".join(parts[:2])


def _at(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def render_alert_stats(statuses: list[RuleStatus]) -> Iterator[str]:
    if not statuses:
        return
    yield ""
    yield "Alerts:"
    for s in statuses:
        last = f"{s.last_match_at:%Y-%m-%d %H:%M} UTC" if s.last_match_at else "never"
        yield (
            f"  {s.name}: {s.matches_total} matches (last {last}) · {s.pending_matches} pending"
            f" · {s.queued_messages} queued · {s.failed_messages} failed"
        )
        if s.last_error:
            yield f"    last delivery problem: {s.last_error}"
