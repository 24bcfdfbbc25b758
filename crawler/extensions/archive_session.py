"""The crawl's archive session: opened when the spider opens, closed with the crawl's stats."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured

from crawler.urls import canonical_url, url_host

logger = logging.getLogger(__name__)

DIGESTED_SETTINGS = (
    "USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT", "DEPTH_LIMIT",
    "TOPIC_DEPTH_LIMIT", "TOPIC_MIN_SCORE", "EXTRACT_ENABLED", "EXTRACT_MIN_TEXT_LENGTH",
    "ARCHIVE_RECHECK_DAYS", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN",
)  # fmt: skip


class ArchiveSessionExtension:
    """Owns the one `Archive` and `CrawlSession` of a crawl; other components reach it
    with `crawler.get_extension(ArchiveSessionExtension)`.

    At spider_opened it opens the archive, starts the crawl session (warcinfo,
    crawl-start record, `crawls` row) and loads the capture states used for
    incremental crawls; at spider_closed it closes the session with the stats.
    The spider describes the crawl through two optional attributes: `topic` (the query
    text) and `archive_sites` (a list of {"name", "url"} dicts).

    Settings: ARCHIVE_DIR ("archive-data"), ARCHIVE_DATABASE_URL (None: SQLite inside
    ARCHIVE_DIR), ARCHIVE_WARC_PREFIX ("archive"), ARCHIVE_WARC_MAX_SIZE (1e9),
    ARCHIVE_INDEX_BATCH_SIZE (500), ARCHIVE_OPERATOR, USER_AGENT, ROBOTSTXT_OBEY.
    """

    def __init__(
        self, crawler, *, directory: str, database_url: str | None, warc_prefix: str,
        warc_max_size: int, index_batch_size: int, operator: str, user_agent: str,
        robots: str, settings_digest: str,
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.directory = directory
        self.database_url = database_url
        self.options = {
            "warc_prefix": warc_prefix, "warc_max_size": warc_max_size,
            "index_batch_size": index_batch_size, "operator": operator,
            "user_agent": user_agent, "robots": robots,
        }
        self.settings_digest = settings_digest
        self.archive = None
        self.session = None
        self.states: dict[str, Any] = {}  # canonical URL -> PreviousCapture
        self.known_hashes: set[str] = set()
        self.sites: list[dict] = []
        self._site_by_host: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        directory = settings.get("ARCHIVE_DIR")
        if not directory:
            raise NotConfigured("ARCHIVE_DIR is not set")
        digest_source = {name: settings.get(name) for name in DIGESTED_SETTINGS}
        extension = cls(
            crawler,
            directory=directory,
            database_url=settings.get("ARCHIVE_DATABASE_URL") or None,
            warc_prefix=settings.get("ARCHIVE_WARC_PREFIX", "archive"),
            warc_max_size=settings.getint("ARCHIVE_WARC_MAX_SIZE", 1_000_000_000),
            index_batch_size=settings.getint("ARCHIVE_INDEX_BATCH_SIZE", 500),
            operator=settings.get("ARCHIVE_OPERATOR", ""),
            user_agent=settings.get("USER_AGENT", ""),
            robots="obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            settings_digest=hashlib.sha256(
                json.dumps(digest_source, sort_keys=True, default=str).encode()
            ).hexdigest(),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    # ------------------------------------------------------------------ lifecycle

    def spider_opened(self, spider) -> None:
        from archive import Archive
        from archive.errors import ArchiveError

        self.sites = list(getattr(spider, "archive_sites", []) or [])
        try:
            self.archive = Archive.open(self.directory, self.database_url, **self.options)
            self.session = self.archive.start_crawl(
                spider=spider.name,
                topic=getattr(spider, "topic", None),
                sites=self.sites,
                settings_digest=self.settings_digest,
            )
            for previous in self.archive.capture_states():
                self.states[canonical_url(previous.url)] = previous
                if previous.content_hash:
                    self.known_hashes.add(previous.content_hash)
        except ArchiveError as exc:
            logger.error("Cannot open the archive in %s: %s", self.directory, exc)
            self.stats.inc_value("archive/open_failed")
            self._close_quietly()
            raise CloseSpider("archive_unavailable") from exc
        logger.info(
            "Archive %s open (crawl %s); %d URLs already captured",
            self.directory, self.session.crawl_id, len(self.states),
        )
        self.stats.set_value("archive/crawl_id", self.session.crawl_id)
        self.stats.set_value("archive/known_urls", len(self.states))

    def spider_closed(self, spider, reason: str) -> None:
        if self.session is not None:
            stats = _json_safe(dict(self.stats.get_stats()))
            stats["finish_reason"] = reason
            try:
                self.session.close(stats)
            finally:
                self.session = None
        self._close_quietly()

    def _close_quietly(self) -> None:
        if self.archive is not None:
            archive, self.archive = self.archive, None
            archive.close()

    # ------------------------------------------------------------------ helpers

    def site_of(self, url: str) -> str:
        """The configured site name for a URL (by host), or the bare host."""
        host = url_host(url)
        name = self._site_by_host.get(host)
        if name is None:
            from archive.urls import site_for_url

            name = self._site_by_host[host] = site_for_url(url, self.sites)
        return name


def _json_safe(stats: dict) -> dict:
    out = {}
    for key, value in stats.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif not isinstance(value, (int, float, str, bool, type(None), list, dict)):
            value = str(value)
        out[key] = value
    return out
