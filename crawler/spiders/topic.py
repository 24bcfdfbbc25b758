"""`scrapy crawl topic`: find a topic's coverage across news sites and archive it."""

from __future__ import annotations

import logging
from email.message import Message
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
import scrapy
from lxml import etree
from w3lib.encoding import html_body_declared_encoding
from scrapy import signals
from scrapy.http import TextResponse

from crawler import discovery
from crawler.errors import FetchRefused, classify, describe
from crawler.arguments import TopicArguments, parse_arguments
from crawler.items import ArticleItem
from crawler.middlewares.recheck import META_KEY as RECHECK
from crawler.middlewares.recheck import KnownArticleSkipped
from crawler.sites import SiteSet, download_slots
from crawler.state import CrawlPlan, CrawlState
from crawler.urls import canonicalize

logger = logging.getLogger(__name__)

# Request priorities: discovery documents first, then articles by topic hint, then pages.
PRIORITY_DISCOVERY = 1000
PRIORITY_HOME = 500
PRIORITY_ARTICLE = 100  # + up to 100 for the topic hint
PRIORITY_PAGE = 0  # + up to 50 for the hint, - 10 per depth



class TopicSpider(scrapy.Spider):
    """Discover and archive a topic's coverage across the sites of a sites file.

    Arguments (-a): topic (query, required), sites (YAML file, or "demo" for the built-in
    loopback demo web), since (YYYY-MM-DD, skip older articles), min_score (topic cut,
    default TOPIC_MIN_SCORE), depth (page link depth, default TOPIC_DEPTH_LIMIT).

    Discovery order: feeds and (news) sitemaps given in the sites file or found in
    robots.txt and <link rel="alternate">; home page; site search; section pages up to
    the depth limit. Links are only extracted from non-article pages. Article requests
    are prioritised by how well their title, anchor text and URL match the topic.

    Settings: TOPIC_DEPTH_LIMIT (3), TOPIC_MIN_SCORE (0.0), TOPIC_MAX_LINKS_PER_PAGE (200), TOPIC_MAX_LISTING_PAGES (50),
    EXTRACT_ENABLED (True). Known URLs are skipped or re-checked by
    crawler.middlewares.recheck.RecheckMiddleware.
    """

    name = "topic"

    def __init__(self, topic=None, sites=None, since=None, min_score=None, depth=None, arguments=None,
                 **kwargs):
        super().__init__(**kwargs)
        if arguments is None:  # built without `scrapy crawl` (which validates them before)
            arguments = self.check_arguments(topic=topic, sites=sites, since=since, min_score=min_score,
                                             depth=depth)
        self.arguments: TopicArguments = arguments
        self.query = arguments.query
        self.topic = arguments.topic
        self.since = arguments.since
        self.sites = SiteSet(arguments.sites)
        self.allowed_domains = self.sites.allowed_domains
        self._seen: set[str] = set()
        self._logged: set[tuple[str, str]] = set()

    @classmethod
    def check_arguments(cls, topic=None, sites=None, since=None, min_score=None, depth=None,
                        **_) -> TopicArguments:
        """The validated arguments; UsageError for a bad topic query, date, number or sites file."""
        return parse_arguments(topic=topic, sites=sites, since=since, min_score=min_score, depth=depth)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        arguments = spider.arguments
        spider.min_score = (
            arguments.min_score if arguments.min_score is not None
            else settings.getfloat("TOPIC_MIN_SCORE", 0.0)
        )
        spider.depth_limit = (
            arguments.depth if arguments.depth is not None else settings.getint("TOPIC_DEPTH_LIMIT", 3)
        )
        spider.max_links = settings.getint("TOPIC_MAX_LINKS_PER_PAGE", 200)
        spider.max_listing_pages = settings.getint("TOPIC_MAX_LISTING_PAGES", 50)
        spider.extract_enabled = settings.getbool("EXTRACT_ENABLED", True)
        spider.state = CrawlState.from_crawler(crawler)
        spider.state.plan(CrawlPlan(spider=spider.name, topic=spider.topic, min_score=spider.min_score,
                                    sites=spider.sites.records))
        # Per-site politeness: `scrapy crawl` puts each site's delay into DOWNLOAD_SLOTS.
        slots = settings.getdict("DOWNLOAD_SLOTS")
        missing = [site.name for site in spider.sites
                   if download_slots([site], slots).get(site.host) != slots.get(site.host)]
        if missing:
            logger.warning("The delay/concurrency of %s is not in DOWNLOAD_SLOTS (set it with "
                           "crawler.sites.download_slots when not using `scrapy crawl`)", ", ".join(missing))
        crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
        return spider

    def site_for(self, url: str):
        """The configured Site of a URL (www., subdomains, listed hosts), or None."""
        return self.sites.site_for(url)

    # ------------------------------------------------------------------ start

    async def start(self):
        logger.info(
            "Topic %r over %d site(s); since=%s min_score=%s depth=%d",
            self.topic, len(self.sites), self.since.date() if self.since else "-",
            self.min_score, self.depth_limit,
        )
        for site in self.sites:
            for url in site.feeds:
                yield self._discovery_request(url, site, "feed")
            for url in site.sitemaps:
                yield self._discovery_request(url, site, "sitemap")
        for site in self.sites:
            search = site.search_url(self.topic_terms())
            if search:
                yield self._page_request(search, site, depth=1, priority=PRIORITY_HOME)
            yield self._page_request(site.url, site, depth=0, priority=PRIORITY_HOME)

    def topic_terms(self) -> str:
        """Plain words for a site search box: the query's positive terms."""
        return " ".join(self.query.positive_terms) or self.topic

    # ------------------------------------------------------------------ requests

    @staticmethod
    def _site_meta(site, kind: str) -> dict:
        meta = {"site": site.name, "kind": kind}
        if site.delay is not None:
            # The sites file's delay is the operator's promise to that site: AutoThrottle
            # would otherwise lower the slot's delay towards DOWNLOAD_DELAY.
            meta["autothrottle_dont_adjust_delay"] = True
        return meta

    def _discovery_request(self, url: str, site, kind: str, priority: int = PRIORITY_DISCOVERY):
        callback = self.parse_feed if kind == "feed" else self.parse_sitemap
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, priority=priority,
            meta=self._site_meta(site, kind),
        )

    def _page_request(self, url: str, site, depth: int, priority: int):
        canonical, _ = canonicalize(url)
        self._seen.add(canonical)
        return scrapy.Request(
            url, callback=self.parse_page, errback=self.on_error, priority=priority,
            meta={**self._site_meta(site, "page"), "page_depth": depth},
        )

    def _schedule(self, url: str, site, *, article: bool, text: str = "", depth: int = 0,
                  published: datetime | None = None, modified: datetime | None = None):
        """A request for a discovered URL, or None when it is filtered out (and counted)."""
        canonical, tracked = canonicalize(url)
        if tracked:
            self.crawler.stats.inc_value("dedup/tracking_params")
        if canonical in self._seen:
            self.crawler.stats.inc_value("dedup/seen_url")
            return None
        self._seen.add(canonical)
        if not discovery.site_allows(site, canonical):
            self.crawler.stats.inc_value("discovery/denied")
            return None
        when = published or modified
        if self.since is not None and when is not None and when < self.since:
            self.crawler.stats.inc_value("discovery/out_of_window")
            return None
        hint = self.query.score_hint(f"{text} {urlsplit(canonical).path}")
        meta = self._site_meta(site, "article" if article else "page")
        meta[RECHECK] = {"published": published, "modified": modified}  # crawler.middlewares.recheck
        if not article:
            meta["page_depth"] = depth
            return scrapy.Request(
                canonical, callback=self.parse_page, errback=self.on_error,
                priority=PRIORITY_PAGE + int(hint * 50) - 10 * depth, meta=meta,
            )
        return scrapy.Request(
            canonical, callback=self.parse_article, errback=self.on_error,
            priority=PRIORITY_ARTICLE + int(hint * 100), meta=meta,
        )

    def _robots_parsed(self, robotparser, request):
        """Sitemaps announced in robots.txt, for sites that gave none in the sites file."""
        site = self.site_for(request.url)
        if site is None or site.sitemaps:
            return
        parser = getattr(robotparser, "rp", None)
        for url in list(getattr(parser, "sitemaps", ()) or ()):
            url = urljoin(request.url, url)
            if self.site_for(url) is site:
                self.crawler.stats.inc_value("discovery/robots_sitemaps")
                self.crawler.engine.crawl(self._discovery_request(url, site, "sitemap"))

    # ------------------------------------------------------------------ callbacks

    def parse_feed(self, response):
        site = self.site_for(response.url)
        if site is None:
            return
        try:
            entries = discovery.parse_feed(response.body, response.url)
        except discovery.DiscoveryError as exc:
            self._bad("discovery/malformed_feed", response.url, str(exc), site)
            if exc.kind == "entities":
                self.crawler.stats.inc_value("discovery/entity_expansion")
            root = discovery.salvaged_root(exc)
            entries = []
            if root is not None:
                try:
                    entries = discovery.entries_from_feed_root(root, response.url)
                except discovery.DiscoveryError:
                    entries = []
        self.crawler.stats.inc_value("discovery/feeds")
        self.crawler.stats.inc_value("discovery/feed_entries", len(entries))
        for entry in entries:
            if self.site_for(entry.url) is not site:
                continue
            request = self._schedule(entry.url, site, article=True, text=entry.title,
                                     published=entry.published, modified=entry.modified)
            if request is not None:
                yield request

    def parse_sitemap(self, response):
        site = self.site_for(response.url)
        if site is None:
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            from scrapy.utils._compression import _DecompressionMaxSizeExceeded
            from scrapy.utils.gz import gunzip

            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except _DecompressionMaxSizeExceeded:
                self._bad("fetch/decompression_bomb", response.url, "gzipped sitemap too large", site)
                return
            except (OSError, EOFError):
                self._bad("discovery/malformed_sitemap", response.url, "bad gzip data", site)
                return
        try:
            sitemap = discovery.parse_sitemap(body, response.url)
        except discovery.DiscoveryError as exc:
            self._bad("discovery/malformed_sitemap", response.url, str(exc), site)
            if exc.kind == "entities":
                self.crawler.stats.inc_value("discovery/entity_expansion")
            root = discovery.salvaged_root(exc)
            try:
                sitemap = discovery.sitemap_from_root(root, response.url) if root is not None else None
            except discovery.DiscoveryError:
                sitemap = None
            if sitemap is None:
                return
        self.crawler.stats.inc_value("discovery/sitemaps")
        if sitemap.index:
            for entry in sitemap.entries:
                if self.site_for(entry.url) is not site:
                    continue
                if self.since is not None and entry.modified is not None and entry.modified < self.since:
                    self.crawler.stats.inc_value("discovery/out_of_window")
                    continue
                canonical, _ = canonicalize(entry.url)
                if canonical in self._seen:
                    continue
                self._seen.add(canonical)
                news = "news" in canonical.lower()
                yield self._discovery_request(
                    canonical, site, "sitemap", priority=PRIORITY_DISCOVERY + (10 if news else 0)
                )
            return
        self.crawler.stats.inc_value("discovery/sitemap_entries", len(sitemap.entries))
        for entry in sitemap.entries:
            if self.site_for(entry.url) is not site:
                continue
            article = sitemap.news or discovery.looks_like_article_url(entry.url, site.article_regex)
            request = self._schedule(entry.url, site, article=article, text=entry.title,
                                     published=entry.published, modified=entry.modified,
                                     depth=1)
            if request is not None and (article or self.depth_limit >= 1):
                yield request

    def parse_page(self, response):
        """Home, section and search pages: links to articles and to more sections."""
        site = self.site_for(response.url)
        if site is None:
            return
        if response.meta.get("kind") == "article":  # a known article (crawler.middlewares.recheck)
            yield from self.parse_article(response)
            return
        if not self._is_html(response, site):
            return
        depth = response.meta.get("page_depth", 0)
        if depth > 0 and discovery.looks_like_article(response.body):
            yield from self.parse_article(response)
            return
        self.crawler.stats.inc_value("discovery/pages")
        root = response.selector.root
        if depth == 0:  # feeds the home page advertises, given ones or not (dedup by URL)
            for url in discovery.feed_links(root, response.url):
                if self.site_for(url) is site:
                    canonical, _ = canonicalize(url)
                    if canonical not in self._seen:
                        self._seen.add(canonical)
                        self.crawler.stats.inc_value("discovery/page_feeds")
                        yield self._discovery_request(canonical, site, "feed")
        followed = 0
        for url, text in discovery.page_links(root, response.url):
            if followed >= self.max_links:
                break
            if self.site_for(url) is not site or not discovery.is_page_url(url):
                continue
            if discovery.is_utility_url(url):
                continue
            article = discovery.looks_like_article_url(url, site.article_regex)
            next_depth = depth + 1
            if not article and discovery.is_pagination(response.url, url):
                # more of the same listing: same depth, bounded by TOPIC_MAX_LISTING_PAGES
                pages = response.meta.get("listing_page", 1) + 1
                if pages > self.max_listing_pages:
                    continue
                next_depth = depth
            elif not article and next_depth > self.depth_limit:
                continue
            request = self._schedule(url, site, article=article, text=text, depth=next_depth)
            if request is not None and not article and next_depth == depth:
                request.meta["listing_page"] = pages
            if request is not None:
                followed += 1
                yield request

    def parse_article(self, response):
        site = self.site_for(response.url) or self.site_for(response.request.url)
        if site is None:
            return
        capture = response.meta.get("capture")
        stats = self.crawler.stats
        if response.status == 304 or (capture is not None and capture.record_type == "revisit"):
            stats.inc_value("incremental/not_modified" if response.status == 304 else "incremental/identical")
            stats.inc_value(f"site/{site.name}/articles_fetched")
            stats.inc_value(f"site/{site.name}/not_modified")
            return
        if capture is None:
            return
        if not self._is_html(response, site):
            return
        body = response.body
        canonical, _ = canonicalize(response.url)
        declared = self._rel_canonical(body, response.url)
        if declared and declared != canonical:
            declared_site = self.site_for(declared)
            if declared_site is not None:
                stats.inc_value("dedup/rel_canonical")
                self._seen.add(declared)  # honour rel=canonical: never fetch that URL again
        if response.meta.get("kind") != "article" and not (
            discovery.looks_like_article(body)
            or discovery.looks_like_article_url(response.url, site.article_regex)
        ):
            return
        stats.inc_value("discovery/articles")
        stats.inc_value(f"site/{site.name}/articles_fetched")
        if not self.extract_enabled:
            return
        declared, any_declared = self._declared_charset(response)
        if not any_declared:
            self._bad("fetch/charset_missing", response.url, "no charset declared", site, level=logging.INFO)
        previous = response.meta.get("previous")
        yield ArticleItem(
            url=response.url,
            site=site.name,
            html=body,
            capture=capture,
            declared_charset=declared,
            previous_hash=previous.content_hash if previous is not None else None,
        )

    def on_error(self, failure):
        request = failure.request
        if isinstance(failure.value, KnownArticleSkipped):
            return  # the re-check policy at work, counted by its middleware
        kind = classify(failure.value)
        site = self.site_for(request.url)
        # FetchRefused is counted where it is raised; HttpError by the capture middleware.
        already = isinstance(failure.value, FetchRefused) or kind.startswith("fetch/http_")
        if not already:
            self.crawler.stats.inc_value(kind)
        if site is not None:
            self.crawler.stats.inc_value(f"site/{site.name}/errors/{kind.split('/', 1)[-1]}")
        self._log_once(kind, request.url, "%s: %s (%s)", kind, request.url, describe(failure.value))

    # ------------------------------------------------------------------ helpers

    def _is_html(self, response, site) -> bool:
        content_type = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
        html = isinstance(response, TextResponse) and (
            content_type in (b"text/html", b"application/xhtml+xml", b"")
            or (not content_type and b"<html" in response.body[:2048].lower())
        )
        if not html:
            self._bad("fetch/non_html", response.url,
                      f"not HTML ({content_type.decode('latin-1') or type(response).__name__})", site)
        return html

    @staticmethod
    def _rel_canonical(body: bytes, base: str) -> str | None:
        """The page's <link rel=canonical> in canonical form (lxml over the <head> only)."""
        head_end = body.find(b"</head>")
        head = body[: head_end + 7 if head_end > 0 else 65536]
        try:
            root = lxml.html.document_fromstring(head)
        except (etree.ParserError, ValueError):
            return None
        hrefs = root.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")
        if not hrefs or not str(hrefs[0]).strip():
            return None
        try:
            return canonicalize(urljoin(base, str(hrefs[0]).strip()))[0]
        except ValueError:
            return None

    @staticmethod
    def _declared_charset(response) -> tuple[str | None, bool]:
        """(charset of the Content-Type header as declared, whether the page declares one anywhere).

        The header parameter is parsed by the email package (as declared: extraction
        judges it); a <meta> declaration is found by w3lib, as `response.encoding` does."""
        header = Message()
        header["Content-Type"] = response.headers.get(b"Content-Type", b"").decode("latin-1")
        declared = header.get_content_charset()
        if declared:
            return declared, True
        return None, html_body_declared_encoding(response.body[:4096]) is not None

    def _bad(self, kind: str, url: str, message: str, site=None, level=logging.WARNING) -> None:
        self.crawler.stats.inc_value(kind)
        if site is not None:
            self.crawler.stats.inc_value(f"site/{site.name}/errors/{kind.split('/', 1)[-1]}")
        self._log_once(kind, url, "%s: %s (%s)", kind, url, message, level=level)

    def _log_once(self, kind: str, url: str, msg: str, *args, level=logging.WARNING) -> None:
        if (kind, url) in self._logged:
            return
        self._logged.add((kind, url))
        logger.log(level, msg, *args)
