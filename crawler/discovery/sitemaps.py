"""Sitemaps and sitemap indexes, including Google News sitemaps (news:title, publication date).

Gzipped sitemaps are decompressed with Scrapy's own gunzip, bounded by DOWNLOAD_MAXSIZE.
The XML is read here rather than with scrapy.utils.sitemap.Sitemap, which keeps only the
text of each <url>'s direct children and so loses the <news:news> block (title and
publication date) that ranks and dates news articles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip

from crawler.discovery.base import (
    DOCTYPE_ENTITY,
    PRIORITY_DISCOVERY,
    Crawl,
    DiscoveryError,
    Entry,
    Source,
)
from crawler.discovery.links import looks_like_article_url
from crawler.urls import canonicalize


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: `index` lists child sitemaps, otherwise `entries` are pages."""

    index: bool
    entries: list[Entry]
    news: bool = False  # a Google News sitemap (news:news elements)


def _parse_xml(body: bytes) -> etree._Element:
    if DOCTYPE_ENTITY.search(body[:65536]):
        raise DiscoveryError("entities", "XML entity declarations refused (possible entity expansion attack)")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
        remove_pis=True, recover=False, load_dtd=False,
    )
    try:
        root = etree.fromstring(body.lstrip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        # Salvage what a lenient parse can give, but report the document as malformed.
        recovering = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False,
        )
        try:
            root = etree.fromstring(body.lstrip(), parser=recovering)
        except etree.XMLSyntaxError:
            root = None
        raise DiscoveryError("malformed", f"not well-formed XML: {exc}") from _Salvage(root)
    if root is None:
        raise DiscoveryError("malformed", "empty XML document")
    return root


class _Salvage(Exception):
    """Carries the elements a recovering parse found, as the cause of a DiscoveryError."""

    def __init__(self, root) -> None:
        super().__init__("salvaged")
        self.root = root


def salvaged_root(error: DiscoveryError):
    """The root a lenient parse recovered from a malformed document, if any."""
    cause = error.__cause__
    return cause.root if isinstance(cause, _Salvage) else None


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(element) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def parse_date(value: str | None) -> datetime | None:
    """ISO 8601 (sitemaps, Atom) or RFC 822 (RSS) date, as tz-aware UTC; None if unusable."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the last datetime in UTC
        return None



def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A sitemap index or urlset, including Google News fields (news:title,
    news:publication_date). Raises DiscoveryError when unusable."""
    root = _parse_xml(body)
    return sitemap_from_root(root, base_url)


def sitemap_from_root(root, base_url: str) -> Sitemap:
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError("malformed", f"not a sitemap (root element <{kind}>)")
    index = kind == "sitemapindex"
    entries: list[Entry] = []
    news = False
    for element in root:
        if _local(element.tag) not in ("url", "sitemap"):
            continue
        loc, title, published, modified = "", "", None, None
        for child in element:
            cname = _local(child.tag)
            if cname == "loc":
                loc = _text(child)
            elif cname == "lastmod":
                modified = parse_date(_text(child))
            elif cname == "news":
                news = True
                for sub in child.iter():
                    sname = _local(sub.tag)
                    if sname == "title":
                        title = _text(sub)
                    elif sname == "publication_date":
                        published = parse_date(_text(sub))
        if loc:
            try:
                url = urljoin(base_url, loc)
            except ValueError:  # not a URL ("http://[", "//a[b]"): skipped like an offsite one
                continue
            entries.append(Entry(url, title, published, modified))
    return Sitemap(index=index, entries=entries, news=news)


