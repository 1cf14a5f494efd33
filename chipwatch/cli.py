"""The `chipwatch` command: a thin layer over the crawler and storage.

Errors are caught once, here, and printed as one line (`Error: …`, exit 1). Under cron
(no terminal) a successful run prints nothing.
"""

from __future__ import annotations

import gc
import inspect
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from analysis.errors import ChipwatchError
from chipwatch import __version__
from chipwatch.config import Config, load_config, resolve_config_path
from chipwatch.entity_tagging import BadLine, tag_lines
from chipwatch.errors import AppError
from chipwatch.exporting import export_articles, parse_since
from chipwatch.importing import import_lines
from chipwatch.jobs import RunLocked, crawl_job, locked
from chipwatch.listing import entity_counts, list_stories
from chipwatch.reports import (
    crawl_summary_lines,
    health_json,
    render_alert_stats,
    render_stats,
    schedule_json,
)
from chipwatch.starter import starter_config
from chipwatch.workers import require_frontier, run_workers
from storage import (
    Article,
    SchemaError,
    SearchSyntaxError,
    StorageError,
    create_if_missing,
    describe_db_error,
    display_url,
    last_runs,
    listing_schedules,
    open_database,
    queued_messages,
    require_current,
    rule_statuses,
    schema_status,
    search,
    source_summaries,
    upgrade,
)
from storage import reindex as reindex_articles

if TYPE_CHECKING:
    from storage.stage import StageReport

T = TypeVar("T")

app = typer.Typer(
    help="chipwatch: a self-hosted news monitor for AI chips.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="Inspect the configured sources.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
alerts_app = typer.Typer(help="Alert rules: evaluate and send, back-test, list.")
app.add_typer(alerts_app, name="alerts")
db_app = typer.Typer(
    help="The database schema: where it is, and the migrations that bring it up to date.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
entities_app = typer.Typer(help="AI-chip entities: tag text with the entity registry.")
app.add_typer(entities_app, name="entities")

out = Console(highlight=False, soft_wrap=True)
JSON_HELP = "One JSON object per line."
err = Console(stderr=True, highlight=False, soft_wrap=True)

# Exit statuses (README, "Exit status"): 0 done; 1 an error (bad config, database,
# query); 2 a usage error; 3 the run went through but could not store, record or log
# everything (nothing is lost: what was not stored is fetched again next run);
# 75 another run holds the lock (EX_TEMPFAIL, try again later); 130 interrupted.
EXIT_RUN_FAILED = 3
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a job stopped by Ctrl-C


class ImportFileError(AppError):
    """The file to import cannot be read."""


class SpiderName(StrEnum):
    news = "news"
    feeds = "feeds"
    sitemaps = "sitemaps"
    pages = "pages"


class State:
    config_path: Path | None = None
    database_url: str | None = None  # once the config is read: named in database errors


state = State()


def _version(value: bool) -> None:
    if value:
        out.print(f"chipwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file (default: $CHIPWATCH_CONFIG or ./chipwatch.toml).",
            envvar="CHIPWATCH_CONFIG",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    state.config_path = config


def _config() -> Config:
    config = load_config(state.config_path)
    state.database_url = config.database_url
    return config


def _ready(config: Config) -> Config:
    """The config, once its database is known to be at this chipwatch's schema revision
    (otherwise SchemaError: one line naming both revisions and `chipwatch db upgrade`)."""
    require_current(config.database_url)
    return config


def _ready_to_crawl(config: Config) -> None:
    """Like `_ready`, but an SQLite file that does not exist yet is a fresh install: it is
    created through the migrations. An existing database is never migrated here.

    A database that cannot be read at all (locked, read-only, disk full) is not refused
    here: the crawl's store stage meets the same fault and fails the run with it (exit
    3, `Error: storage: …`), keeping what it could not store for the next run."""
    try:
        created = create_if_missing(config.database_url)
        require_current(config.database_url)
    except SchemaError:
        raise
    except (SQLAlchemyError, StorageError):
        return
    if created is not None and sys.stdout.isatty():
        out.print(_esc(created.describe()))


@app.command()
def init(
    force: Annotated[
        bool, typer.Option(help="Replace an existing config file (kept as a .bak file).")
    ] = False,
) -> None:
    """Write a starter chipwatch.toml with real AI-chip news sources and create the database."""
    path = resolve_config_path(state.config_path)
    if path.exists() and not force:
        out.print(f"{_esc(str(path))} exists; keeping it (use --force to replace it).")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():  # an edited config is never lost
            backup = _free_name(path.with_name(path.name + ".bak"))
            path.replace(backup)
            out.print(f"Kept the old config as {_esc(str(backup))}")
        path.write_text(starter_config(), encoding="utf-8")
        out.print(f"Wrote {_esc(str(path))}")
    config = _config()  # the file just kept or written
    out.print(_esc(upgrade(config.database_url).describe()))
    out.print("Next: `chipwatch sources check`, then `chipwatch run`.")


@app.command()
def crawl(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    spider: Annotated[
        SpiderName, typer.Option(help="news (all listings), feeds, sitemaps or pages.")
    ] = SpiderName.news,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log to stderr.")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Crawl with N worker processes sharing \\[crawl] redis_url's frontier."
        ),
    ] = 1,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker",
            help="Join the shared crawl as one worker (no run lock: start one on each "
            "machine, or several here with --name).",
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(help="This worker's name, in its log file name: chipwatch-worker-NAME.log."),
    ] = None,
    due: Annotated[
        bool,
        typer.Option("--due", help="Only the listings whose next fetch has come, as `run` does."),
    ] = False,
) -> None:
    """Crawl the configured sources once and store new articles (every listing, due or
    not, unless --due)."""
    if workers > 1 and worker:
        raise typer.BadParameter("--workers and --worker exclude each other")
    if workers > 1:
        _crawl_workers(source, spider.value, verbose, workers)
    elif worker:
        _crawl_worker(source, spider.value, verbose, name)
    else:
        _crawl(source, spider.value, verbose, due)


