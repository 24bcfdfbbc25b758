"""`scrapy crawl topic`: find a topic's coverage across news sites and archive it."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.http import TextResponse

from crawler import discovery
from crawler.errors import classify
from crawler.items import ArticleItem
from crawler.urls import canonicalize, url_host

logger = logging.getLogger(__name__)

# Request priorities: discovery documents first, then articles by topic hint, then pages.
PRIORITY_DISCOVERY = 1000
PRIORITY_HOME = 500
PRIORITY_ARTICLE = 100  # + up to 100 for the topic hint
PRIORITY_PAGE = 0  # + up to 50 for the hint, - 10 per depth

_CHARSET = re.compile(rb"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_CANONICAL = re.compile(
    rb"<link\b[^>]*?rel\s*=\s*[\"']?canonical[\"']?[^>]*?href\s*=\s*[\"']([^\"'>\s]+)"
    rb"|<link\b[^>]*?href\s*=\s*[\"']([^\"'>\s]+)[\"'][^>]*?rel\s*=\s*[\"']?canonical",
    re.IGNORECASE,
)


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"since={value!r} is not a date (expected YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


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
    TOPIC_DEMO_TIMEOUT (60), TOPIC_DEMO_FILLER (0), ARCHIVE_RECHECK_DAYS (3),
    ARCHIVE_CONDITIONAL_REQUESTS (True), EXTRACT_MIN_TEXT_LENGTH (400).
    """

    name = "topic"

    def __init__(self, topic=None, sites=None, since=None, min_score=None, depth=None, **kwargs):
        super().__init__(**kwargs)
        from archive.topic import TopicQueryError, parse_topic

        if not topic:
            raise UsageError("missing -a topic='QUERY' (e.g. -a topic='\"defence framework\" AND India')")
        if not sites:
            raise UsageError("missing -a sites=FILE.yaml (or -a sites=demo)")
        try:
            self.query = parse_topic(topic)
        except TopicQueryError as exc:
            raise UsageError(f"invalid topic query:\n{exc}") from None
        self.topic = str(topic)
        self.sites_arg = str(sites)
        self.since = _parse_since(since)
        try:
            self.min_score_arg = float(min_score) if min_score not in (None, "") else None
            self.depth_arg = int(depth) if depth not in (None, "") else None
        except ValueError as exc:
            raise UsageError(f"bad number in -a min_score/depth: {exc}") from None
        self.sites: list = []
        self.archive_sites: list[dict] = []
        self._site_by_host: dict = {}
        self._seen: set[str] = set()
        self._logged: set[tuple[str, str]] = set()
        self._demo = None
        self.states: dict = {}

    @classmethod
    def check_arguments(cls, topic=None, sites=None, since=None, min_score=None, depth=None, **_):
        """Raise UsageError for a bad topic query, date, number or sites file (no request sent)."""
        from archive.topic import TopicQueryError, parse_topic
        from crawler.sites import SitesFileError, load_sites

        if not topic:
            raise UsageError("missing -a topic='QUERY' (e.g. -a topic='\"defence framework\" AND India')")
        if not sites:
            raise UsageError("missing -a sites=FILE.yaml (or -a sites=demo)")
        try:
            parse_topic(topic)
        except TopicQueryError as exc:
            raise UsageError(f"invalid topic query: {exc}") from None
        _parse_since(since)
        for name, value, kind in (("min_score", min_score, float), ("depth", depth, int)):
            if value not in (None, ""):
                try:
                    kind(value)
                except ValueError:
                    raise UsageError(f"-a {name}={value!r} is not a number") from None
        if sites != "demo":
            try:
                load_sites(sites)
            except SitesFileError as exc:
                raise UsageError(f"invalid sites file:\n{exc}") from None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        contact_priority = settings.getpriority("ARCHIVE_CONTACT") or 0
        if contact_priority > (settings.getpriority("USER_AGENT") or 0):
            # `-s ARCHIVE_CONTACT=...` alone: rebuild the identifying User-Agent around it.
            from crawler import __version__

            settings.set("USER_AGENT", f"news-archive/{__version__} (+{settings['ARCHIVE_CONTACT']})",
                         priority=contact_priority)
        spider.min_score = (
            spider.min_score_arg if spider.min_score_arg is not None
            else settings.getfloat("TOPIC_MIN_SCORE", 0.0)
        )
        spider.depth_limit = (
            spider.depth_arg if spider.depth_arg is not None else settings.getint("TOPIC_DEPTH_LIMIT", 3)
        )
        spider.max_links = settings.getint("TOPIC_MAX_LINKS_PER_PAGE", 200)
        spider.max_listing_pages = settings.getint("TOPIC_MAX_LISTING_PAGES", 50)
        spider.recheck = timedelta(days=settings.getfloat("ARCHIVE_RECHECK_DAYS", 3.0))
        spider.conditional = settings.getbool("ARCHIVE_CONDITIONAL_REQUESTS", True)
        spider.extract_enabled = settings.getbool("EXTRACT_ENABLED", True)
        spider._load_sites(
            demo_timeout=settings.getfloat("TOPIC_DEMO_TIMEOUT", 60),
            demo_articles=settings.getint("TOPIC_DEMO_FILLER", 0),
        )
        # Per-site politeness: download slots are keyed by host name.
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for site in spider.sites:
            slot = dict(slots.get(site.host, {}))
            if site.delay is not None:
                slot["delay"] = site.delay
            if site.concurrency is not None:
                slot["concurrency"] = site.concurrency
            if slot:
                slots[site.host] = slot
        if slots:
            settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    # ------------------------------------------------------------------ setup

    def _load_sites(self, demo_timeout: float, demo_articles: int) -> None:
        from crawler.sites import SitesFileError, load_sites

        path = self.sites_arg
        if path == "demo":
            from crawler.demo import DemoServer

            self._demo = DemoServer(timeout=demo_timeout, articles=demo_articles)
            path = self._demo.start()
            logger.info("Demo web serving on loopback; sites file %s", path)
        try:
            self.sites = load_sites(path)
        except SitesFileError as exc:
            self._stop_demo()
            raise UsageError(f"invalid sites file:\n{exc}") from None
        self.archive_sites = [{"name": s.name, "url": s.url} for s in self.sites]
        domains: list[str] = []
        for site in self.sites:
            for domain in site.allowed_domains:
                self._site_by_host.setdefault(domain, site)
                if domain not in domains:
                    domains.append(domain)
        self.allowed_domains = domains

    def _closed(self, spider, reason):
        self._stop_demo()

    def _stop_demo(self) -> None:
        if self._demo is not None:
            demo, self._demo = self._demo, None
            demo.stop()

    def site_for(self, url: str):
        host = url_host(url)
        site = self._site_by_host.get(host)
        if site is None and host.startswith("www."):
            site = self._site_by_host.get(host[4:])
        if site is None:
            for domain, candidate in self._site_by_host.items():
                if host.endswith("." + domain):
                    return candidate
        return site

    # ------------------------------------------------------------------ start

    async def start(self):
        from crawler.extensions.archive_session import ArchiveSessionExtension

        extension = self.crawler.get_extension(ArchiveSessionExtension)
        self.states = extension.states if extension is not None else {}
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
        headers = {}
        previous = self.states.get(canonical)
        if previous is not None and previous.content_hash:
            # Known article: skip it, or re-check it with a conditional request.
            if not self._recheck(previous, published, modified):
                self.crawler.stats.inc_value("incremental/skipped_known")
                self.crawler.stats.inc_value(f"site/{site.name}/skipped_known")
                return None
            article = True
            meta["kind"] = "article"
            meta["previous"] = previous
            meta["handle_httpstatus_list"] = [304]
            if self.conditional:
                if previous.etag:
                    headers["If-None-Match"] = previous.etag
                if previous.last_modified:
                    headers["If-Modified-Since"] = previous.last_modified
            self.crawler.stats.inc_value("incremental/rechecked")
        elif previous is not None:
            meta["previous"] = previous  # captured before, not as an article: revisit if identical
        if not article:
            meta["page_depth"] = depth
            return scrapy.Request(
                canonical, callback=self.parse_page, errback=self.on_error, headers=headers,
                priority=PRIORITY_PAGE + int(hint * 50) - 10 * depth, meta=meta,
            )
        meta["title_hint"] = text[:300]
        if published is not None:
            meta["published_hint"] = published.isoformat()
        return scrapy.Request(
            canonical, callback=self.parse_article, errback=self.on_error, headers=headers,
            priority=PRIORITY_ARTICLE + int(hint * 100), meta=meta,
        )

    def _recheck(self, previous, published, modified) -> bool:
        """Should a known article be fetched again (conditionally)?"""
        if modified is not None and modified > previous.fetched_at:
            return True  # the feed or sitemap says it changed since
        reference = published or previous.fetched_at
        return datetime.now(timezone.utc) - reference <= self.recheck

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
            stats.inc_value(f"site/{site.name}/unchanged")
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
        if not self.extract_enabled:
            stats.inc_value(f"site/{site.name}/articles_fetched")
            return
        declared, any_declared = self._declared_charset(response)
        if not any_declared:
            self._bad("fetch/charset_missing", response.url, "no charset declared", site, level=logging.INFO)
        previous = response.meta.get("previous")
        yield ArticleItem(
            url=response.url,
            canonical_url=canonical,
            site=site.name,
            html=body,
            capture=capture,
            declared_charset=declared,
            title_hint=response.meta.get("title_hint", ""),
            published_hint=response.meta.get("published_hint"),
            previous_hash=previous.content_hash if previous is not None else None,
        )

    def on_error(self, failure):
        request = failure.request
        kind = classify(failure.value)
        site = self.site_for(request.url)
        already = kind in ("fetch/redirect_loop",) or kind.startswith("fetch/http_")
        if not already:
            self.crawler.stats.inc_value(kind)
        if site is not None:
            self.crawler.stats.inc_value(f"site/{site.name}/errors/{kind.split('/', 1)[-1]}")
        self._log_once(kind, request.url, "%s: %s (%s)", kind, request.url, failure.getErrorMessage()[:200])

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
        head_end = body.find(b"</head>")
        match = _CANONICAL.search(body, 0, head_end if head_end > 0 else 65536)
        if not match:
            return None
        href = (match.group(1) or match.group(2)).decode("utf-8", "replace")
        try:
            return canonicalize(urljoin(base, href))[0]
        except ValueError:
            return None

    @staticmethod
    def _declared_charset(response) -> tuple[str | None, bool]:
        """(charset of the Content-Type header, whether the page declares one anywhere)."""
        match = _CHARSET.search(response.headers.get(b"Content-Type", b""))
        if match:
            return match.group(1).decode("ascii", "ignore"), True
        return None, bool(_CHARSET.search(response.body[:4096]))

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
