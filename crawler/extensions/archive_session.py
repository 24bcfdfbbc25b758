"""Open the crawl's archive when the spider opens; close it with the crawl's stats."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.state import CrawlState

logger = logging.getLogger(__name__)

DISK_FULL = "archive_disk_full"  # the finish reason when the WARC folder's disk is full
INDEX_INCOMPLETE = "archive/index_incomplete"  # index writes left to the next run's catch-up


class ArchiveSessionExtension:
    """Opens the crawl's `CrawlState` at spider_opened (if no pipeline did before) and closes
    it at spider_closed, writing the crawl-end record with the stats and finish reason.

    At open, the archive has indexed what an earlier crash left unindexed (counted as
    `archive/caught_up_records`); this extension then extracts the articles an earlier
    crawl of this node captured but never extracted, from the archived responses
    (`archive/recovered_articles`), with the crawl's own extractor and article test.

    A full disk stops the crawl at once (finish reason `archive_disk_full`). At close,
    the index's database outages are counted (`index/db_outages`, `index/db_retries`,
    `index/rows_dropped`); when the index could not be brought up to date (the database
    is still down), one error says so and `archive/index_incomplete` holds the number of
    writes left to the next run's catch-up (`scrapy crawl` then exits 1).

    Settings: those of `crawler.state.CrawlState` (ARCHIVE_DIR, ARCHIVE_DATABASE_URL, ...),
    EXTRACT_MIN_TEXT_LENGTH (400), TOPIC_MIN_SCORE (0.0).
    """

    def __init__(self, state: CrawlState, stats, crawler=None, *, min_length: int = 400,
                 min_score: float = 0.0) -> None:
        self.state = state
        self.stats = stats
        self.crawler = crawler
        self.min_length = min_length
        self.min_score = min_score
        self.spider = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        extension = cls(CrawlState.from_crawler(crawler), crawler.stats, crawler,
                        min_length=settings.getint("EXTRACT_MIN_TEXT_LENGTH", 400),
                        min_score=settings.getfloat("TOPIC_MIN_SCORE", 0.0))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.spider = spider
        try:
            self.state.open()
        finally:
            if self.state.open_failed:
                self.stats.inc_value("archive/open_failed")
        self.stats.set_value("archive/crawl_id", self.state.crawl_id)
        self.stats.set_value("archive/known_urls", self.state.known_urls)
        archive, session = self.state.archive, self.state.session
        if archive is not None and archive.last_catch_up is not None:
            self.stats.set_value("archive/caught_up_records", archive.last_catch_up.records)
        if session is not None:
            session.on_stop = self._stop
            recovered = session.recover_articles(self._extract)
            if recovered:
                self.stats.set_value("archive/recovered_articles", recovered)
                logger.warning("recovery: extracted %d article(s) that an interrupted crawl "
                               "captured but never extracted", recovered)

    def spider_closed(self, spider, reason: str) -> None:
        from archive.errors import DatabaseUnavailable

        session = self.state.session
        index = session.index if session is not None else None
        if index is not None:
            for key, value in (("index/db_outages", index.outages),
                               ("index/db_retries", index.outage_retries),
                               ("index/rows_dropped", index.rows_dropped)):
                if value:
                    self.stats.set_value(key, value)
        stats = dict(self.stats.get_stats())
        stats["finish_reason"] = reason
        try:
            self.state.close(stats)
        except DatabaseUnavailable as exc:
            left = session.index_incomplete if session is not None else 0
            self.stats.set_value(INDEX_INCOMPLETE, max(left, 1))
            logger.error("The crawl ended with the index database unreachable (%s): the WARC "
                         "files hold everything; run the crawl again (or `archive recover`) "
                         "once the database is back, and the index catches up", exc)

    # ------------------------------------------------------------------ helpers

    def _stop(self, why: str) -> None:
        """The archive cannot write any more (a full disk): stop fetching now."""
        logger.error("Stopping the crawl: %s", why)
        self.stats.set_value("archive/disk_full", 1)
        if self.crawler is not None and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=DISK_FULL))

    def _extract(self, url: str, body: bytes):
        """(result, topics, content hash) when the crawler would have archived `body` as
        an article (its own article test, extractor, minimum length and topic score)."""
        from archive.exchange import TopicMatch
        from crawler.discovery.links import looks_like_article, looks_like_article_url
        from crawler.worker import extract_article

        site = getattr(self.spider, "site_for", lambda url: None)(url)
        pattern = getattr(site, "article_regex", None)
        if not (looks_like_article(body) or looks_like_article_url(url, pattern)):
            return None
        plan = self.state.crawl_plan
        query = plan.topic if plan is not None and plan.topic else None
        min_score = plan.min_score if plan is not None else self.min_score
        try:
            page = extract_article(body, url, query, self.min_length)
        except Exception as exc:  # noqa: BLE001 - a pathological page: count it, go on
            self.stats.inc_value("extract/error")
            logger.warning("recovery: extraction failed for %s: %r", url, exc)
            return None
        if page.result is None:
            return None
        topics = []
        if query and page.score is not None and page.score >= min_score:
            topics = [TopicMatch(query, round(page.score, 6))]
        return page.result, topics, page.content_hash
