"""Jobs the CLI runs: a crawl with its progress display, under the run lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout
from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

from chipwatch.config import Config
from chipwatch.errors import AppError
from crawler.runner import CrawlReport, Progress, run_crawl


class RunLocked(AppError):
    """Another chipwatch run holds the lock."""


@contextmanager
def locked(config: Config) -> Iterator[None]:
    """One run at a time per config. The OS releases the lock when its holder dies, so a
    killed run never blocks the next one."""
    lock = FileLock(config.lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RunLocked(
            f"chipwatch: another run is in progress (lock {config.lock_path}); leaving."
        ) from None
    try:
        yield
    finally:
        lock.release()


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
