"""Holding a test server's answers until the test lets them go.

A test that strikes a crawl mid-way (a lock, a kill, Ctrl-C, a second run) must know the
crawl is mid-way when it strikes. Guessing it from elapsed time breaks on a slow or busy
machine; holding one answer guarantees it: the crawl cannot finish while its request
waits here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from chipwatch.demo.server import LoggedRequest, NewsServer
from chipwatch.demo.site import ARTICLE_PATH_RE


@dataclass
class Gate:
    arrived: threading.Event = field(default_factory=threading.Event)  # a held request came
    opened: threading.Event = field(default_factory=threading.Event)

    def open(self) -> None:
        """Let the held answers go, and every later one at once."""
        self.opened.set()


@contextmanager
def held_answers(
    server: NewsServer, holds: Callable[[LoggedRequest], bool], *, at_most: float = 60.0
) -> Iterator[Gate]:
    """Inside, the answer to each request that `holds` picks waits until the gate opens
    (or `at_most` seconds, so a failed test cannot hang the server). Leaving opens it."""
    record = server.record
    gate = Gate()

    def holding(entry: LoggedRequest) -> None:
        record(entry)  # the server logs a request before it answers: the answer waits here
        if holds(entry):
            gate.arrived.set()
            gate.opened.wait(at_most)

    server.record = holding  # type: ignore[method-assign]
    try:
        yield gate
    finally:
        gate.open()
        server.record = record  # type: ignore[method-assign]  # as it was


def nth_article(count: int) -> Callable[[LoggedRequest], bool]:
    """Picks the `count`th article request (1 for the first) and no other."""
    seen = 0
    lock = threading.Lock()

    def picks(entry: LoggedRequest) -> bool:
        nonlocal seen
        if not ARTICLE_PATH_RE.search(entry.path):
            return False
        with lock:  # the server answers each request on a thread of its own
            seen += 1
            return seen == count

    return picks