@app.command()
def run(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log to stderr.")] = False,
) -> None:
    """What cron calls: crawl the enabled sources' listings that are due, check the
    sources' health, then evaluate alerts and send what is due, under one lock."""
    config = _config()
    with locked(config):
        _ready_to_crawl(config)
        # Only the listings that are due: cron may call this every few minutes, and each
        # listing is fetched as often as it changes (storage/polling.py).
        errors = _crawl_locked(config, None, "news", verbose, due_only=True)
        # Alerts still go out for what was stored: a storage failure in the crawl must
        # not hold back alerts that are already queued.
        _analyse_locked(config)
        errors += _health_locked(config)
        _alerts_locked(config, dry=False)  # delivers the health emails too
    _fail_on(errors)


def _crawl(sources: list[str] | None, spider: str, verbose: bool, due: bool) -> None:
    config = _config()
    config.select_sources(sources)  # fail on an unknown name before taking the lock
    with locked(config):
        _ready_to_crawl(config)
        errors = _crawl_locked(config, sources, spider, verbose, due_only=due)
    _fail_on(errors)


def _crawl_workers(sources: list[str] | None, spider: str, verbose: bool, count: int) -> None:
    """N local workers under this config's run lock; the exit status is the worst of
    theirs."""
    config = _config()
    config.select_sources(sources)
    from crawler.frontier import connect  # redis: only for a shared frontier

    connect(require_frontier(config, "--workers"))  # one error line here, not N
    with locked(config):
        _ready_to_crawl(config)  # create the SQLite file once, before the workers race
        results = run_workers(config.path, count, sources, spider, verbose)
    if sys.stdout.isatty():
        for result in results:
            out.print(f"worker {result.name}: exit {result.exit_code}")
    worst = max(results, key=lambda r: (r.exit_code != 0, r.exit_code))
    if worst.exit_code:
        raise typer.Exit(worst.exit_code)


def _crawl_worker(sources: list[str] | None, spider: str, verbose: bool, name: str | None) -> None:
    """One worker of the shared crawl. No run lock: workers of one config cooperate
    through Redis, and `--workers` holds the lock for its own."""
    config = _config()
    config.select_sources(sources)
    require_frontier(config, "--worker")
    _ready_to_crawl(config)
    log_name = f"chipwatch-worker-{name}.log" if name else "chipwatch-worker.log"
    _fail_on(_crawl_locked(config, sources, spider, verbose, worker=name, log_name=log_name))


