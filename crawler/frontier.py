"""A crawl frontier in Redis, shared by several workers: scrapy-redis's scheduler, queue
and duplicate filter, with what several workers of one run need on current Scrapy.

One *run* is what the workers started together (or joining while it lasts) crawl as
one: the first worker names it with SET NX on `<prefix>:run`, the others read the name
and join. Every other key carries the run id and an expiry, refreshed by the workers'
heartbeats, so a run whose workers all died leaves nothing behind for long; no worker
ever deletes a shared key while the run is on (scrapy-redis's own close() would flush
the queue and the filter under its peers' feet):

    <prefix>:run                     the current run id
    <prefix>:<run>:requests          the queue (scrapy-redis's priority queue, a sorted set)
    <prefix>:<run>:seen              the duplicate filter (request fingerprints)
    <prefix>:<run>:workers           the ids of the workers that joined
    <prefix>:<run>:worker:<id>       "busy" or "idle", expires without a heartbeat
    <prefix>:<run>:sweeps            how many times lost URLs were sent round again
    <prefix>:<run>:done              set once the run is drained

Each listing and article request is fetched once per run: every one goes through the
shared duplicate filter (our spider marks them dont_filter for the single-process
scheduler, see NewsSpider.article_request); only the retries and redirects of a request
a worker already popped skip it. robots.txt is fetched by each worker for itself.

Finishing is decided across workers (FrontierCoordinator): a worker with nothing to do
commits its open batch, says "idle", and stays open while the queue holds requests or a
peer is busy. Popping a request marks its worker busy in the same Redis script, so no
worker can see an empty queue and an idle peer that holds a request.

The database is the truth: every article URL a listing gives is written as pending
before it enters the queue (KnownUrlMiddleware). A worker that dies takes the requests
it had popped with it, and their fingerprints stay in the filter; when the run is
drained, one worker sends the URLs still pending round again past the filter (at most
MAX_SWEEPS times), and what is left after that is asked for by the next run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from crawler import counters, events
from crawler.errors import CrawlError
from storage import StorageError, describe_db_error, open_database, pending_urls

logger = logging.getLogger(__name__)

# Retries and redirects of a request its worker popped: not new URLs for the frontier.
_CONTINUATION_META = ("retry_times", "redirect_urls")
# A request a drained run sends round again: its fingerprint is in the filter already.
SWEEP_META = "chipwatch_sweep"
MAX_SWEEPS = 3
HEARTBEAT_SECONDS = 1.0
# How often an idle worker looks at the shared queue; Scrapy's own engine looks every 5 s.
POLL_SECONDS = 0.5


class FrontierError(CrawlError):
    """The shared frontier (Redis) cannot be reached or used."""


@dataclass(frozen=True)
class RunKeys:
    """The key names of one run, and who this worker is."""

    prefix: str
    run: str
    worker: str

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{self.run}:{name}"

    @property
    def current_run(self) -> str:
        return f"{self.prefix}:run"

    @property
    def queue(self) -> str:
        return self._key("requests")

    @property
    def seen(self) -> str:
        return self._key("seen")

    @property
    def workers(self) -> str:
        return self._key("workers")

    def worker_state(self, worker: str | None = None) -> str:
        return self._key(f"worker:{worker or self.worker}")

    @property
    def sweeps(self) -> str:
        return self._key("sweeps")

    @property
    def sweep_lock(self) -> str:
        return self._key("sweep-lock")

    @property
    def done(self) -> str:
        return self._key("done")

    def run_keys(self) -> list[str]:
        """The run's own keys, whose expiry the heartbeats keep pushing back."""
        return [self.queue, self.seen, self.workers, self.sweeps, self.done]


def connect(url: str) -> redis.Redis:
    """A client for `url`, checked with PING: FrontierError (one line) if unreachable."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise FrontierError(f"{_display(url)}: cannot use Redis: {exc}") from None
    return client


def _display(url: str) -> str:
    """The URL without a password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def run_ttl(worker_timeout: float) -> int:
    """How long a run's keys outlive its last heartbeat."""
    return max(600, int(worker_timeout * 20))


# Compare-and-delete: end the run named in KEYS[1] only if it is still ARGV[1].
_END_RUN = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


