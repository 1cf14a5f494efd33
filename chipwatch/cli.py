"""The `chipwatch` command: a thin layer over the crawler and storage.

Errors are caught once, here, and printed as one line (`Error: …`, exit 1). Under cron
(no terminal) a successful run prints nothing.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from analysis.errors import ChipwatchError
from chipwatch import __version__
from chipwatch.config import Config, load_config, resolve_config_path
from chipwatch.exporting import export_articles, parse_since
from chipwatch.jobs import RunLocked, crawl_job, locked
from chipwatch.reports import crawl_summary_lines, render_alert_stats, render_stats
from chipwatch.starter import starter_config
from storage import (
    Article,
    SchemaError,
    SearchSyntaxError,
    StorageError,
    create_if_missing,
    describe_db_error,
    last_runs,
    open_database,
    require_current,
    rule_statuses,
    schema_status,
    search,
    source_summaries,
    upgrade,
)
from storage import reindex as reindex_articles

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

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

# Exit statuses (README, "Exit status"): 0 done; 1 an error (bad config, database,
# query); 2 a usage error; 3 the run went through but could not store, record or log
# everything (nothing is lost: what was not stored is fetched again next run);
# 75 another run holds the lock (EX_TEMPFAIL, try again later); 130 interrupted.
EXIT_RUN_FAILED = 3
EXIT_LOCKED = 75


class SpiderName(StrEnum):
    news = "news"
    feeds = "feeds"
    sitemaps = "sitemaps"
    pages = "pages"


class State:
    config_path: Path | None = None


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
    return load_config(state.config_path)


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
    force: Annotated[bool, typer.Option(help="Overwrite an existing config file.")] = False,
) -> None:
    """Write a starter chipwatch.toml with real AI-chip news sources and create the database."""
    path = resolve_config_path(state.config_path)
    if path.exists() and not force:
        out.print(f"{path} exists; keeping it (use --force to overwrite).")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(starter_config(), encoding="utf-8")
        out.print(f"Wrote {path}")
    config = load_config(path)
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
) -> None:
    """Crawl the configured sources once and store new articles."""
    _crawl(source, spider.value, verbose)


@app.command()
def run(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log to stderr.")] = False,
) -> None:
    """What cron calls: crawl every enabled source, then evaluate alerts and send what is
    due, under one lock."""
    config = _config()
    with locked(config):
        _ready_to_crawl(config)
        errors = _crawl_locked(config, None, "news", verbose)
        # Alerts still go out for what was stored: a storage failure in the crawl must
        # not hold back alerts that are already queued.
        _alerts_locked(config, dry=False)
    _fail_on(errors)


def _crawl(sources: list[str] | None, spider: str, verbose: bool) -> None:
    config = _config()
    config.select_sources(sources)  # fail on an unknown name before taking the lock
    with locked(config):
        _ready_to_crawl(config)
        errors = _crawl_locked(config, sources, spider, verbose)
    _fail_on(errors)


def _crawl_locked(
    config: Config, sources: list[str] | None, spider: str, verbose: bool
) -> list[str]:
    """Run the crawl and print its summary; return the failures of the run itself."""
    interactive = sys.stdout.isatty()
    report = crawl_job(
        config, sources, spider=spider, interactive=interactive, verbose=verbose, console=err
    )
    lines = crawl_summary_lines(report)
    if interactive:
        for line in lines.overview:
            out.print(line)
    if lines.problems:
        for line in lines.problems:
            err.print(_esc(line))
    return report.errors


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
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
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
        err.print(f"Exported {count} articles to {output}")


@app.command()
def stats(
    runs: Annotated[int, typer.Option(help="Sum the counters of the last N runs.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Per source: requests, 304s, new articles, skipped (by reason), errors (by kind)."""
    config = _ready(_config())
    sessions = open_database(config.database_url)
    with sessions() as session:
        summaries = source_summaries(session, [s.name for s in config.sources], runs=runs)
        recent = last_runs(session, limit=1)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        **s.__dict__,
                        "last_new_article": s.last_new_article.isoformat()
                        if s.last_new_article
                        else None,
                    }
                    for s in summaries
                ],
                ensure_ascii=False,
            )
        )
        return
    for line in render_stats(summaries, recent[0] if recent else None):
        out.print(_esc(line))
    with sessions() as session:
        statuses = rule_statuses(session, [a.name for a in config.alerts])
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
        _alerts_locked(_ready(config), dry=False)


