"""Write every response, raw and with its request, to the WARC before anything decodes it."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import NotConfigured

from crawler.errors import FetchRefused
from crawler.state import CrawlState
from crawler.urls import canonical_url

logger = logging.getLogger(__name__)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _header_list(headers) -> list[tuple[bytes, bytes]]:
    """Scrapy Headers -> [(name, value)], repeated headers kept as separate pairs."""
    pairs: list[tuple[bytes, bytes]] = []
    for name, values in headers.items():
        for value in values:
            pairs.append((name, value))
    return pairs


class CaptureMiddleware:
    """Archive each HTTP exchange as WARC request + response records (or a revisit).

    Place it above HttpCompressionMiddleware (590), RedirectMiddleware (600) and
    RetryMiddleware (550) — e.g. at 950 — so `process_response` sees the body and headers
    exactly as received: compressed bodies stay compressed, 3xx and 5xx are archived too.

    Requests carrying `meta["previous"]` (a PreviousCapture, set by the spider for a
    conditional re-check) become revisit records when the server answers 304
    (server-not-modified) or the payload digest is unchanged (identical-payload-digest).
    The CaptureRef of the written record is put in `request.meta["capture"]`.

    Also counts `fetch/http_<status>` for 4xx/5xx, `fetch/redirect` and
    `fetch/redirect_loop` (a redirect back into its own chain is refused),
    `fetch/refused_scheme` (a redirect to a non-HTTP URL), and
    `site/<name>/pages_fetched`.

    Settings: ARCHIVE_CAPTURE_ENABLED (True).
    """

    def __init__(self, state: CrawlState, stats) -> None:
        self.state = state
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ARCHIVE_CAPTURE_ENABLED", True):
            raise NotConfigured("ARCHIVE_CAPTURE_ENABLED is off")
        return cls(CrawlState.from_crawler(crawler), crawler.stats)

    def process_response(self, request, response):
        session = self.state.session
        if session is None:
            return response
        site = self.state.site_name(response.url)
        exchange = self._exchange(request, response)
        previous = request.meta.get("previous")
        from archive.errors import WriteStopped

        try:
            if previous is not None and self._unchanged(exchange, previous):
                ref = session.write_revisit(exchange, previous=previous)
                self.stats.inc_value("archive/revisits")
            else:
                ref = session.write_response(exchange)
                self.stats.inc_value("archive/responses")
        except WriteStopped:  # a full disk: the crawl is stopping (said once already)
            self.stats.inc_value("archive/not_written")
            raise FetchRefused("archive/not_written", f"not archived, the archive stopped writing: {response.url}") from None
        request.meta["capture"] = ref
        self.state.warc_files.add(ref.location.filename)
        self.stats.inc_value(f"site/{site}/pages_fetched")
        status = response.status
        if status >= 400:
            self.stats.inc_value(f"fetch/http_{status}")
        elif 300 <= status < 400 and status != 304:
            self._check_redirect(request, response)
        return response

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _exchange(request, response):
        from archive.exchange import HttpExchange

        request_headers = _header_list(request.headers)
        if not any(name.lower() == b"host" for name, _ in request_headers):
            netloc = urlsplit(request.url).netloc.encode("ascii", "ignore")
            request_headers.insert(0, (b"Host", netloc))
        ip = getattr(response, "ip_address", None)
        return HttpExchange(
            url=response.url,
            method=request.method,
            request_headers=request_headers,
            request_body=request.body or b"",
            protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            status=response.status,
            reason=_reason(response.status),
            response_headers=_header_list(response.headers),
            body=response.body,
            ip_address=str(ip) if ip is not None else None,
            fetched_at=datetime.now(timezone.utc),
        )

    @staticmethod
    def _unchanged(exchange, previous) -> bool:
        if exchange.status == 304:
            return True
        if exchange.status != 200 or not previous.payload_digest:
            return False
        from archive.warc.digests import compute_digest

        algorithm = previous.payload_digest.partition(":")[0] or "sha1"
        try:
            return compute_digest(exchange.body, algorithm) == previous.payload_digest
        except ValueError:
            return False

    def _check_redirect(self, request, response) -> None:
        self.stats.inc_value("fetch/redirect")
        location = response.headers.get(b"Location")
        if not location:
            return
        target = canonical_url(urljoin(response.url, location.decode("latin-1").strip()))
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            # Scrapy's RedirectMiddleware passes such a 3xx on as an HTTP error; say what it is
            self.stats.inc_value("fetch/refused_scheme")
            logger.warning("fetch/refused_scheme: %s redirects to a %s: URL (not followed)", response.url, scheme)
            raise FetchRefused("fetch/refused_scheme", f"redirect to {scheme}: at {response.url}")
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target in {canonical_url(url) for url in chain}:
            self.stats.inc_value("fetch/redirect_loop")
            logger.warning("Redirect loop: %s -> %s (chain of %d)", response.url, target, len(chain))
            raise FetchRefused("fetch/redirect_loop", f"redirect loop at {response.url}")