def join_run(url: str, prefix: str, worker_timeout: float, worker: str | None = None) -> RunKeys:
    """Join the run in progress, or start one: the run id every worker of it agrees on."""
    client = connect(url)
    worker = f"{socket.gethostname()}-{os.getpid()}" + (f"-{worker}" if worker else "")
    current = f"{prefix}:run"
    ttl = run_ttl(worker_timeout)
    try:
        for _ in range(10):
            run = client.get(current)
            if run is not None:
                keys = RunKeys(prefix, _text(run), worker)
                if not client.exists(keys.done):
                    break
                client.eval(_END_RUN, 1, current, keys.run)  # a finished run left its name
                continue
            fresh = f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
            if client.set(current, fresh, nx=True, ex=ttl):
                keys = RunKeys(prefix, fresh, worker)
                break
        else:
            raise FrontierError(f"{_display(url)}: cannot agree on a run id under {current}")
        with client.pipeline() as pipe:
            pipe.sadd(keys.workers, worker)
            pipe.set(keys.worker_state(), "busy", ex=_state_ttl(worker_timeout))
            for key in keys.run_keys():
                pipe.expire(key, ttl)
            pipe.execute()
    except redis.RedisError as exc:
        raise FrontierError(f"{_display(url)}: cannot use Redis: {exc}") from None
    finally:
        client.close()
    return keys


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _state_ttl(worker_timeout: float) -> int:
    return max(2, round(worker_timeout))


def frontier_settings(url: str, keys: RunKeys, worker_timeout: float) -> dict[str, Any]:
    """The Scrapy settings that put a crawl on the shared frontier."""
    return {
        "SCHEDULER": "crawler.frontier.SharedScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.frontier.SharedQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue,
        "SCHEDULER_DUPEFILTER_KEY": keys.seen,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # never flush: peers still use the queue and the filter
        # The priority queue pops without blocking; FIFO/LIFO with an idle wait would block
        # the reactor thread in BRPOP.
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "REDIS_URL": url,
        "CHIPWATCH_FRONTIER": keys,
        "CHIPWATCH_WORKER_TIMEOUT": worker_timeout,
    }


# Pop the best request and mark this worker busy in one step. ZPOPMIN: the priority
# queue's score is -priority; equal scores come out in the order of their pickled bytes,
# which is fine here: nothing in a crawl depends on the order of equal-priority requests.
_POP = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if popped[1] then
    redis.call('SET', KEYS[2], 'busy', 'EX', ARGV[1])
    return popped[1]
