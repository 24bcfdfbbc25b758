"""The crawl's shared state: the archive session, the URLs and texts already archived."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy.exceptions import CloseSpider, NotConfigured

from archive.sites import SiteRegistry
from crawler.urls import canonical_url

if TYPE_CHECKING:
    from archive import Archive
    from archive.archive import CrawlSession

logger = logging.getLogger(__name__)

ARCHIVE_UNAVAILABLE = "archive_unavailable"  # the finish reason when the archive cannot be opened

DIGESTED_SETTINGS = (
    "USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT", "DEPTH_LIMIT",
    "TOPIC_DEPTH_LIMIT", "TOPIC_MIN_SCORE", "EXTRACT_ENABLED", "EXTRACT_MIN_TEXT_LENGTH",
    "ARCHIVE_RECHECK_DAYS", "AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN",
)  # fmt: skip


@dataclass(frozen=True)
class CrawlPlan:
    """What a crawl is about, as the spider's validated arguments give it."""

    spider: str
    topic: str
    min_score: float
    sites: list[dict[str, Any]] = field(default_factory=list)  # site records (archive.sites)


class CrawlState:
    """One per crawler: the `Archive` and its `CrawlSession`, known URLs and content hashes.

    Components get it in their `from_crawler` with `CrawlState.from_crawler(crawler)`
    (the same object for every component of one crawler) and use only this interface:

    - `plan(CrawlPlan)` (the spider, once) and `open()` (idempotent: whichever component
      needs the archive first opens it, raising CloseSpider when it cannot);
    - `session`, `engine`, `directory`, `database`: the open archive;
    - `previous(url)`: the latest capture of a URL from earlier crawls, or None;
    - `seen_text(content_hash)`: whether a text was archived before (records it);
    - `site_name(url)`: the configured site of a URL (archive.sites.SiteRegistry);
    - `warc_files`: the names of the WARC files written (the capture middleware adds them);
    - `close(stats)`: the crawl-end record and the archive closed.

    Settings: ARCHIVE_DIR ("archive-data"), ARCHIVE_DATABASE_URL (None: SQLite inside
    ARCHIVE_DIR), ARCHIVE_WARC_PREFIX ("archive"), ARCHIVE_WARC_MAX_SIZE (1e9),
    ARCHIVE_INDEX_BATCH_SIZE (500), ARCHIVE_INDEX_MAX_HELD_ROWS (200000),
    ARCHIVE_INDEX_CLOSE_WAIT (30.0 s), ARCHIVE_STORIES (True: link stories at close), ARCHIVE_OPERATOR, USER_AGENT, ROBOTSTXT_OBEY,
    ARCHIVE_NODE_ID (None: the host name; the node id in WARC file names, see
    settings/distributed.py).
    """

    _by_crawler: WeakKeyDictionary = WeakKeyDictionary()

    def __init__(self, *, directory: str, database_url: str | None, options: dict[str, Any],
                 settings_digest: str) -> None:
        self.directory = directory
        self.database_url = database_url
        self.options = options
        self.settings_digest = settings_digest
        self.crawl_plan: CrawlPlan | None = None
        self.registry = SiteRegistry()
        self.archive: Archive | None = None
        self.session: CrawlSession | None = None
        self._states: dict[str, Any] = {}  # canonical URL -> PreviousCapture
        self._hashes: set[str] = set()
        self._opened = False
        self.open_failed = False
        self.warc_files: set[str] = set()  # names of the WARC files this crawl wrote to

    @classmethod
    def from_crawler(cls, crawler) -> CrawlState:
        state = cls._by_crawler.get(crawler)
        if state is None:
            settings = crawler.settings
            directory = settings.get("ARCHIVE_DIR")
            if not directory:
                raise NotConfigured("ARCHIVE_DIR is not set")
            digest_source = {name: settings.get(name) for name in DIGESTED_SETTINGS}
            state = cls._by_crawler[crawler] = cls(
                directory=str(directory),
                database_url=settings.get("ARCHIVE_DATABASE_URL") or None,
                options={
                    "warc_prefix": settings.get("ARCHIVE_WARC_PREFIX", "archive"),
                    "warc_max_size": settings.getint("ARCHIVE_WARC_MAX_SIZE", 1_000_000_000),
                    "index_batch_size": settings.getint("ARCHIVE_INDEX_BATCH_SIZE", 500),
                    "index_max_held_rows": settings.getint("ARCHIVE_INDEX_MAX_HELD_ROWS", 200_000),
                    "index_close_wait": settings.getfloat("ARCHIVE_INDEX_CLOSE_WAIT", 30.0),
                    "operator": settings.get("ARCHIVE_OPERATOR", ""),
                    "user_agent": settings.get("USER_AGENT", ""),
                    "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                    "node_id": settings.get("ARCHIVE_NODE_ID") or None,
                    "link_stories": settings.getbool("ARCHIVE_STORIES", True),
                },
                settings_digest=hashlib.sha256(
                    json.dumps(digest_source, sort_keys=True, default=str).encode()
                ).hexdigest(),
            )
        return state

    # ------------------------------------------------------------------ lifecycle

    def plan(self, plan: CrawlPlan) -> None:
        self.crawl_plan = plan
        self.registry = SiteRegistry(plan.sites)

    def open(self) -> None:
        """Open the archive and start the crawl session (once); CloseSpider when it cannot."""
        if self._opened:
            if self.session is None:
                raise CloseSpider(ARCHIVE_UNAVAILABLE)
            return
        self._opened = True
        quiet = logging.getLogger("alembic.runtime.migration")
        if quiet.level == logging.NOTSET:  # "Context impl SQLiteImpl." etc.: not news at INFO
            quiet.setLevel(logging.WARNING)
        from archive import Archive
        from archive.errors import ArchiveError

        plan = self.crawl_plan or CrawlPlan(spider="crawl", topic="", min_score=0.0)
        try:
            self.archive = Archive.open(self.directory, self.database_url, **self.options)
            self.session = self.archive.start_crawl(
                spider=plan.spider, topic=plan.topic or None, sites=plan.sites,
                settings_digest=self.settings_digest,
            )
            for previous in self.archive.capture_states():
                self._states[canonical_url(previous.url)] = previous
                if previous.content_hash:
                    self._hashes.add(previous.content_hash)
        except Exception as exc:
            # Any failure here (not only the library's own errors: a database error while
            # setting up the schema too) stops the crawl before its first request: a crawl
            # must never fetch without archiving. `scrapy crawl` then exits 1.
            reason = str(exc) if isinstance(exc, ArchiveError) else f"{type(exc).__name__}: {exc}"
            logger.error("Cannot open the archive in %s: %s", self.directory, " ".join(reason.split()))
            self.open_failed = True
            self.session = None
            try:
                self._close_archive()
            except Exception:  # the archive is half-open; closing it must not hide why
                logger.debug("closing the half-open archive failed", exc_info=True)
            raise CloseSpider(ARCHIVE_UNAVAILABLE) from exc
        logger.info("Archive %s open (crawl %s); %d URLs already captured",
                    self.directory, self.session.crawl_id, len(self._states))


    def close(self, stats: dict[str, Any]) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            try:
                session.close(_json_safe(stats))
            finally:
                self._close_archive()
        self._close_archive()

    def _close_archive(self) -> None:
        if self.archive is not None:
            archive, self.archive = self.archive, None
            archive.close()

    # ------------------------------------------------------------------ queries

    @property
    def engine(self):
        return self.archive.engine if self.archive is not None else None

    @property
    def crawl_id(self) -> str | None:
        return self.session.crawl_id if self.session is not None else None

    @property
    def known_urls(self) -> int:
        return len(self._states)

    @property
    def database(self) -> str:
        """Where the index lives, for people: the SQLAlchemy URL without its password."""
        if self.archive is not None:
            return self.archive.engine.url.render_as_string(hide_password=True)
        return self.database_url or f"SQLite in {self.directory}"

    def previous(self, url: str):
        """The latest capture of `url` (any form of it) from earlier crawls, or None."""
        return self._states.get(canonical_url(url))

    def seen_text(self, content_hash: str) -> bool:
        """Whether this text was archived before (by earlier crawls or this one); records it."""
        if content_hash in self._hashes:
            return True
        self._hashes.add(content_hash)
        return False

    def site_name(self, url: str) -> str:
        return self.registry.name_for(url)


def _json_safe(stats: dict) -> dict:
    out = {}
    for key, value in stats.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif not isinstance(value, (int, float, str, bool, type(None), list, dict)):
            value = str(value)
        out[key] = value
    return out
