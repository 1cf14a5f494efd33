"""Jobs the CLI runs: a crawl with its progress display, under the run lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError

from chipwatch.config import Config
from chipwatch.errors import AppError
from crawler.runner import CrawlReport, Progress, run_crawl
from storage import describe_db_error, display_url, make_engine
from storage.locks import LockTimeout, run_lock


class RunLocked(AppError):
    """Another chipwatch run holds the lock."""


@contextmanager
def locked(config: Config) -> Iterator[None]:
    """One run at a time per database, whichever config names it: a lock file beside
    an SQLite file, an advisory lock in PostgreSQL. Either is released when its holder
    dies, so a killed run never blocks the next one."""
    engine = make_engine(config.database_url)
    with ExitStack() as held:
        held.callback(engine.dispose)
        try:
            held.enter_context(run_lock(engine, timeout=0))
        except LockTimeout as exc:
            raise RunLocked(f"chipwatch: another run is in progress ({exc}); leaving.") from None
        except SQLAlchemyError as exc:
            raise AppError(
                f"{display_url(config.database_url)}: cannot take the run lock: "
                f"{describe_db_error(exc)}"
            ) from None
        yield


def crawl_job(
    config: Config,
    sources: list[str] | None,
    *,
    spider: str = "news",
    interactive: bool,
    verbose: bool,
    console: Console,
    worker: str | None = None,
    log_name: str = "chipwatch.log",
    due_only: bool = False,
) -> CrawlReport:
    log_file = None if verbose else config.folder / log_name
    if not interactive:
        return run_crawl(
            config.crawl_job,
            sources,
            spider=spider,
            log_file=log_file,
            worker=worker,
            due_only=due_only,
        )
    with RichProgress(
        SpinnerColumn(),
        TextColumn("[bold]crawling[/bold] {task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting…", total=None)

        def show(progress: Progress) -> None:
            bar.update(
                task,
                description=(
                    f"{progress.responses} responses · {progress.articles} articles · "
                    f"{progress.skipped} skipped"
                ),
            )

        return run_crawl(
            config.crawl_job,
            sources,
            spider=spider,
            log_file=log_file,
            on_progress=show,
            worker=worker,
            due_only=due_only,
        )
