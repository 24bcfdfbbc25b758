"""Incremental crawls: skip articles archived before, or re-check them with a conditional request."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawler.errors import FetchRefused
from crawler.state import CrawlState
from crawler.urls import canonical_url

#: request.meta key the spider sets on discovered article and page URLs:
#: {"published": datetime | None, "modified": datetime | None} from the feed or sitemap.
META_KEY = "recheck"
#: meta["source"] of listing pages (home, section, search): never skipped, never asked for with a 304
LISTING_SOURCES = ("section", "search")


class KnownArticleSkipped(FetchRefused):
    """An article archived before and not due for a re-check (counted already)."""

    def __init__(self, url: str) -> None:
        super().__init__("incremental/skipped_known", f"known article, not rechecked: {url}")


class KnownRequisiteSkipped(FetchRefused):
    """A page requisite archived recently enough (counted already)."""

    def __init__(self, url: str) -> None:
        super().__init__("requisites/skipped_known", f"known requisite, archived recently: {url}")


class RecheckMiddleware:
    """Downloader middleware: the re-check policy for URLs that earlier crawls archived.

    For a request carrying `meta["recheck"]` whose URL an earlier crawl captured
    (`CrawlState.previous`):

    - a known article is fetched again only when the feed or sitemap says it was modified
      after that capture, or when it is younger than ARCHIVE_RECHECK_DAYS (from its
      publication date, else from the capture); otherwise the request is dropped with
      KnownArticleSkipped (`incremental/skipped_known`, `site/<name>/skipped_known`);
    - a re-checked article is marked `meta["kind"] = "article"`, asks with If-None-Match /
      If-Modified-Since (ARCHIVE_CONDITIONAL_REQUESTS) and accepts a 304
      (`incremental/rechecked`);
    - a known page requisite (`meta["recheck"]["requisite"]`, crawler.requisite_requests) is
      not fetched again while its capture is younger than ARCHIVE_REQUISITE_RECHECK_DAYS
      (`requisites/skipped_known`: replay uses that capture), else re-checked conditionally
      (`requisites/rechecked`);
    - every known URL gets `meta["previous"]` (robots.txt, feeds and sitemaps too), so the
      capture middleware writes a revisit record when the server answers 304 or the payload
      is identical;
    - a listing page (home, section, search) is never skipped and never asked for
      conditionally, even when it once passed as an article: its links are parsed again;
    - the target of a redirect is looked up as itself (the redirect copied the meta and
      conditional headers of the URL it left).

    Settings: ARCHIVE_RECHECK_DAYS (3.0), ARCHIVE_REQUISITE_RECHECK_DAYS (7.0),
    ARCHIVE_CONDITIONAL_REQUESTS (True).
    """

    def __init__(self, state: CrawlState, stats, *, recheck_days: float, conditional: bool,
                 requisite_recheck_days: float = 7.0) -> None:
        self.state = state
        self.stats = stats
        self.recheck = timedelta(days=recheck_days)
        self.requisite_recheck = timedelta(days=requisite_recheck_days)
        self.conditional = conditional

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(CrawlState.from_crawler(crawler), crawler.stats,
                   recheck_days=settings.getfloat("ARCHIVE_RECHECK_DAYS", 3.0),
                   conditional=settings.getbool("ARCHIVE_CONDITIONAL_REQUESTS", True),
                   requisite_recheck_days=settings.getfloat("ARCHIVE_REQUISITE_RECHECK_DAYS", 7.0))

    def process_request(self, request):
        if not self._for_this_url(request):
            return None
        previous = self.state.previous(request.url)
        if previous is None:
            return None
        # Any known URL (robots.txt, feeds and sitemaps too): an identical payload is
        # archived as a revisit, not as a second full response.
        request.meta["previous"] = previous
        hints = request.meta.get(META_KEY)
        if hints is None:
            return None  # not a discovered page or article: no skip or re-check policy
        if hints.get("requisite"):
            if datetime.now(timezone.utc) - previous.fetched_at <= self.requisite_recheck:
                self.stats.inc_value("requisites/skipped_known")
                raise KnownRequisiteSkipped(request.url)
            self._conditional(request, previous)
            self.stats.inc_value("requisites/rechecked")
            return None
        if not previous.content_hash:
            # Captured before, not as an article (a listing, a redirect), or as an article
            # whose text never reached the index (a crash came between capture and
            # extraction): fetched in full, a revisit if identical, and the spider extracts it.
            return None
        listing = request.meta.get("source") in LISTING_SOURCES
        if not listing and not self.due(previous, hints.get("published"), hints.get("modified")):
            self.stats.inc_value("incremental/skipped_known")
            self.stats.inc_value(f"site/{self.state.site_name(request.url)}/skipped_known")
            raise KnownArticleSkipped(request.url)
        request.meta["kind"] = "article"
        if not listing:
            # A listing page that once passed as an article is asked for in full: a 304 has
            # no links, and the articles only it links to would never be found again.
            self._conditional(request, previous)
        self.stats.inc_value("incremental/rechecked")
        return None

    def _for_this_url(self, request) -> bool:
        """False when the request was handled before; drops what belongs to another URL.

        A redirect (RedirectMiddleware) copies the meta and headers of the request it
        follows: the target must be looked up and re-checked as itself, not compared with
        the redirecting URL's capture (which fetched a known target again in full)."""
        existing = request.meta.get("previous")
        if existing is None:
            return True
        if canonical_url(existing.url) == canonical_url(request.url):
            return False
        del request.meta["previous"]
        for name in (b"If-None-Match", b"If-Modified-Since"):
            request.headers.pop(name, None)
        return True

    def _conditional(self, request, previous) -> None:
        """Ask with If-None-Match / If-Modified-Since (ARCHIVE_CONDITIONAL_REQUESTS); accept a 304."""
        request.meta["handle_httpstatus_list"] = [304]
        if self.conditional:
            if previous.etag:
                request.headers.setdefault(b"If-None-Match", previous.etag)
            if previous.last_modified:
                request.headers.setdefault(b"If-Modified-Since", previous.last_modified)

    def due(self, previous, published: datetime | None, modified: datetime | None) -> bool:
        """Should a known article be fetched again (conditionally)?"""
        if modified is not None and modified > previous.fetched_at:
            return True  # the feed or sitemap says it changed since
        reference = published or previous.fetched_at
        return datetime.now(timezone.utc) - reference <= self.recheck
