"""Site search: the sites file's `search` URL asked for the topic's words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.discovery.base import PRIORITY_HOME, Crawl, Source
from crawler.discovery.sections import SectionSource


class SearchSource(Source):
    """One request per site with a `search` template, for the topic's positive terms.
    Its result page is read like a section page one level below the home page."""

    name = "search"

    def __init__(self, sections: SectionSource) -> None:
        self.sections = sections

    def start(self, site, crawl: Crawl) -> Iterable[Any]:
        url = site.search_url(crawl.topic_terms())
        if url:
            request = crawl.request(url, site, self.name, priority=PRIORITY_HOME, depth=1)
            if request is not None:
                yield request

    def parse(self, response, site, crawl: Crawl) -> Iterable[Any]:
        return self.sections.parse(response, site, crawl)
