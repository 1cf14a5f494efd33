"""Signals of our own, for components that must not call each other (as Scrapy's own
signals): sent with `crawler.signals.send_catch_log(signal)`."""

from __future__ import annotations

# "Commit what you hold": sent by the frontier coordinator before a worker says it is
# idle, so no peer finishes the run while stored articles are still in a batch. A
# receiver returns False when it could not.
flush_store = object()
