"""Discovery: where a topic crawl finds a site's articles, one module per source.

Each source (crawler.discovery.base.Source) gives a site's first requests and parses the
responses to them. To add a source, write a module here with a Source subclass and add
it to `sources()` below: that is the one place the spider learns of it.
"""

from __future__ import annotations

from crawler.discovery.base import DiscoveryError, Entry, Source
from crawler.discovery.feeds import FeedSource, parse_feed
from crawler.discovery.links import (
    feed_links,
    is_page_url,
    is_pagination,
    is_utility_url,
    looks_like_article,
    looks_like_article_url,
    page_links,
    site_allows,
)
from crawler.discovery.search import SearchSource
from crawler.discovery.sections import SectionSource
from crawler.discovery.sitemaps import (
    Sitemap,
    SitemapSource,
    parse_sitemap,
    salvaged_root,
    sitemap_from_root,
)

__all__ = [
    "DiscoveryError", "Entry", "FeedSource", "SearchSource", "SectionSource", "Sitemap", "SitemapSource",
    "Source", "feed_links", "is_page_url", "is_pagination", "is_utility_url", "looks_like_article",
    "looks_like_article_url", "page_links", "parse_feed", "parse_sitemap", "salvaged_root", "site_allows",
    "sitemap_from_root", "sources",
]  # fmt: skip


def sources(*, max_links: int, max_listing_pages: int, max_size: int,
            max_sitemap_depth: int = 3) -> dict[str, Source]:
    """The crawl's sources by name, in the order their first requests are made."""
    sections = SectionSource(max_links=max_links, max_listing_pages=max_listing_pages)
    found: list[Source] = [FeedSource(), SitemapSource(max_size=max_size, max_index_depth=max_sitemap_depth),
                           SearchSource(sections), sections]
    return {source.name: source for source in found}
