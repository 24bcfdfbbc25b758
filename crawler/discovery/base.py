"""What every discovery source shares: the Source interface, found entries, and bad documents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# Request priorities: discovery documents first, then articles by topic hint, then pages.
PRIORITY_DISCOVERY = 1000
PRIORITY_HOME = 500
PRIORITY_ARTICLE = 100  # + up to 100 for the topic hint
PRIORITY_PAGE = 0  # + up to 50 for the hint, - 10 per depth

# A document that declares entities is refused before any parser sees it (no expansion).
DOCTYPE_ENTITY = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE | re.DOTALL)


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be used; `kind` says why ("malformed", "entities", ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Entry:
    """An article URL found in a feed or sitemap, with whatever it said about it."""

    url: str
    title: str = ""
    published: datetime | None = None  # publication date (news:publication_date, pubDate)
    modified: datetime | None = None  # sitemap lastmod / atom updated


class Crawl(Protocol):
    """What a source may ask of the crawl (the topic spider implements it)."""

    depth_limit: int
    since: datetime | None

    @property
    def stats(self) -> Any: ...

    def site_for(self, url: str) -> Any: ...

    def request(self, url: str, site: Any, source: str, *, priority: int, depth: int = 0) -> Any:
        """A request whose response goes to `source`'s parse (None if that URL was seen)."""

    def schedule(self, url: str, site: Any, *, article: bool, text: str = "", depth: int = 0,
                 published: datetime | None = None, modified: datetime | None = None) -> Any:
        """A request for a found article or page, or None when it is filtered out (and counted)."""

    def article(self, response: Any, site: Any) -> Iterable[Any]:
        """The items for a fetched article page."""

    def bad(self, kind: str, url: str, message: str, site: Any) -> None:
        """Count `kind` (and per site) and log it once per URL."""

    def topic_terms(self) -> str: ...


class Source:
    """One way of finding a site's articles: a module in crawler/discovery/ with one subclass.

    `start` gives a site's first requests (made with `crawl.request(..., source=self.name)`);
    `parse` is called with the responses to this source's requests and yields further
    requests (`crawl.request` / `crawl.schedule`) or items (`crawl.article`).
    """

    name = ""

    def start(self, site: Any, crawl: Crawl) -> Iterable[Any]:
        return ()

    def parse(self, response: Any, site: Any, crawl: Crawl) -> Iterable[Any]:
        return ()
