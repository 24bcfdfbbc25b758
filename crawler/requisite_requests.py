"""Requests for page requisites: which to fetch (once per crawl), with what limits, and what came of them.

An article page (and, with ARCHIVE_REQUISITES_LISTINGS, a home or section page)
names its stylesheets, images, scripts, icons and fonts (crawler.requisites); the
crawler archives them so that replay shows the page as it looked. Requisites are
captured and indexed like any response (the capture middleware writes them), but
never extracted, scored or followed for links; a stylesheet's own references are
followed one level deep.

Each URL is requested at most once per crawl (a site-wide stylesheet costs one
request). Requisites on other hosts (CDNs) are allowed past the offsite filter and
get their own download slot (Scrapy keys slots by host) and robots.txt; every one
has a size cap (download_maxsize) and a content-type check
(crawler.middlewares.requisites, before the capture middleware writes anything).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
import scrapy
from lxml import etree

from crawler.errors import FetchRefused, classify, describe
from crawler.requisites import (
    FONT,
    ICON,
    IMAGE,
    KINDS,
    SCRIPT,
    STYLESHEET,
    Requisite,
    css_requisites,
    html_requisites,
)
from crawler.urls import canonicalize

logger = logging.getLogger(__name__)

META_KEY = "requisite"  # request.meta: {"kind": ..., "level": 0 | 1}
PRIORITY_REQUISITE = 90  # just below articles (crawler.discovery.base.PRIORITY_ARTICLE)

_SCRIPT_TYPES = {"application/javascript", "text/javascript", "application/x-javascript",
                 "application/ecmascript", "text/ecmascript", "module"}
_FONT_TYPES = {"application/vnd.ms-fontobject", "application/octet-stream", "application/x-font-ttf",
               "application/x-font-woff", "application/font-woff", "application/font-woff2",
               "application/font-sfnt", "image/svg+xml"}


def acceptable_type(kind: str, content_type: str) -> bool:
    """Whether a response's media type fits the kind of requisite asked for (none: yes)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return True
    if kind == STYLESHEET:
        return media == "text/css"
    if kind in (IMAGE, ICON):
        return media.startswith("image/") or media == "application/octet-stream"
    if kind == SCRIPT:
        return media in _SCRIPT_TYPES
    if kind == FONT:
        return media.startswith("font/") or media in _FONT_TYPES
    return True


@dataclass(frozen=True)
class RequisitePolicy:
    enabled: bool
    kinds: tuple[str, ...]
    listings: bool
    max_size: int