def _crawl_locked(
    config: Config,
    sources: list[str] | None,
    spider: str,
    verbose: bool,
    *,
    worker: str | None = None,
    log_name: str = "chipwatch.log",
    due_only: bool = False,
) -> list[str]:
    """Run the crawl and print its summary; return the failures of the run itself."""
    interactive = sys.stdout.isatty()
    report = crawl_job(
        config,
        sources,
        spider=spider,
        interactive=interactive,
        verbose=verbose,
        console=err,
        worker=worker,
        log_name=log_name,
        due_only=due_only,
    )
    lines = crawl_summary_lines(report)
    if interactive:
        for line in lines.overview:
            out.print(line)
    if lines.problems:
        for line in lines.problems:
            err.print(_esc(line))
    if report.status == "shutdown":  # Ctrl-C or SIGTERM: stop here, `run` included
        for error in report.errors:
            err.print(f"Error: {_esc(error)}")
        raise typer.Exit(EXIT_INTERRUPTED)
    return report.errors


def _health_locked(config: Config) -> list[str]:
    """Diagnose each enabled source and queue the health emails that are due (the alert
    stage right after delivers them). A database failure here is an error of the run,
    which does not hold back the alerts."""
    from alerts.health import check_health

    sessions = open_database(config.database_url)
    try:
        report = check_health(
            sessions,
            [s.name for s in config.sources if s.enabled],
            config.health,
            config.email,
            datetime.now(UTC),
        )
    except (SQLAlchemyError, StorageError) as exc:
        return [f"storage: cannot check the sources' health: {describe_db_error(exc)}"]
    finally:
        sessions.kw["bind"].dispose()
    if sys.stdout.isatty() and (report.problems_mailed or report.recoveries_mailed):
        out.print(
            f"Health: {report.problems_mailed} problem(s) and "
            f"{report.recoveries_mailed} recovery(ies) to mail."
        )
    return []


