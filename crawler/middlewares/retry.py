"""Retries that honour the server's Retry-After (429 Too Many Requests, 503 Service Unavailable)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header value asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (replace it at 550), plus Retry-After on 429 and 503.

    A 429/503 with a Retry-After of at most RETRY_AFTER_MAX seconds is retried (within
    RETRY_TIMES) after that long: the wait is an asyncio sleep, so the reactor and the
    other requests go on (`fetch/retry_after_waited`). A longer Retry-After gives the
    request up at once (`fetch/retry_after_too_long`, logged once per host): retrying
    earlier than the server asked would be impolite, waiting an hour would stall the
    crawl. Without the header, or with one that does not parse, retries are Scrapy's.

    Settings: RETRY_AFTER_MAX (60 s), and RetryMiddleware's own.
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX", 60.0)
        self._hosts_logged: set[str] = set()

    async def process_response(self, request, response, spider=None):  # type: ignore[override]
        if (response.status not in RETRY_AFTER_STATUSES or request.meta.get("dont_retry", False)
                or response.status not in self.retry_http_codes):
            return super().process_response(request, response)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return super().process_response(request, response)
        stats = self.crawler.stats
        if wait > self.max_wait:
            stats.inc_value("fetch/retry_after_too_long")
            host = urlsplit(request.url).netloc
            if host not in self._hosts_logged:
                self._hosts_logged.add(host)
                logger.warning("fetch/retry_after_too_long: %s asks to come back in %.0f s (more than "
                               "RETRY_AFTER_MAX=%.0f s); its requests so answered are given up: %s",
                               host, wait, self.max_wait, request.url)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        stats.inc_value("fetch/retry_after_waited")
        await asyncio.sleep(wait)
        return retry