def _alerts_locked(config: Config, *, dry: bool) -> None:
    from alerts.service import dry_run as alerts_dry_run
    from alerts.service import run_alerts

    sessions = open_database(config.database_url)
    if dry:
        for rule, hits in alerts_dry_run(sessions, config.alerts, datetime.now(UTC)).items():
            out.print(f"[bold]{_esc(rule)}[/bold]: {len(hits)} new match(es)")
            for article, match in hits:
                out.print(
                    f"  {_esc(article.title or article.url)} ({_esc(article.source)}) "
                    f"— {_esc(', '.join(match.matched))}"
                )
        return
    report = run_alerts(sessions, config.alerts, config.email, datetime.now(UTC))
    delivery = report.delivery
    if sys.stdout.isatty():
        out.print(
            f"Alerts: {report.evaluated} articles evaluated, "
            f"{sum(report.new_matches.values())} new matches, {report.queued} messages queued, "
            f"{delivery.sent} sent, {delivery.written} written to {config.email.outbox_dir}, "
            f"{delivery.retrying} waiting for retry, {delivery.failed} failed."
        )
    for error in dict.fromkeys(delivery.errors):
        err.print(f"chipwatch alerts: {_esc(error)}")


@alerts_app.command("test")
def alerts_test(
    query: Annotated[str, typer.Argument(help="A rule query, e.g. 'nvidia AND h20'.")],
    since: Annotated[
        str, typer.Option(help="Articles fetched since: 30d, 12h, 2026-11-01.")
    ] = "30d",
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per matching article.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many articles listed.")] = 20,
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
    newest = hits[::-1][: max(limit, 0)]
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
            f"  • {_esc(article.title or article.url)} [{_esc(article.source)}] "
            f"— {_esc(', '.join(match.matched))}"
        )


@alerts_app.command("list")
def alerts_list() -> None:
    """The configured rules with their last match and pending counts."""
    config = _ready(_config())
    sessions = open_database(config.database_url)
    with sessions() as session:
        statuses = {s.name: s for s in rule_statuses(session, [a.name for a in config.alerts])}
    if not config.alerts:
        out.print("No [[alerts]] configured.")
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
    (after an upgrade that changed it). Batched and resumable: an interrupted reindex
    keeps what it did."""
    config = _ready(_config())
    with locked(config):
        engine = open_database(config.database_url).kw["bind"]
        if not sys.stdout.isatty():
            done = reindex_articles(engine, batch=max(batch, 1))
        else:
            with RichProgress(
                TextColumn("[bold]reindexing[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("articles", total=None)

                def show(count: int, total: int) -> None:
                    bar.update(task, completed=count, total=total)

                done = reindex_articles(engine, batch=max(batch, 1), progress=show)
        if sys.stdout.isatty() or done:
            out.print(f"Reindexed {done} article(s).")


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
def sources_list() -> None:
    """List the configured sources and their listing URLs."""
    config = _config()
    for source in config.sources:
        flag = "" if source.enabled else " (disabled)"
        out.print(f"[bold]{_esc(source.name)}[/bold] [{source.language or '?'}]{flag}")
        for url in source.listing_urls:
            out.print(f"  {url}")


@sources_app.command("check")
def sources_check(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
) -> None:
    """Fetch each listing once and report what it is (feed type, item count) or why it fails."""
    from crawler.runner import check_sources

    config = _config()
    results = check_sources(config.crawl_job, source)
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


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def main() -> None:
    try:
        app()
    except RunLocked as exc:
        err.print(str(exc))
        sys.exit(EXIT_LOCKED)
    except ChipwatchError as exc:  # the whole tree: see analysis/errors.py
        err.print(f"Error: {_esc(str(exc))}")
        sys.exit(1)
    except SQLAlchemyError as exc:  # locked, read-only, damaged or unreachable database
        err.print(f"Error: database: {_esc(describe_db_error(exc))}")
        sys.exit(1)
    except OSError as exc:  # a file we must write: the lock, an export, the outbox
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"Error: {_esc(where + (exc.strerror or str(exc)))}")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(130)