end
return false
"""


class SharedQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop also marks the worker busy."""

    state_key: str = ""
    state_ttl: int = 30

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pop = self.server.register_script(_POP)

    def pop(self, timeout: int = 0) -> Request | None:
        data = self._pop(keys=[self.key, self.state_key], args=[self.state_ttl])
        return self._decode_request(data) if data else None


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler for one run of several workers: every listing and
    article request passes the shared filter (whatever its dont_filter says), the
    request is serialised before its fingerprint is recorded (an unpicklable one would
    otherwise be lost after being marked seen), and close() deletes nothing."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        try:
            scheduler = cls.from_settings(crawler.settings)
        except redis.RedisError as exc:
            raise FrontierError(f"cannot use Redis: {exc}") from None
        scheduler.crawler = crawler
        scheduler.stats = crawler.stats
        return scheduler

    def open(self, spider: Spider) -> None:
        # scrapy-redis's open(), less its Spider.log() call (deprecated in Scrapy 2.19)
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )
        if not self.df:  # type: ignore[has-type]  # set by scrapy-redis's untyped __init__
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        keys: RunKeys = self.crawler.settings["CHIPWATCH_FRONTIER"]
        self.queue.state_key = keys.worker_state()
        timeout = self.crawler.settings.getfloat("CHIPWATCH_WORKER_TIMEOUT")
        self.queue.state_ttl = _state_ttl(timeout)

    def close(self, reason: str) -> None:
        """Nothing to flush: the keys belong to the run, and expire after it."""

    def enqueue_request(self, request: Request) -> bool:
        try:
            self.queue._encode_request(request)
        except (ValueError, TypeError, AttributeError) as exc:
            # callbacks must be spider methods and meta must pickle
            logger.error("cannot put %s on the shared frontier: %s", request, exc)
            if self.stats is not None:
                self.stats.inc_value("chipwatch_frontier/unserializable")
            return False
        filtered = not (
            request.meta.get(SWEEP_META) or any(k in request.meta for k in _CONTINUATION_META)
        )
        if filtered and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        request: Request | None = self.queue.pop()
        if request is not None and self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class FrontierCoordinator:
    """Keeps a worker on the run until the run is drained: a heartbeat with the worker's
    state, the drain check on every idle turn of the engine, and the sweep of URLs that
    a dead worker took with it."""

    def __init__(self, crawler: Crawler, keys: RunKeys, url: str, timeout: float) -> None:
        self.crawler = crawler
        self.keys = keys
        self.server = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        self.state_ttl = _state_ttl(timeout)
        self.run_ttl = run_ttl(timeout)
        self.database_url: str = crawler.settings["CHIPWATCH_DATABASE_URL"]
        self.heartbeat = LoopingCall(self._beat)
        self.state = "busy"
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierCoordinator:
        keys = crawler.settings.get("CHIPWATCH_FRONTIER")
        if keys is None:
            raise NotConfigured("no shared frontier")
        url = crawler.settings["REDIS_URL"]
        return cls(crawler, keys, url, crawler.settings.getfloat("CHIPWATCH_WORKER_TIMEOUT"))

    def engine_started(self) -> None:
        # Scrapy's engine looks for new requests every 5 s when it has nothing to do;
        # requests that peers put on the shared queue should not wait that long. The
        # interval is a class attribute that the engine reads when it starts its loop.
        if self.crawler.engine is not None:
            self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = POLL_SECONDS

    def spider_opened(self, spider: Spider) -> None:
        self.crawler.stats.set_value("chipwatch_frontier_run", self.keys.run)
        self.crawler.stats.set_value("chipwatch_frontier_worker", self.keys.worker)
        self.heartbeat.start(HEARTBEAT_SECONDS, now=True)

    def spider_closed(self, spider: Spider) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        with contextlib.suppress(redis.RedisError):  # else it expires
            self.server.delete(self.keys.worker_state())  # our own key: we are gone
        self.server.close()

    def _beat(self) -> None:
        try:
            with self.server.pipeline() as pipe:
                # A key that expired while the reactor was stalled comes back as busy:
                # a stale "idle" must never let a peer finish the run under our feet.
                pipe.set(self.keys.worker_state(), "busy", ex=self.state_ttl, nx=True)
                pipe.expire(self.keys.worker_state(), self.state_ttl)
                pipe.expire(self.keys.current_run, self.run_ttl)
                for key in self.keys.run_keys():
                    pipe.expire(key, self.run_ttl)
                pipe.execute()
        except redis.RedisError as exc:
            logger.warning("frontier heartbeat failed: %s", exc)

    # ---- the drain check --------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        try:
            drained = self._drained(spider)
        except redis.RedisError as exc:
            logger.error("frontier: %s; stopping this worker", exc)
            counters.storage_failed(self.crawler.stats, f"frontier: cannot use Redis: {exc}")
            return  # the engine closes the spider; the run's URLs are pending in the database
        if not drained:
            raise DontCloseSpider

    def _drained(self, spider: Spider) -> bool:
        """True when this worker may close: the run is done, or this worker just found
        it drained. False while there is work here or at a peer."""
        if not self._flush_store():
            return False  # an open batch that could not be committed yet: still busy
        keys, server = self.keys, self.server
        server.set(keys.worker_state(), "idle", ex=self.state_ttl)
        if server.exists(keys.done):
            return True
        if server.zcard(keys.queue):
            return False
        # Read after the queue: a peer that popped the last request was marked busy
        # in the same step, so it shows here.
        if self._busy_peers():
            return False
        if not server.set(keys.sweep_lock, keys.worker, nx=True, ex=self.state_ttl):
            return False  # a peer is sweeping
        try:
            if self._sweep(spider):
                return False
            self._finish()
            return True
        finally:
            server.delete(keys.sweep_lock)

    def _flush_store(self) -> bool:
        results = self.crawler.signals.send_catch_log(events.flush_store)
        return all(result is not False and not isinstance(result, Failure) for _, result in results)

    def _busy_peers(self) -> list[str]:
        peers = sorted(_text(p) for p in self.server.smembers(self.keys.workers))
        states = self.server.mget([self.keys.worker_state(p) for p in peers])
        # A peer whose key expired has died: what it held is pending in the database.
        return [p for p, state in zip(peers, states, strict=True) if state in (b"busy", "busy")]

    def _sweep(self, spider: Spider) -> bool:
        """Send the run's lost URLs round again; False when there are none (or the
        sweeps are used up)."""
        if int(self.server.get(self.keys.sweeps) or 0) >= MAX_SWEEPS:
            return False
        sources = {s.name: s for s in getattr(spider, "sources", ())}
        try:
            with open_database(self.database_url)() as session:
                lost = pending_urls(session, list(sources))
        except (SQLAlchemyError, StorageError) as exc:
            logger.error("frontier: cannot read pending URLs: %s", describe_db_error(exc))
            return False
        if not lost:
            return False
        self.server.incr(self.keys.sweeps)
        self.server.expire(self.keys.sweeps, self.run_ttl)
        logger.warning("frontier: %d URLs lost by a worker go round again", len(lost))
        self.crawler.stats.inc_value("chipwatch_frontier/swept", len(lost))
        make_request: Callable[..., Request] = spider.sweep_request  # type: ignore[attr-defined]
        assert self.crawler.engine is not None
        for url, source in lost:
            self.crawler.engine.crawl(make_request(url, sources[source]))
        return True

    def _finish(self) -> None:
        keys = self.keys
        with self.server.pipeline() as pipe:
            pipe.set(keys.done, "1", ex=self.run_ttl)
            # The run is over: its keys go soon (late workers still read `done` for a
            # while), and the next crawl starts a new run.
            for key in keys.run_keys():
                if key != keys.done:
                    pipe.expire(key, self.state_ttl * 2)
            pipe.eval(_END_RUN, 1, keys.current_run, keys.run)
            pipe.execute()
        logger.info("frontier: run %s drained", keys.run)
