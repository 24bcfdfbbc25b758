"""Open the crawl's archive when the spider opens; close it with the crawl's stats."""

from __future__ import annotations

from scrapy import signals

from crawler.state import CrawlState


class ArchiveSessionExtension:
    """Opens the crawl's `CrawlState` at spider_opened (if no pipeline did before) and closes
    it at spider_closed, writing the crawl-end record with the stats and finish reason.

    Settings: those of `crawler.state.CrawlState` (ARCHIVE_DIR, ARCHIVE_DATABASE_URL, ...).
    """

    def __init__(self, state: CrawlState, stats) -> None:
        self.state = state
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(CrawlState.from_crawler(crawler), crawler.stats)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        try:
            self.state.open()
        finally:
            if self.state.open_failed:
                self.stats.inc_value("archive/open_failed")
        self.stats.set_value("archive/crawl_id", self.state.crawl_id)
        self.stats.set_value("archive/known_urls", self.state.known_urls)

    def spider_closed(self, spider, reason: str) -> None:
        stats = dict(self.stats.get_stats())
        stats["finish_reason"] = reason
        self.state.close(stats)