class RequisiteRequests:
    """Builds requisite requests for the spider and accounts for their outcomes.

    Settings: ARCHIVE_REQUISITES (True; a site's `requisites:` in the sites file
    overrides it), ARCHIVE_REQUISITE_KINDS (stylesheet, image, script, icon, font),
    ARCHIVE_REQUISITES_LISTINGS (False: article pages only), ARCHIVE_REQUISITE_MAX_SIZE
    (5 MiB per asset).

    Stats: requisites/requested, requisites/fetched, requisites/deduplicated,
    requisites/refused_robots, requisites/refused_size, requisites/refused_type,
    requisites/failed (and requisites/kind/<kind> for what was requested).
    """

    def __init__(self, policy: RequisitePolicy, crawler) -> None:
        self.policy = policy
        self._crawler = crawler  # for its stats, which exist only once the crawl starts
        self._seen: set[str] = set()
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler) -> RequisiteRequests:
        settings = crawler.settings
        kinds = tuple(k for k in settings.getlist("ARCHIVE_REQUISITE_KINDS", list(KINDS)))
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"ARCHIVE_REQUISITE_KINDS: unknown kind(s) {', '.join(unknown)} "
                             f"(known: {', '.join(KINDS)})")
        policy = RequisitePolicy(
            enabled=settings.getbool("ARCHIVE_REQUISITES", True),
            kinds=kinds,
            listings=settings.getbool("ARCHIVE_REQUISITES_LISTINGS", False),
            max_size=settings.getint("ARCHIVE_REQUISITE_MAX_SIZE", 5 * 1024 * 1024),
        )
        return cls(policy, crawler)

    @property
    def stats(self):
        return self._crawler.stats

    def wanted(self, site, *, listing: bool = False) -> bool:
        enabled = self.policy.enabled if site.requisites is None else site.requisites
        return enabled and (self.policy.listings or not listing)

    # ------------------------------------------------------------------ requests

    def for_page(self, response, spider, site, *, listing: bool = False):
        """Requests for the requisites of an HTML page the crawler archived (parsed here: for
        pages that do not go to the extraction workers, which read them from their own parse)."""
        if not self.wanted(site, listing=listing):
            return
        try:
            root = lxml.html.document_fromstring(response.body)
        except (etree.ParserError, ValueError):
            return
        found = html_requisites(root, response.url, kinds=self.policy.kinds)
        yield from self.for_found(found, response.url, spider)

    def for_found(self, found: list[Requisite], page_url: str, spider):
        """Requests for requisites already found on a page (crawler.requisites.html_requisites)."""
        if ICON in self.policy.kinds and not any(r.kind == ICON for r in found):
            # no declared icon: browsers ask for /favicon.ico (once per site: deduplicated)
            found = [*found, Requisite(urljoin(page_url, "/favicon.ico"), ICON)]
        for requisite in found:
            request = self._request(requisite, spider, level=0)
            if request is not None:
                yield request

    def for_stylesheet(self, response, spider):
        """A page's stylesheet names fonts, images and @imports: one level deeper, no more."""
        meta = response.meta.get(META_KEY) or {}
        if meta.get("kind") != STYLESHEET or meta.get("level", 0) >= 1 or response.status != 200:
            return
        for requisite in css_requisites(response.body, response.url, kinds=self.policy.kinds):
            request = self._request(requisite, spider, level=1)
            if request is not None:
                yield request

    def _request(self, requisite: Requisite, spider, *, level: int):
        try:
            url, _ = canonicalize(requisite.url)
        except ValueError:
            return None
        if url in self._seen:
            self.stats.inc_value("requisites/deduplicated")
            return None
        self._seen.add(url)
        self.stats.inc_value("requisites/requested")
        self.stats.inc_value(f"requisites/kind/{requisite.kind}")
        return scrapy.Request(
            requisite.url, callback=spider.parse_requisite, errback=spider.on_requisite_error,
            priority=PRIORITY_REQUISITE,
            meta={
                META_KEY: {"kind": requisite.kind, "level": level},
                "kind": "requisite",
                "allow_offsite": True,  # CDNs: not in the sites file, still the page's own
                "download_maxsize": self.policy.max_size,
                "recheck": {"requisite": True},  # crawler.middlewares.recheck
            },
        )

    # ------------------------------------------------------------------ outcomes

    def fetched(self, response) -> None:
        if response.status == 200 or response.status == 304:
            self.stats.inc_value("requisites/fetched")
        else:
            self.stats.inc_value("requisites/failed")
            self._log(response.url, f"HTTP {response.status}")

    def failed(self, failure) -> None:
        exc = failure.value
        url = failure.request.url
        kind = classify(exc)
        if kind == "requisites/skipped_known":
            return  # archived recently enough (crawler.middlewares.recheck), counted there
        if isinstance(exc, FetchRefused) and kind.startswith("requisites/"):
            pass  # refused by crawler.middlewares.requisites, which counted it
        elif kind == "fetch/robots_denied":
            self.stats.inc_value("requisites/refused_robots")
        elif kind in ("fetch/oversized", "fetch/decompression_bomb"):
            self.stats.inc_value("requisites/refused_size")
        else:
            self.stats.inc_value("requisites/failed")
        self._log(url, f"{kind}: {describe(exc)}")

    def _log(self, url: str, message: str) -> None:
        if url in self._logged:
            return
        self._logged.add(url)
        logger.info("Requisite not archived: %s (%s)", url, message)