def _fail_on(errors: list[str]) -> None:
    """A crawl that could not store, record its run or write its log has failed, even if
    every source answered: one line each, and EXIT_RUN_FAILED."""
    for error in errors:
        err.print(f"Error: {_esc(error)}")
    if errors:
        raise typer.Exit(EXIT_RUN_FAILED)


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help='Words, "phrases", AND/OR/NOT, -word, prefix*.')],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many results.")] = 20,
) -> None:
    """Full-text search over stored articles, newest first."""
    config = _ready(_config())
    sessions = open_database(config.database_url)
    with sessions() as session:
        hits = search(session, query, limit=limit)
        articles = {
            a.id: a
            for a in session.query(Article).filter(Article.id.in_([h.article_id for h in hits]))
        }
        for hit in hits:
            article = articles[hit.article_id]
            published = article.published_at.isoformat() if article.published_at else ""
            if as_json:
                out.print_json(
                    json.dumps(
                        {
                            "url": article.url,
                            "title": article.title,
                            "source": article.source,
                            "published": published,
                            "language": article.language,
                            "snippet": hit.snippet,
                        },
                        ensure_ascii=False,
                    ),
                    indent=None,
                )
                continue
            day = (
                article.published_at.strftime("%Y-%m-%d") if article.published_at else "????-??-??"
            )
            out.print(f"[bold]{_esc(article.title or article.url)}[/bold]")
            out.print(
                f"  {day} · {_esc(article.source)} · {article.language or '?'} · {article.url}"
            )
            out.print(f"  {_esc(hit.snippet)}")
    if not hits and not as_json:
        err.print("No matches.")


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",
    since: Annotated[
        str | None, typer.Option(help="Fetched on/after: 2026-11-01, or 7d / 12h ago.")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Export stored articles, one per line (JSONL) or row (CSV)."""
    config = _ready(_config())
    since_at = parse_since(since, now=datetime.now(UTC)) if since else None
    sessions = open_database(config.database_url)
    with sessions() as session:
        if output is None:
            count = export_articles(session, sys.stdout, format, since=since_at, sources=source)
        else:
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = export_articles(session, handle, format, since=since_at, sources=source)
    if output is not None and sys.stderr.isatty():
        err.print(f"Exported {count} articles to {_esc(str(output))}")


@app.command()
def stats(
    runs: Annotated[int, typer.Option(help="Sum the counters of the last N runs.")] = 1,
    as_json: Annotated[
        bool, typer.Option("--json", help=JSON_HELP + ' Sources, then alert rules ("type").')
    ] = False,
) -> None:
    """Per source: requests, 304s, new articles, skipped (by reason), errors (by kind),
    named problems and each listing's polling schedule; then each alert rule's matches
    and deliveries."""
    from alerts.health import check_health

    config = _ready(_config())
    sessions = open_database(config.database_url)
    names = [s.name for s in config.sources]
    with sessions() as session:
        summaries = source_summaries(session, names, runs=runs)
        recent = last_runs(session, limit=1)
        statuses = rule_statuses(session, [a.name for a in config.alerts])
        schedules = listing_schedules(session, names)
    # diagnosis only: without recipients nothing is queued or remembered
    diagnoses = {
        d.source: d
        for d in check_health(
            sessions, names, replace(config.health, recipients=()), config.email, datetime.now(UTC)
        ).diagnoses
    }
    if as_json:
        _print_jsonl(
            [
                {
                    "type": "source",
                    **s.__dict__,
                    "problems": health_json(diagnoses[s.source]),
                    "listings": [schedule_json(x) for x in schedules if x.source == s.source],
                }
                for s in summaries
            ]
            + [
                {"type": "alert", **s.__dict__, "query": a.query}
                for s, a in zip(statuses, config.alerts, strict=True)
            ]
        )
        return
    for line in render_stats(
        summaries, recent[0] if recent else None, schedules=schedules, diagnoses=diagnoses
    ):
        out.print(_esc(line))
    for line in render_alert_stats(statuses):
        out.print(_esc(line))


@alerts_app.callback(invoke_without_command=True)
def alerts(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; change nothing.")
    ] = False,
) -> None:
    """Evaluate the alert rules against new articles and send (or queue) what is due."""
    if ctx.invoked_subcommand is not None:
        return
    config = _config()
    if dry_run:
        _alerts_locked(_ready(config), dry=True)
        return
    with locked(config):
        _analyse_locked(_ready(config))
        _alerts_locked(config, dry=False)


def _alerts_locked(config: Config, *, dry: bool) -> None:
    from alerts.service import dry_run as alerts_dry_run
    from alerts.service import run_alerts

    sessions = open_database(config.database_url)
    if dry:
        now = datetime.now(UTC)
        with sessions() as session:  # what earlier runs left to send counts too
            statuses = {s.name: s for s in rule_statuses(session, [a.name for a in config.alerts])}
            outbox = queued_messages(session)
        for rule, hits in alerts_dry_run(sessions, config.alerts, now).items():
            waiting = statuses[rule].pending_matches
            out.print(
                f"[bold]{_esc(rule)}[/bold]: {len(hits)} new match(es)"
                + (f"; {waiting} earlier match(es) not sent yet" if waiting else "")
            )
            for article, match in hits:
                out.print(
                    f"  {_esc(article.title or article.url)} ({_esc(article.source)}) "
                    f"— {_esc(', '.join(match.matched))}"
                )
        if outbox:  # sent whatever their rule: a disabled or removed one's, health notices
            due = sum(1 for m in outbox if m.next_attempt_at <= now)
            out.print(
                f"Outbox: {len(outbox)} message(s) queued by earlier runs, {due} due now, "
                f"{len(outbox) - due} waiting to retry"
            )
            for message in outbox:
                when = (
                    "due now"
                    if message.next_attempt_at <= now
                    else f"retry after {message.next_attempt_at:%Y-%m-%d %H:%M} UTC"
                )
                out.print(
                    f"  {_esc(message.subject)} to {_esc(', '.join(message.recipients))} — {when}"
                )
        return
    report = run_alerts(sessions, config.alerts, config.email, datetime.now(UTC))
    delivery = report.delivery
    if sys.stdout.isatty():
        outbox_dir = _esc(str(config.email.outbox_dir))
        out.print(
            f"Alerts: {report.evaluated} articles evaluated, "
            f"{sum(report.new_matches.values())} new matches, {report.queued} messages queued, "
            f"{delivery.sent} sent, {delivery.written} written to {outbox_dir}, "
            f"{delivery.retrying} waiting for retry, {delivery.failed} failed."
        )
    for error in dict.fromkeys(delivery.errors):
        err.print(f"chipwatch alerts: {_esc(error)}")
    if delivery.retrying:
        err.print(
            f"chipwatch alerts: {delivery.retrying} message(s) kept; a later run sends them "
            "(`chipwatch alerts list` shows them)"
        )


@alerts_app.command("test")
def alerts_test(
    query: Annotated[str, typer.Argument(help="A rule query, e.g. 'nvidia AND h20'.")],
    since: Annotated[
        str, typer.Option(help="Articles fetched since: 30d, 12h, 2026-11-01.")
    ] = "30d",
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per matching article.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many articles listed.")] = 20,
) -> None:
    """Back-test a query on stored articles: what it would have matched, per day and
    source, and which word of each article matched which term."""
    from alerts.service import backtest
    from analysis.query import QuerySyntaxError

    config = _ready(_config())
    since_at = parse_since(since, now=datetime.now(UTC))
    try:
        hits = backtest(open_database(config.database_url), query, since_at)
    except QuerySyntaxError as exc:
        raise SearchSyntaxError(f"query: {exc}") from None
    newest = hits[::-1][:limit]
    if as_json:
        for article, match in newest:
            published = article.published_at.isoformat() if article.published_at else None
            record = {
                "url": article.url,
                "title": article.title,
                "source": article.source,
                "published": published,
                "language": article.language,
                "matched": list(match.matched),
            }
            out.print_json(json.dumps(record, ensure_ascii=False), indent=None)
        return
    per_day: dict[str, Counter[str]] = {}
    for article, _ in hits:
        moment = article.published_at or article.fetched_at
        per_day.setdefault(f"{moment:%Y-%m-%d}", Counter())[article.source] += 1
    out.print(f"{len(hits)} matching article(s) fetched since {since_at:%Y-%m-%d %H:%M} UTC")
    for day in sorted(per_day, reverse=True):
        sources = ", ".join(f"{_esc(s)} {n}" for s, n in per_day[day].most_common())
        out.print(f"  {day}: {sum(per_day[day].values())} — {sources}")
    for article, match in newest:
        out.print(
            f"  • {_esc(article.title or article.url)} \\[{_esc(article.source)}] "
            f"— {_esc(', '.join(match.matched))}"
        )


@alerts_app.command("list")
def alerts_list(
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """The configured rules with their last match and pending counts."""
    config = _ready(_config())
    sessions = open_database(config.database_url)
    with sessions() as session:
        statuses = {s.name: s for s in rule_statuses(session, [a.name for a in config.alerts])}
    if as_json:
        _print_jsonl(
            {
                **statuses[a.name].__dict__,
                "query": a.query,  # as configured: the stored one follows at the next run
                "enabled": a.enabled,
                "schedule": a.schedule.kind,
                "recipients": list(a.recipients),
            }
            for a in config.alerts
        )
        return
    if not config.alerts:
        out.print("No \\[\\[alerts]] configured.")
    for alert in config.alerts:
        status = statuses[alert.name]
        last = f"{status.last_match_at:%Y-%m-%d %H:%M} UTC" if status.last_match_at else "never"
        flag = "" if alert.enabled else " (disabled)"
        out.print(f"[bold]{_esc(alert.name)}[/bold]{flag}: {_esc(alert.query)}")
        out.print(
            f"  {alert.schedule.kind} to {', '.join(alert.recipients)} · last match {last} · "
            f"{status.matches_total} matches · {status.pending_matches} pending · "
            f"{status.queued_messages} queued · {status.failed_messages} failed"
        )
        if status.last_error:
            out.print(f"  last delivery error: {_esc(status.last_error)}")


@entities_app.callback(invoke_without_command=True)
def entities(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option(help="The period: since 2026-11-01, or the last 7d / 12h.")
    ] = "7d",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many entities.")] = 30,
) -> None:
    """AI-chip entities (companies, chips, software, agencies) in the stored articles:
    how many articles mention each in the period, against the period before it."""
    if ctx.invoked_subcommand is not None:
        return
    config = _ready(_config())
    now = datetime.now(UTC)
    start = parse_since(since, now=now)
    sessions = open_database(config.database_url)
    with sessions() as session:
        counts = entity_counts(session, start=start, end=now, limit=limit)
    for row in counts:
        if as_json:
            sys.stdout.write(json.dumps(row.as_json(), ensure_ascii=False) + "\n")
        else:
            out.print(
                f"{row.articles:6d}  {row.change_text:>7}  {_esc(row.name)} "
                f"[dim]({_esc(row.entity)}, {row.kind})[/dim]"
            )
    if not counts and sys.stdout.isatty() and not as_json:
        out.print(f"No entity mentions since {start:%Y-%m-%d %H:%M}.")


@entities_app.command("tag")
def entities_tag(
    file: Annotated[
        str,
        typer.Argument(
            help='Lines of text, or JSON objects with "text" (and "id", "language"); '
            "- reads standard input."
        ),
    ] = "-",
) -> None:
    """Tag each line: one JSON object per line, {"id", "entities": [...]}, each entity
    with its id, name, kind, org, the alias found, its span and the rule that let it in."""
    source = "stdin" if file == "-" else file
    try:
        stream = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise AppError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    bad = 0
    try:
        for result in tag_lines(stream):
            if isinstance(result, BadLine):
                bad += 1
                err.print(f"Error: {_esc(source)} line {result.number}: {_esc(result.reason)}")
            else:
                typer.echo(json.dumps(result, ensure_ascii=False))
    except UnicodeDecodeError as exc:
        raise AppError(f"{source}: not UTF-8 text ({exc.reason})") from exc
    finally:
        if stream is not sys.stdin:
            stream.close()
    if bad:
        raise typer.Exit(1)


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision and whether it is up to date (exit 1 if not)."""
    status = schema_status(_config().database_url)
    if not status.up_to_date:
        raise SchemaError(status.problem())
    out.print(_esc(status.describe()))


@app.command()
def reindex(
    batch: Annotated[int, typer.Option(help="Articles per committed batch.")] = 500,
) -> None:
    """Re-analyse stored articles whose analysis was made by another analyzer version
    (after an upgrade that changed it), and re-tag entities after a registry change.
    Batched and resumable: an interrupted reindex keeps what it did."""
    config = _ready(_config())
    with locked(config):
        engine = open_database(config.database_url).kw["bind"]
        size = max(batch, 1)
        done = _with_progress(
            "reindexing", lambda show: reindex_articles(engine, batch=size, progress=show)
        )
        if sys.stdout.isatty() or done:
            out.print(f"Reindexed {done} article(s).")
        _analyse_locked(config)


def _with_progress(label: str, work: Callable[[Callable[[int, int], None] | None], T]) -> T:
    """Run `work(progress)` with a progress bar on a terminal, silently under cron."""
    if not sys.stdout.isatty():
        return work(None)
    with RichProgress(
        TextColumn(f"[bold]{label}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("articles", total=None)

        def show(count: int, total: int) -> None:
            bar.update(task, completed=count, total=total)

        return work(show)


def _analyse_locked(config: Config) -> StageReport:
    """The analyse stage over what is stored and not yet analysed: entity tags,
    duplicates, stories. Alerts see articles only after it."""
    from storage.stage import analyse_pending  # imported here: `crawl` does not need it

    sessions = open_database(config.database_url)
    report = _with_progress("analysing", lambda show: analyse_pending(sessions, progress=show))
    if sys.stdout.isatty() and report.analysed:
        out.print(
            f"Analysed {report.analysed} article(s): {report.stories_opened} new stories, "
            f"{report.stories_joined} joined a story, "
            f"{report.exact_duplicates + report.near_duplicates} duplicates."
        )
    return report


@app.command("import")
def import_cmd(
    file: Annotated[
        str, typer.Argument(help="A JSON Lines file, or - for standard input.", metavar="FILE|-")
    ],
    source: Annotated[
        str, typer.Option(help="Source name for lines that do not name one.")
    ] = "import",
) -> None:
    """Import articles from other tools (news-please, trafilatura, an archive): one JSON
    object per line with url, title, text and optionally language, published, author,
    source. They are analysed (entities, duplicates, stories) like crawled ones; a bad
    line is reported with its number and the rest imported."""
    config = _config()
    with locked(config):
        created = create_if_missing(config.database_url)  # importing into a new archive
        if created is not None and sys.stdout.isatty():
            out.print(_esc(created.describe()))
        _ready(config)
        sessions = open_database(config.database_url)
        if file == "-":
            report = import_lines(sessions, sys.stdin, default_source=source)
        else:
            try:
                with Path(file).open(encoding="utf-8", errors="replace") as handle:
                    report = import_lines(sessions, handle, default_source=source)
            except OSError as exc:
                raise ImportFileError(f"{file}: {exc.strerror or exc}") from None
        _analyse_locked(config)
    for error in report.errors:
        err.print(f"chipwatch import: {_esc(file)}: {_esc(error)}")
    if sys.stdout.isatty() or report.errors:
        out.print(
            f"Imported {report.stored} new article(s) of {report.read} line(s); "
            f"{report.known} already stored, {len(report.errors)} bad line(s)."
        )
    if report.errors:
        raise typer.Exit(1)


@app.command("stories")
def stories_cmd(
    since: Annotated[
        str, typer.Option(help="Stories seen since: 2026-11-01, or 2d / 12h ago.")
    ] = "2d",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many stories.")] = 50,
) -> None:
    """List stories (one real-world event, in any language and from any source) with
    their articles, languages and first source, newest first."""
    config = _ready(_config())
    since_at = parse_since(since, now=datetime.now(UTC))
    sessions = open_database(config.database_url)
    with sessions() as session:
        listed = list_stories(session, since=since_at, limit=limit)
    for story in listed:
        if as_json:
            sys.stdout.write(json.dumps(story.as_json(), ensure_ascii=False) + "\n")
            continue
        languages = ", ".join(story.languages) or "?"
        out.print(
            f"[bold]{_esc(story.title or '(untitled)')}[/bold]  "
            f"[dim]#{story.id} · {story.first_seen:%Y-%m-%d %H:%M} · {len(story.articles)} "
            f"article(s) · {languages} · first: {_esc(story.first_source)}[/dim]"
        )
        for article in story.articles:
            copy = " (duplicate)" if article.duplicate_of else ""
            out.print(
                f"  {_esc(article.source)} ({article.language or '?'}){copy}: "
                f"{_esc(article.title or article.url)}"
            )
    if not listed and sys.stdout.isatty() and not as_json:
        out.print(f"No stories since {since_at:%Y-%m-%d %H:%M}.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations: create the schema, adopt a database made before migrations,
    or bring an older one up to date. Every row is kept."""
    config = _config()
    with locked(config):  # not while a run writes to it
        out.print(_esc(upgrade(config.database_url).describe()))


@db_app.command("copy")
def db_copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The database to copy into, e.g. postgresql+psycopg://cw@db.example/chipwatch "
            "(created at the current revision if empty).",
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Delete the rows the target already holds first."),
    ] = False,
    batch: Annotated[int, typer.Option(help="Rows per batch.")] = 1000,
) -> None:
    """Copy everything in the configured database (articles with their analysed forms,
    URL state, crawl runs, rules' watermarks, matches and outbox) into another one, e.g.
    an SQLite archive into PostgreSQL. Then point [database] url at the new one."""
    from storage.copy import copy_database

    config = _ready(_config())
    with locked(config):  # no run writes to the source meanwhile
        if not sys.stdout.isatty():
            report = copy_database(config.database_url, to, batch=max(batch, 1), replace=replace)
        else:
            with RichProgress(
                TextColumn("[bold]copying[/bold] {task.description}"),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("…", total=None)

                def show(table: str, rows: int) -> None:
                    bar.update(task, description=table, completed=rows)

                report = copy_database(
                    config.database_url, to, batch=max(batch, 1), replace=replace, progress=show
                )
        out.print(_esc(report.describe()))


@sources_app.command("list")
def sources_list(
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """List the configured sources and their listing URLs."""
    config = _config()
    if as_json:
        _print_jsonl(
            {
                "name": s.name,
                "language": s.language,
                "enabled": s.enabled,
                "feeds": list(s.feeds),
                "sitemaps": list(s.sitemaps),
                "pages": list(s.pages),
                "follow": s.follow.pattern if s.follow else None,
                "require": s.require,
                "timezone": str(s.timezone),
            }
            for s in config.sources
        )
        return
    for source in config.sources:
        flag = "" if source.enabled else " (disabled)"
        language = _esc(f"[{source.language or '?'}]")
        out.print(f"[bold]{_esc(source.name)}[/bold] {language}{flag}")
        for url in source.listing_urls:
            out.print(f"  {_esc(url)}")


@sources_app.command("check")
def sources_check(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Fetch each listing once and report what it is (feed type, item count) or why it fails."""
    from crawler.runner import check_sources

    config = _config()
    results = check_sources(config.crawl_job, source)
    if as_json:
        _print_jsonl(r.__dict__ for r in results)
        if not all(r.ok for r in results):
            raise typer.Exit(1)
        return
    table = Table("source", "kind", "status", "result", "url", box=None)
    for result in results:
        mark = "[green]ok[/green]" if result.ok else "[red]FAIL[/red]"
        table.add_row(
            _esc(result.source),
            result.kind,
            f"{mark} {result.status or '-'}",
            _esc(result.what),
            result.url,
        )
    out.print(table)
    failed = [r for r in results if not r.ok]
    out.print(f"{len(results) - len(failed)} of {len(results)} listings OK.")
    if failed:
        raise typer.Exit(1)


@app.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Keep the demo's config and database in this folder.")
    ] = None,
) -> None:
    """Crawl a local demo news site (127.0.0.1) end to end into a throwaway database."""
    from chipwatch.demo.runner import run_demo

    run_demo(out, keep)


def _print_jsonl(records: Iterable[dict[str, Any]]) -> None:
    """`--json`: one object per line, dates as ISO 8601."""
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False, default=_json_value) + "\n")


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, frozenset, set)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _free_name(path: Path) -> Path:
    """`path`, or `path.1`, `path.2`, … : the first that does not exist."""
    candidate, number = path, 0
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.{number}")
    return candidate


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _whole_help(app: typer.Typer) -> None:
    """Typer's rich help keeps a docstring's line breaks in the command list (a sentence
    broken mid-line) and reads `[database]` as a style tag (the word vanishes): each
    command's help is its docstring with paragraphs on one line each, escaped."""
    for command in app.registered_commands:
        doc = command.help or inspect.getdoc(command.callback) or ""
        paragraphs = (" ".join(paragraph.split()) for paragraph in doc.split("\n\n"))
        command.help = _esc("\n\n".join(paragraphs))
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _whole_help(group.typer_instance)