class SitemapSource(Source):
    """Sitemaps given in the sites file or announced in robots.txt (`from_robots`).

    An index's child sitemaps are followed (news ones first), down to `max_index_depth`
    indexes below the first sitemap (TOPIC_SITEMAP_MAX_DEPTH): a chain of indexes, hostile
    or broken, was followed hundreds deep (`discovery/sitemap_too_deep`, logged once per
    sitemap). A urlset's entries are scheduled as articles when the sitemap is a news
    sitemap or the URL looks like one.
    Stats: discovery/sitemaps, discovery/sitemap_entries, discovery/robots_sitemaps,
    discovery/malformed_sitemap, discovery/entity_expansion, discovery/sitemap_too_deep,
    fetch/decompression_bomb.
    """

    name = "sitemap"

    def __init__(self, max_size: int = 0, max_index_depth: int = 3) -> None:
        self.max_size = max_size
        self.max_index_depth = max_index_depth

    def start(self, site, crawl: Crawl) -> Iterable[Any]:
        for url in site.sitemaps:
            request = crawl.request(url, site, self.name, priority=PRIORITY_DISCOVERY)
            if request is not None:
                yield request

    def from_robots(self, urls: Iterable[str], base_url: str, site, crawl: Crawl) -> Iterable[Any]:
        """Requests for the sitemaps a site's robots.txt lists (when the sites file gave none)."""
        if site.sitemaps:
            return
        for url in urls:
            url = urljoin(base_url, url)
            if crawl.site_for(url) is site:
                request = crawl.request(url, site, self.name, priority=PRIORITY_DISCOVERY)
                if request is not None:
                    crawl.stats.inc_value("discovery/robots_sitemaps")
                    yield request

    def parse(self, response, site, crawl: Crawl) -> Iterable[Any]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.max_size)
            except _DecompressionMaxSizeExceeded as exc:
                crawl.bad("fetch/decompression_bomb", response.url,
                          f"gzipped sitemap exceeds DOWNLOAD_MAXSIZE ({exc.max_size} B)", site)
                return
            except (OSError, EOFError):
                crawl.bad("discovery/malformed_sitemap", response.url, "bad gzip data", site)
                return
        sitemap: Sitemap | None
        try:
            sitemap = parse_sitemap(body, response.url)
        except DiscoveryError as exc:
            crawl.bad("discovery/malformed_sitemap", response.url, str(exc), site)
            if exc.kind == "entities":
                crawl.stats.inc_value("discovery/entity_expansion")
            root = salvaged_root(exc)
            try:
                sitemap = sitemap_from_root(root, response.url) if root is not None else None
            except DiscoveryError:
                sitemap = None
            if sitemap is None:
                return
        crawl.stats.inc_value("discovery/sitemaps")
        if sitemap.index:
            depth = response.meta.get("page_depth", 0) + 1  # of the child sitemaps
            if depth > self.max_index_depth:
                crawl.bad("discovery/sitemap_too_deep", response.url,
                          f"a sitemap index {depth - 1} indexes deep: its {len(sitemap.entries)} child "
                          f"sitemap(s) not followed (TOPIC_SITEMAP_MAX_DEPTH={self.max_index_depth})", site)
                return
            for entry in sitemap.entries:
                if crawl.site_for(entry.url) is not site:
                    continue
                if crawl.since is not None and entry.modified is not None and entry.modified < crawl.since:
                    crawl.stats.inc_value("discovery/out_of_window")
                    continue
                canonical, _ = canonicalize(entry.url)
                news = "news" in canonical.lower()
                request = crawl.request(canonical, site, self.name, priority=PRIORITY_DISCOVERY + (10 if news else 0),
                                        depth=depth)
                if request is not None:
                    yield request
            return
        crawl.stats.inc_value("discovery/sitemap_entries", len(sitemap.entries))
        for entry in sitemap.entries:
            if crawl.site_for(entry.url) is not site:
                continue
            article = sitemap.news or looks_like_article_url(entry.url, site.article_regex)
            if not article and crawl.depth_limit < 1:
                continue
            request = crawl.schedule(entry.url, site, article=article, text=entry.title,
                                     published=entry.published, modified=entry.modified, depth=1)
            if request is not None:
                yield request
