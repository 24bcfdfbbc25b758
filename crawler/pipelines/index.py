"""Write each extracted article's conversion + metadata records and index rows."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem

logger = logging.getLogger(__name__)


class IndexPipeline:
    """Hand extracted articles to the archive session (`CrawlSession.add_article`).

    An article is recorded as a match of the crawl's topic when the query matches and
    its score is at least the spider's `min_score` (TOPIC_MIN_SCORE by default);
    off-topic articles are archived and indexed all the same. Counts per site:
    `site/<name>/articles_found`, `on_topic`, `new` (text not in the archive before),
    `updated` (a known URL whose text changed: a new version), `unchanged` (same
    text as the last capture), `duplicate` (text already archived from another URL).

    Settings: TOPIC_MIN_SCORE (0.0), read through the spider's `min_score`.
    """

    def __init__(self, crawler, stats) -> None:
        self.crawler = crawler
        self.stats = stats
        self.extension = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.stats)

    def open_spider(self) -> None:
        from crawler.extensions.archive_session import ArchiveSessionExtension

        self.extension = self.crawler.get_extension(ArchiveSessionExtension)

    def close_spider(self) -> None:
        session = self.extension.session if self.extension is not None else None
        if session is not None:
            session.flush()

    def process_item(self, item):
        if not isinstance(item, ArticleItem) or item.result is None:
            return item
        from archive.exchange import TopicMatch

        session = self.extension.session if self.extension is not None else None
        if session is None:
            raise DropItem(f"archive session closed; not indexed: {item.url}")
        spider = self.crawler.spider
        query = getattr(spider, "topic", None)
        min_score = getattr(spider, "min_score", 0.0) or 0.0
        on_topic = bool(query) and item.score is not None and item.score >= min_score
        topics = [TopicMatch(query, round(item.score, 6))] if on_topic else []
        content_hash = session.add_article(item.capture, item.result, topics=topics,
                                           content_hash=item.content_hash)  # computed by the worker
        known = self.extension.known_hashes
        prefix = f"site/{item.site}"
        self.stats.inc_value(f"{prefix}/articles_found")
        if on_topic:
            self.stats.inc_value(f"{prefix}/on_topic")
        if item.previous_hash and content_hash == item.previous_hash:
            self.stats.inc_value(f"{prefix}/unchanged")
        elif content_hash in known:
            self.stats.inc_value(f"{prefix}/duplicate")
            self.stats.inc_value("dedup/same_text")
        elif item.previous_hash:
            self.stats.inc_value(f"{prefix}/updated")
            self.stats.inc_value(f"{prefix}/new")
        else:
            self.stats.inc_value(f"{prefix}/new")
        known.add(content_hash)
        self.stats.inc_value("archive/articles")
        item.result = None  # the text is archived; keep memory flat
        return item
