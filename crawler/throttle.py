"""AutoThrottle that learns a host's delay from its typical latency, not its worst one.

Scrapy's AutoThrottle sets a host's delay to the latest latency whenever that is higher
than the current delay: one page that takes 10 s to answer (a slow database query on
the site, a cold cache) makes the whole site wait ~10 s per request, and the delay only
halves per response afterwards, so a crawl of that site all but stops for half a minute.
This one answers to the median of the host's last few latencies, and moves the delay
halfway towards it per response, up as well as down: one outlier does not move the
delay at all, a site that really slows down (most answers slow) gets a longer delay
within a few responses, as politeness asks. The bounds are Scrapy's: DOWNLOAD_DELAY
(the configured `delay`) below, AUTOTHROTTLE_MAX_DELAY above; robots.txt's Crawl-delay
and Retry-After are applied on top by their own components (crawler/middlewares.py).
"""

from __future__ import annotations

from collections import deque
from statistics import median

from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response

# Latencies remembered per host: the median of 9 ignores up to 4 outliers.
WINDOW = 9


class SteadyAutoThrottle(AutoThrottle):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.window = crawler.settings.getint("CHIPWATCH_THROTTLE_WINDOW", WINDOW)
        # Per slot (which cannot be weakly referenced; held here, so its id stays its
        # own): Scrapy drops idle slots and makes new ones, which start afresh. One
        # entry per host of the crawl.
        self.latencies: dict[int, tuple[Slot, deque[float]]] = {}

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        held, seen = self.latencies.get(id(slot), (None, deque(maxlen=self.window)))
        if held is not slot:
            seen = deque(maxlen=self.window)
            self.latencies[id(slot)] = (slot, seen)
        seen.append(latency)
        target = median(seen) / self.target_concurrency
        new_delay = min(max(self.mindelay, (slot.delay + target) / 2.0), self.maxdelay)
        # As Scrapy's: an error page (small, fast) must not shorten the delay.
        if response.status != 200 and new_delay <= slot.delay:
            return
        slot.delay = new_delay
