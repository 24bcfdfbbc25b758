"""Link a long crawl's new articles into stories while it runs, not only when it closes."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task, threads

from crawler.state import CrawlState

logger = logging.getLogger(__name__)


class StoriesExtension:
    """Every ARCHIVE_STORIES_INTERVAL seconds, link the articles indexed since the last
    update into stories (`CrawlSession.link_stories`), on a thread: a crawl that runs for
    hours shows its stories in `archive stories` and `archive serve` as it goes. The crawl's
    close links the rest, after an update still running.

    An update that fails (the database is down, say) is logged in one line and counted
    (`stories/updates_failed`); the next one, or the close, links those articles.
    Counts `stories/updates` and `stories/articles_linked`.

    Settings: ARCHIVE_STORIES (True; off: no linking during the crawl either),
    ARCHIVE_STORIES_INTERVAL (300 s; 0: only at the close).
    """

    def __init__(self, state: CrawlState, stats, interval: float) -> None:
        self.state = state
        self.stats = stats
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.running = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        interval = settings.getfloat("ARCHIVE_STORIES_INTERVAL", 300.0)
        if not settings.getbool("ARCHIVE_STORIES", True) or interval <= 0:
            raise NotConfigured("stories are linked at the crawl's close only")
        extension = cls(CrawlState.from_crawler(crawler), crawler.stats, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def tick(self) -> None:
        session = self.state.session
        if session is None or self.running:  # closed, or the last update still runs
            return
        self.running = True
        deferred = threads.deferToThread(session.link_stories)
        deferred.addCallbacks(self._done, self._failed)
        deferred.addBoth(self._finished)

    def _done(self, update) -> None:
        self.stats.inc_value("stories/updates")
        self.stats.inc_value("stories/articles_linked", update.articles)

    def _failed(self, failure) -> None:
        self.stats.inc_value("stories/updates_failed")
        logger.warning("Linking stories during the crawl failed (%s); the next update or the "
                       "crawl's close links those articles", failure.getErrorMessage())

    def _finished(self, _) -> None:
        self.running = False
