"""`scrapy crawl topic`: find a topic's coverage across news sites and archive it."""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import Message
from urllib.parse import urljoin, urlsplit

import lxml.html
import scrapy
from lxml import etree
from scrapy import signals
from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding

from crawler.arguments import TopicArguments, parse_arguments
from crawler.discovery import (
    SitemapSource,
    looks_like_article,
    looks_like_article_url,
    site_allows,
    sources,
)
from crawler.discovery.base import PRIORITY_ARTICLE, PRIORITY_PAGE, Source
from crawler.errors import FetchRefused, classify, describe
from crawler.items import ArticleItem
from crawler.middlewares.recheck import LISTING_SOURCES, KnownArticleSkipped
from crawler.middlewares.recheck import META_KEY as RECHECK
from crawler.requisite_requests import RequisiteRequests
from crawler.requisites import Requisite
from crawler.sites import SiteSet, download_slots
from crawler.state import CrawlPlan, CrawlState
from crawler.urls import canonicalize

logger = logging.getLogger(__name__)


class TopicSpider(scrapy.Spider):
    """Discover and archive a topic's coverage across the sites of a sites file.

    Arguments (-a): topic (query, required), sites (YAML file, or "demo" for the built-in
    loopback demo web, which `scrapy crawl` starts), since (YYYY-MM-DD, skip older
    articles), min_score (topic cut, default TOPIC_MIN_SCORE), depth (page link depth,
    default TOPIC_DEPTH_LIMIT).

    Discovery is done by the sources of crawler.discovery (feeds, sitemaps, site search,
    home and section pages), in that order; this class only filters and prioritises
    what they find (seen URLs, the sites' allow/deny rules, the since= window, the topic
    hint) and turns article pages into items. Known URLs are skipped or re-checked by
    crawler.middlewares.recheck.RecheckMiddleware.

    Settings: TOPIC_DEPTH_LIMIT (3), TOPIC_MIN_SCORE (0.0), TOPIC_MAX_LINKS_PER_PAGE (200),
    TOPIC_MAX_LISTING_PAGES (50), TOPIC_SITEMAP_MAX_DEPTH (3), EXTRACT_ENABLED (True), DOWNLOAD_MAXSIZE (gzipped sitemaps).
    """

    name = "topic"
    # set in from_crawler, from the arguments and settings
    min_score: float
    depth_limit: int
    extract_enabled: bool
    sources: dict[str, Source]
    state: CrawlState
    requisites: RequisiteRequests

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
        spider.extract_enabled = settings.getbool("EXTRACT_ENABLED", True)
        spider.sources = sources(max_links=settings.getint("TOPIC_MAX_LINKS_PER_PAGE", 200),
                                 max_listing_pages=settings.getint("TOPIC_MAX_LISTING_PAGES", 50),
                                 max_size=settings.getint("DOWNLOAD_MAXSIZE"),
                                 max_sitemap_depth=settings.getint("TOPIC_SITEMAP_MAX_DEPTH", 3))
        spider.requisites = RequisiteRequests.from_crawler(crawler)
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
        crawler.signals.connect(spider.page_read, signal=signals.item_scraped)
        crawler.signals.connect(spider.page_read, signal=signals.item_dropped)
        return spider

    def site_for(self, url: str):
        """The configured Site of a URL (www., subdomains, listed hosts), or None."""
        return self.sites.site_for(url)

    def topic_terms(self) -> str:
        """Plain words for a site search box: the query's positive terms."""
        return " ".join(self.query.positive_terms) or self.topic

    @property
    def stats(self):
        return self.crawler.stats

    # ------------------------------------------------------------------ start

    async def start(self):
        logger.info(
            "Topic %r over %d site(s); since=%s min_score=%s depth=%d",
            self.topic, len(self.sites), self.since.date() if self.since else "-",
            self.min_score, self.depth_limit,
        )
        for source in self.sources.values():
            for site in self.sites:
                for request in source.start(site, self):
                    yield request

    # ------------------------------------------------------------------ requests (for the sources)

    @staticmethod
    def _site_meta(site, kind: str) -> dict:
        meta = {"site": site.name, "kind": kind}
        if site.delay is not None:
            # The sites file's delay is the operator's promise to that site: AutoThrottle
            # would otherwise lower the slot's delay towards DOWNLOAD_DELAY.
            meta["autothrottle_dont_adjust_delay"] = True
        return meta

    def request(self, url: str, site, source: str, *, priority: int, depth: int = 0):
        """A request whose response goes to the named source; None when the URL was seen."""
        canonical, _ = canonicalize(url)
        if canonical in self._seen:
            return None
        self._seen.add(canonical)
        meta = {**self._site_meta(site, "page" if source in ("section", "search") else source),
                "source": source, "page_depth": depth}
        return self._new_request(url, site, callback=self.parse_discovered, priority=priority, meta=meta)

    def _new_request(self, url: str, site, **kwargs):
        """scrapy.Request, or None (counted) for a found URL that w3lib refuses (a port of 99999...):
        one such entry must not end the parse of the feed or sitemap that listed it."""
        try:
            return scrapy.Request(url, errback=self.on_error, **kwargs)
        except ValueError as exc:
            self.bad("discovery/invalid_url", url, str(exc), site, level=logging.INFO)
            return None

    def schedule(self, url: str, site, *, article: bool, text: str = "", depth: int = 0,
                 published: datetime | None = None, modified: datetime | None = None):
        """A request for a discovered URL, or None when it is filtered out (and counted)."""
        canonical, tracked = canonicalize(url)
        stats = self.crawler.stats
        if tracked:
            stats.inc_value("dedup/tracking_params")
        if canonical in self._seen:
            stats.inc_value("dedup/seen_url")
            return None
        self._seen.add(canonical)
        if not site_allows(site, canonical):
            stats.inc_value("discovery/denied")
            return None
        when = published or modified
        if self.since is not None and when is not None and when < self.since:
            stats.inc_value("discovery/out_of_window")
            return None
        hint = self.query.score_hint(f"{text} {urlsplit(canonical).path}")
        meta = self._site_meta(site, "article" if article else "page")
        meta[RECHECK] = {"published": published, "modified": modified}  # crawler.middlewares.recheck
        if not article:
            meta.update(source="section", page_depth=depth)
            return self._new_request(
                canonical, site, callback=self.parse_discovered,
                priority=PRIORITY_PAGE + int(hint * 50) - 10 * depth, meta=meta,
            )
        return self._new_request(
            canonical, site, callback=self.parse_article,
            priority=PRIORITY_ARTICLE + int(hint * 100), meta=meta,
        )

    def _robots_parsed(self, robotparser, request):
        """Sitemaps announced in robots.txt, for sites that gave none in the sites file."""
        site = self.site_for(request.url)
        if site is None:
            return
        parser = getattr(robotparser, "rp", None)
        urls = list(getattr(parser, "sitemaps", ()) or ())
        sitemaps = self.sources["sitemap"]
        assert isinstance(sitemaps, SitemapSource)
        for found in sitemaps.from_robots(urls, request.url, site, self):
            self.crawler.engine.crawl(found)

    # ------------------------------------------------------------------ callbacks

    def parse_discovered(self, response):
        """A response to a discovery source's request: that source parses it."""
        site = self.site_for(response.url) or self.site_for(response.request.url)
        if site is None:
            return
        source = self.sources[response.meta.get("source", "section")]
        if response.meta.get("kind") == "article":  # a known article (crawler.middlewares.recheck)
            yield from self.article(response, site)
            if source.name not in LISTING_SOURCES:
                return
            # a listing page that once passed as an article: its links still count
        if source.name in ("section", "search"):
            if not self._is_html(response, site):
                return
            yield from self.requisites.for_page(response, self, site, listing=True)
        yield from source.parse(response, site, self)

    def parse_article(self, response):
        site = self.site_for(response.url) or self.site_for(response.request.url)
        if site is not None:
            yield from self.article(response, site)

    def article(self, response, site):
        """The item for a fetched article page (none for a 304 or identical re-fetch)."""
        capture = response.meta.get("capture")
        stats = self.crawler.stats
        previous = response.meta.get("previous")
        revisit = capture is not None and capture.record_type == "revisit"
        if response.status == 304 or (revisit and previous is not None and previous.content_hash):
            stats.inc_value("incremental/not_modified" if response.status == 304 else "incremental/identical")
            stats.inc_value(f"site/{site.name}/articles_fetched")
            stats.inc_value(f"site/{site.name}/not_modified")
            return
        if capture is None:
            return
        if not self._is_html(response, site):
            return
        body = response.body
        is_article = response.meta.get("kind") == "article" or (
            looks_like_article(body) or looks_like_article_url(response.url, site.article_regex)
        )
        if not (is_article and self.extract_enabled):
            # an article's extraction worker reads it from its own parse (page_read)
            self.honour_canonical(self._rel_canonical(body, response.url), response.url)
        if not is_article:
            return
        stats.inc_value("discovery/articles")
        stats.inc_value(f"site/{site.name}/articles_fetched")
        if not self.extract_enabled:
            yield from self.requisites.for_page(response, self, site)
            return
        declared, any_declared = self._declared_charset(response)
        if not any_declared:
            self.bad("fetch/charset_missing", response.url, "no charset declared", site, level=logging.INFO)
        yield ArticleItem(
            url=response.url,
            site=site.name,
            html=body,
            capture=capture,
            declared_charset=declared,
            previous_hash=previous.content_hash if previous is not None else None,
            requisite_kinds=self.requisites.policy.kinds if self.requisites.wanted(site) else None,
        )

    def page_read(self, item, **_) -> None:
        """An article page's worker has read it (signals item_scraped, item_dropped): honour its
        rel=canonical and request its requisites, both found in the worker's parse."""
        if not isinstance(item, ArticleItem):
            return
        self.honour_canonical(item.rel_canonical, item.url)
        found = [Requisite(url, kind) for url, kind in item.requisites]
        if item.requisite_kinds is not None:
            for request in self.requisites.for_found(found, item.url, self):
                self.crawler.engine.crawl(request)

    def honour_canonical(self, declared: str | None, url: str) -> None:
        """A page's <link rel=canonical> URL (absolute) of a configured site is never fetched again."""
        if not declared:
            return
        try:
            declared = canonicalize(declared)[0]
        except ValueError:
            return
        if declared != canonicalize(url)[0] and self.site_for(declared) is not None:
            self.crawler.stats.inc_value("dedup/rel_canonical")
            self._seen.add(declared)

    def parse_requisite(self, response):
        """A stylesheet, image, script, icon or font of an archived page (never an item)."""
        self.requisites.fetched(response)
        yield from self.requisites.for_stylesheet(response, self)

    def on_requisite_error(self, failure):
        self.requisites.failed(failure)

    def on_error(self, failure):
        request = failure.request
        if isinstance(failure.value, KnownArticleSkipped):
            return  # the re-check policy at work, counted by its middleware
        kind = classify(failure.value)
        site = self.site_for(request.url)
        # FetchRefused is counted where it is raised, unless it says not (Scrapy's refusals,
        # crawler.middlewares.refusals); HttpError by the capture middleware.
        exc = failure.value
        already = (isinstance(exc, FetchRefused) and exc.counted) or kind.startswith("fetch/http_")
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
            self.bad("fetch/non_html", response.url,
                      f"not HTML ({content_type.decode('latin-1') or type(response).__name__})", site)
        return html

    @staticmethod
    def _rel_canonical(body: bytes, base: str) -> str | None:
        """The page's <link rel=canonical>, absolute (lxml over the <head> only)."""
        head_end = body.find(b"</head>")
        head = body[: head_end + 7 if head_end > 0 else 65536]
        try:
            root = lxml.html.document_fromstring(head)
        except (etree.ParserError, ValueError):
            return None
        hrefs = root.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")
        if not hrefs or not str(hrefs[0]).strip():
            return None
        return urljoin(base, str(hrefs[0]).strip())

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

    def bad(self, kind: str, url: str, message: str, site=None, level=logging.WARNING) -> None:
        """Count `kind` (also per site) and log it once per URL."""
        self.crawler.stats.inc_value(kind)
        if site is not None:
            self.crawler.stats.inc_value(f"site/{site.name}/errors/{kind.split('/', 1)[-1]}")
        self._log_once(kind, url, "%s: %s (%s)", kind, url, message, level=level)

    def _log_once(self, kind: str, url: str, msg: str, *args, level=logging.WARNING) -> None:
        if (kind, url) in self._logged:
            return
        self._logged.add((kind, url))
        logger.log(level, msg, *args)
