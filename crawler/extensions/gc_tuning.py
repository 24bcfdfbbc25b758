"""Python's cyclic garbage collector, tuned for the crawl process while a crawl runs."""

from __future__ import annotations

import gc
import logging
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


class GcTuningExtension:
    """Sets the collector's thresholds (ARCHIVE_GC_THRESHOLDS) while the crawl runs and
    puts back Python's when the spider closes (when the last crawl of the process closes).

    Why: the crawl process holds hundreds of thousands of tracked objects (285,000 ten
    seconds into bench_crawl: Scrapy, Twisted, the parsers, the learner's segments), and
    with Python's defaults (700, 10, 10) every few hundred allocations start a collection;
    the full ones walk the whole heap. On bench/bench_crawl.py's web that was about 1,900
    young, 170 middle and 14 full collections, 2.1 to 2.3 s of CPU in a 16 s crawl (a
    sixth of the crawl process's); with (50000, 20, 10) it is 9 young ones, 0.12 s.
    Garbage in reference cycles (failures, deferred chains) is still collected, every
    50,000 allocations instead of every 700. A first threshold of 0 turns automatic
    collection off, as in ``gc.set_threshold``.

    Counts ``gc/collections/generation_N``, the collections made during the crawl, and
    ``gc/cpu_seconds``, the CPU time they took (in whichever thread ran them; with several
    crawls in one process, each counts them all).
    An empty setting leaves the collector as Python set it (and uncounted); ``700,10,10``
    is Python's default, counted.
    """

    def __init__(self, stats, thresholds: tuple[int, ...]) -> None:
        self.stats = stats
        self.thresholds = thresholds
        self.active = False
        self.counts_at_start: list[int] = []
        self.seconds = 0.0
        self._started = 0.0

    def _time(self, phase: str, info: dict) -> None:
        # a collection starts and stops in one thread, holding the GIL throughout
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._started

    @classmethod
    def from_crawler(cls, crawler):
        value = crawler.settings.getlist("ARCHIVE_GC_THRESHOLDS")
        if not value:
            raise NotConfigured("garbage collector left as Python set it")
        try:
            thresholds = tuple(int(part) for part in value)
        except (TypeError, ValueError):
            raise NotConfigured(f"ARCHIVE_GC_THRESHOLDS must be whole numbers, got {value!r}") from None
        if not 1 <= len(thresholds) <= 3 or any(t < 0 for t in thresholds):
            raise NotConfigured(f"ARCHIVE_GC_THRESHOLDS takes one to three numbers >= 0, got {value!r}")
        extension = cls(crawler.stats, thresholds)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        # spider_closed: before the archive session stores the crawl's stats (it is connected
        # after this one: extensions are built in order); engine_stopped if it never came
        crawler.signals.connect(extension.restore, signal=signals.spider_closed)
        crawler.signals.connect(extension.restore, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        global _crawls_running, _python_thresholds
        if _crawls_running == 0:
            _python_thresholds = gc.get_threshold()
        _crawls_running += 1
        self.active = True
        self.counts_at_start = [generation["collections"] for generation in gc.get_stats()]
        gc.set_threshold(*self.thresholds)
        gc.callbacks.append(self._time)
        logger.debug("garbage collector thresholds %s (Python's: %s)", self.thresholds, _python_thresholds)

    def restore(self) -> None:
        global _crawls_running
        if not self.active:
            return
        self.active = False
        _crawls_running -= 1
        if _crawls_running == 0 and _python_thresholds is not None:
            gc.set_threshold(*_python_thresholds)  # the last crawl of the process to close
        if self._time in gc.callbacks:
            gc.callbacks.remove(self._time)
        self.stats.set_value("gc/cpu_seconds", round(self.seconds, 3))
        for number, (generation, before) in enumerate(zip(gc.get_stats(), self.counts_at_start)):
            self.stats.set_value(f"gc/collections/generation_{number}", generation["collections"] - before)


# Several crawls in one process (CrawlerProcess) share the collector: Python's thresholds
# are kept when the first starts and put back when the last closes.
_crawls_running = 0
_python_thresholds: tuple[int, ...] | None = None