_whole_help(app)


def main() -> None:
    # What the imports built lives as long as the process: out of the cyclic collector's
    # sight, it is not walked again by every full collection of a crawl, nor at exit,
    # where walking it cost ~0.4 s of each cron run (the second freeze: what the command
    # built). Objects still go when their last reference does; files and databases are
    # closed by their owners, and atexit handlers (logging's flush) run as before. The
    # collector is back on (chipwatch/__main__.py keeps it off during the imports).
    gc.freeze()
    gc.enable()
    try:
        app()
    except RunLocked as exc:
        err.print(_esc(str(exc)))
        sys.exit(EXIT_LOCKED)
    except ChipwatchError as exc:  # the whole tree: see analysis/errors.py
        err.print(f"Error: {_esc(str(exc))}")
        sys.exit(1)
    except SQLAlchemyError as exc:  # locked, read-only, damaged or unreachable database
        where = f"database {display_url(state.database_url)}" if state.database_url else "database"
        err.print(f"Error: {_esc(where)}: {_esc(describe_db_error(exc))}")
        sys.exit(1)
    except OSError as exc:  # a file we must write: the lock, an export, the outbox
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"Error: {_esc(where + (exc.strerror or str(exc)))}")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(EXIT_INTERRUPTED)
    finally:
        gc.freeze()
