"""Home and section pages (and site-search result pages): links to articles and to more sections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.discovery.base import PRIORITY_DISCOVERY, PRIORITY_HOME, Crawl, Source
from crawler.discovery.links import (
    feed_links,
    is_page_url,
    is_pagination,
    is_utility_url,
    looks_like_article,
    looks_like_article_url,
    page_links,
)


class SectionSource(Source):
    """The home page (depth 0), then section pages up to the crawl's depth limit.

    The home page's <link rel=alternate> feeds go to the feed source. Of each page's
    links (at most `max_links`), article-looking ones are scheduled as articles, others as
    deeper pages; another page of the same listing (?page=N, /page/N) stays at the same
    depth, at most `max_listing_pages` of it. A page past the home page that is itself an
    article (JSON-LD / og:type) is handed to the article callback.
    Stats: discovery/pages, discovery/page_feeds.
    """

    name = "section"

    def __init__(self, max_links: int = 200, max_listing_pages: int = 50) -> None:
        self.max_links = max_links
        self.max_listing_pages = max_listing_pages

    def start(self, site, crawl: Crawl) -> Iterable[Any]:
        request = crawl.request(site.url, site, self.name, priority=PRIORITY_HOME, depth=0)
        if request is not None:
            yield request

    def parse(self, response, site, crawl: Crawl) -> Iterable[Any]:
        depth = response.meta.get("page_depth", 0)
        if depth > 0 and looks_like_article(response.body):
            yield from crawl.article(response, site)
            return
        crawl.stats.inc_value("discovery/pages")
        root = response.selector.root
        if depth == 0:  # feeds the home page advertises, given ones or not (dedup by URL)
            for url in feed_links(root, response.url):
                if crawl.site_for(url) is site:
                    request = crawl.request(url, site, "feed", priority=PRIORITY_DISCOVERY)
                    if request is not None:
                        crawl.stats.inc_value("discovery/page_feeds")
                        yield request
        followed = 0
        for url, text in page_links(root, response.url):
            if followed >= self.max_links:
                break
            if crawl.site_for(url) is not site or not is_page_url(url) or is_utility_url(url):
                continue
            article = looks_like_article_url(url, site.article_regex)
            next_depth = depth + 1
            pages = 0
            if not article and is_pagination(response.url, url):
                # more of the same listing: same depth, bounded by max_listing_pages
                pages = response.meta.get("listing_page", 1) + 1
                if pages > self.max_listing_pages:
                    continue
                next_depth = depth
            elif not article and next_depth > crawl.depth_limit:
                continue
            request = crawl.schedule(url, site, article=article, text=text, depth=next_depth)
            if request is not None:
                if pages:
                    request.meta["listing_page"] = pages
                followed += 1
                yield request
