"""Scrapy's own refusals (robots.txt, too many redirects, offsite) carrying their kind by type.

Scrapy's RobotsTxtMiddleware, RedirectMiddleware, MetaRefreshMiddleware and OffsiteMiddleware
refuse a request with a bare IgnoreRequest. These subclasses, enabled in the settings module
in place of Scrapy's (same order numbers), raise FetchRefused(kind, ...) instead, so
crawler.errors.classify reads the kind from the exception, never from its text.

The refusal is counted by the errback that receives it (`counted=False`): the spider counts
`fetch/robots_denied` for a page, the requisite fetcher `requisites/refused_robots` for a
stylesheet or image. Scrapy's own stats (robotstxt/forbidden, offsite/filtered) stay.
The `spider` parameters only match Scrapy's signatures: Scrapy 2.19 passes no spider.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser

from crawler.errors import FetchRefused

ROBOTS_DENIED = "fetch/robots_denied"
REDIRECT_TOO_MANY = "fetch/redirect_too_many"
OFFSITE = "fetch/offsite"


def _refused(kind: str, exc: IgnoreRequest) -> FetchRefused:
    return FetchRefused(kind, str(exc), counted=False)


class RobotsRefusalMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware whose refusal is a FetchRefused of kind `fetch/robots_denied`."""

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        # Scrapy raises IgnoreRequest here for one reason only: robots.txt forbids the URL.
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:
            raise _refused(ROBOTS_DENIED, exc) from exc


class _RedirectLimit:
    """process_response of Scrapy's two redirect middlewares, whose one IgnoreRequest there
    is REDIRECT_MAX_TIMES used up, raising a FetchRefused (`fetch/redirect_too_many`)."""

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        try:
            return super().process_response(request, response)  # type: ignore[misc]
        except IgnoreRequest as exc:
            raise _refused(REDIRECT_TOO_MANY, exc) from exc


class RedirectRefusalMiddleware(_RedirectLimit, RedirectMiddleware):
    """RedirectMiddleware whose "max redirections reached" is a FetchRefused."""


class MetaRefreshRefusalMiddleware(_RedirectLimit, MetaRefreshMiddleware):
    """MetaRefreshMiddleware, likewise: a <meta http-equiv=refresh> chain past REDIRECT_MAX_TIMES."""


class OffsiteRefusalMiddleware(OffsiteMiddleware):
    """OffsiteMiddleware (downloader side: Scrapy 2.19 has no spider-side one left) whose
    refusal is a FetchRefused of kind `fetch/offsite`.

    Scrapy calls process_request both when a request is scheduled (the engine then drops it
    silently, FetchRefused being an IgnoreRequest) and when it is downloaded (its errback runs).
    """

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            super().process_request(request)
        except IgnoreRequest as exc:
            raise _refused(OFFSITE, exc) from exc
