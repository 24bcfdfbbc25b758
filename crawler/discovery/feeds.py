"""RSS and Atom feeds (feedparser), listed in the sites file or announced by a home page."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from xml.sax import SAXException

import feedparser

from crawler.discovery.base import (
    DOCTYPE_ENTITY,
    PRIORITY_DISCOVERY,
    Crawl,
    DiscoveryError,
    Entry,
    Source,
)


def _date(parsed) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc)
    except (ValueError, OverflowError, OSError):  # feedparser can read a year 0 or past 9999
        return None


def parse_feed(body: bytes, base_url: str, content_type: str | None = None) -> tuple[list[Entry], str | None]:
    """(entries, problem) of an RSS 0.9x/1.0/2.0 or Atom feed; `problem` names malformed XML
    whose entries feedparser's lenient parser still recovered.

    Raises DiscoveryError for a document that declares entities or is no feed at all."""
    if DOCTYPE_ENTITY.search(body[:65536]):
        raise DiscoveryError("entities", "XML entity declarations refused (possible entity expansion attack)")
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except ValueError as exc:  # feedparser's encoding sniffing fails on some bytes (UnicodeDecodeError, NUL)
        raise DiscoveryError("malformed", f"unreadable feed: {exc}") from exc
    error = parsed.get("bozo_exception")
    problem = f"not well-formed XML: {error}" if isinstance(error, SAXException) else None
    if not parsed.get("version") and not parsed.get("entries"):  # an empty body has neither key
        raise DiscoveryError("malformed", problem or "not a feed")
    entries = []
    for item in parsed.entries:
        url = (item.get("link") or "").strip()
        if not url:
            continue
        # dict.get: the items' own keys, without feedparser's deprecated updated->published alias
        modified = _date(dict.get(item, "updated_parsed"))
        published = _date(dict.get(item, "published_parsed")) or modified
        entries.append(Entry(url, (item.get("title") or "").strip(), published, modified))
    return entries, problem


class FeedSource(Source):
    """Feeds given in the sites file; each entry is scheduled as an article.

    Stats: discovery/feeds, discovery/feed_entries, discovery/malformed_feed,
    discovery/entity_expansion."""

    name = "feed"

    def start(self, site, crawl: Crawl) -> Iterable[Any]:
        for url in site.feeds:
            request = crawl.request(url, site, self.name, priority=PRIORITY_DISCOVERY)
            if request is not None:
                yield request

    def parse(self, response, site, crawl: Crawl) -> Iterable[Any]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        try:
            entries, problem = parse_feed(response.body, response.url, content_type)
        except DiscoveryError as exc:
            crawl.bad("discovery/malformed_feed", response.url, str(exc), site)
            if exc.kind == "entities":
                crawl.stats.inc_value("discovery/entity_expansion")
            return
        if problem:
            crawl.bad("discovery/malformed_feed", response.url, problem, site)
        crawl.stats.inc_value("discovery/feeds")
        crawl.stats.inc_value("discovery/feed_entries", len(entries))
        for entry in entries:
            if crawl.site_for(entry.url) is not site:
                continue
            request = crawl.schedule(entry.url, site, article=True, text=entry.title,
                                     published=entry.published, modified=entry.modified)
            if request is not None:
                yield request
