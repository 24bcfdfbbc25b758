"""Write each extracted article's conversion + metadata records and index rows."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.state import CrawlState

logger = logging.getLogger(__name__)


class IndexPipeline:
    """Hand extracted articles to the crawl's archive session (`CrawlSession.add_article`).

    An article is recorded as a match of the crawl's topic when the query matches and
    its score is at least the crawl's min_score (`-a min_score=`, else TOPIC_MIN_SCORE);
    off-topic articles are archived and indexed all the same. Counts per site:
    `site/<name>/articles_found`, `on_topic`, `new` (text not in the archive before),
    `updated` (a known URL whose text changed: a new version),
    `unchanged` (same text as the last capture), `duplicate` (text already archived
    from another URL).

    Settings: none of its own (the topic and min_score come from the CrawlState's plan).
    """

    def __init__(self, state: CrawlState, stats) -> None:
        self.state = state
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(CrawlState.from_crawler(crawler), crawler.stats)

    def close_spider(self) -> None:
        from archive.errors import DatabaseUnavailable

        if self.state.session is not None:
            try:
                self.state.session.flush()
            except DatabaseUnavailable:
                pass  # the database is down: the session's close waits for it, then reports

    def process_item(self, item):
        if not isinstance(item, ArticleItem) or item.result is None:
            return item
        from archive.exchange import TopicMatch

        session = self.state.session
        if session is None:
            raise DropItem(f"archive session closed; not indexed: {item.url}")
        plan = self.state.crawl_plan
        query = plan.topic if plan is not None else None
        min_score = plan.min_score if plan is not None else 0.0
        topics = []
        if query and item.score is not None and item.score >= min_score:
            topics = [TopicMatch(query, round(item.score, 6))]
        on_topic = bool(topics)
        from archive.errors import WriteStopped

        try:
            content_hash = session.add_article(item.capture, item.result, topics=topics,  # hash and
                                               content_hash=item.content_hash,  # signature by the worker
                                               story_signature=item.story_signature)
        except WriteStopped as exc:  # a full disk: the crawl is stopping (said once already)
            self.stats.inc_value("archive/articles_not_written")
            raise DropItem(f"not archived ({exc}): {item.url}", log_level="DEBUG") from None
        prefix = f"site/{item.site}"
        self.stats.inc_value(f"{prefix}/articles_found")
        if on_topic:
            self.stats.inc_value(f"{prefix}/on_topic")
        seen = self.state.seen_text(content_hash)
        if item.previous_hash and content_hash == item.previous_hash:
            self.stats.inc_value(f"{prefix}/unchanged")
        elif seen:
            self.stats.inc_value(f"{prefix}/duplicate")
            self.stats.inc_value("dedup/same_text")
        elif item.previous_hash:
            self.stats.inc_value(f"{prefix}/updated")
        else:
            self.stats.inc_value(f"{prefix}/new")
        self.stats.inc_value("archive/articles")
        item.result = None  # the text is archived; keep memory flat
        return item
