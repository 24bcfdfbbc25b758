"""Page requisites: the wrong media type refused before the WARC, robots.txt read on their hosts."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.errors import FetchRefused
from crawler.requisite_requests import META_KEY, acceptable_type


class RequisiteTypeMiddleware:
    """Downloader middleware: a requisite answered 2xx with a media type that does not fit
    what the page asked for (an HTML error page for an image, a script for a stylesheet)
    is dropped (`requisites/refused_type`). It sits above the capture middleware (960 >
    950), so its process_response runs first and nothing of the refused body is archived;
    the body's size is already capped by the request's download_maxsize.
    """

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        meta = request.meta.get(META_KEY)
        if not meta or not 200 <= response.status < 300:
            return response
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if acceptable_type(meta["kind"], content_type):
            return response
        self.stats.inc_value("requisites/refused_type")
        raise FetchRefused("requisites/refused_type",
                           f"{content_type or 'no type'} is not a {meta['kind']}: {request.url}")


class RequisiteRobotsMiddleware:
    """Downloader middleware: robots.txt is read for the other hosts requisites come from.

    A requisite on a CDN passes the offsite filter (`allow_offsite`), then Scrapy's
    RobotsTxtMiddleware asks for that host's robots.txt with a request of its own,
    which the offsite filter would drop, and a robots.txt that cannot be fetched
    allows everything. This middleware runs before the offsite filter (40 < 50) and
    lets those robots.txt requests through: robots.txt is only ever asked for a host
    that a request already got through to.
    """

    def process_request(self, request):
        if request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt":
            request.meta["allow_offsite"] = True
        return None
