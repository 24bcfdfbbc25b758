"""Default (production) settings for the news-archive crawler.

The only module that reads environment variables: ARCHIVE_DIR, ARCHIVE_DATABASE_URL,
ARCHIVE_OPERATOR, ARCHIVE_CONTACT. Everything else flows settings -> from_crawler ->
constructor. Override any of these with `-s NAME=value`.
"""

import os

from crawler import user_agent

BOT_NAME = "news-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"  # `crawl` checks spider arguments before starting

# --- the archive -----------------------------------------------------------------------
ARCHIVE_DIR = os.environ.get("ARCHIVE_DIR", "archive-data")
ARCHIVE_DATABASE_URL = os.environ.get("ARCHIVE_DATABASE_URL") or None  # None: SQLite in ARCHIVE_DIR
ARCHIVE_WARC_PREFIX = "archive"
ARCHIVE_WARC_MAX_SIZE = 1_000_000_000
ARCHIVE_INDEX_BATCH_SIZE = 500
# While the index database is down, index rows are held in memory, at most this many; past
# it the oldest are dropped and indexed from the WARC by the next open's catch-up instead.
ARCHIVE_INDEX_MAX_HELD_ROWS = 200_000
# At crawl end, how long to wait for an unreachable index database before exiting with
# status 1 (what is not indexed then is caught up from the WARC by the next open).
ARCHIVE_INDEX_CLOSE_WAIT = 30.0
# Link the crawl's new articles into stories when it closes (their signatures are computed in
# the extraction workers). Off: `archive stories --update` links them later, for instance once
# after every node of a distributed crawl has finished.
ARCHIVE_STORIES = True
# ... and, during a long crawl, every this many seconds (crawler.extensions.stories; 0: only at
# the close), so that its stories show while it runs.
ARCHIVE_STORIES_INTERVAL = 300.0
ARCHIVE_OPERATOR = os.environ.get("ARCHIVE_OPERATOR", "news-archive operator")
ARCHIVE_CONTACT = os.environ.get("ARCHIVE_CONTACT", "mailto:archive-operator@example.org")
# Incremental runs: a known article is re-checked (conditional request) when its
# publication date (from a feed or sitemap) or, failing that, its last capture is
# younger than this many days; older known articles are not requested at all.
ARCHIVE_RECHECK_DAYS = 3.0
ARCHIVE_CONDITIONAL_REQUESTS = True
# Page requisites (stylesheets and what they name, images, scripts, icons, fonts) of
# every article page, so that replay shows it as it looked (crawler.requisite_requests).
# A site's `requisites: false` in the sites file turns them off for that site.
ARCHIVE_REQUISITES = True
ARCHIVE_REQUISITE_KINDS = ["stylesheet", "image", "script", "icon", "font"]
ARCHIVE_REQUISITES_LISTINGS = False  # also for home, section and search pages
ARCHIVE_REQUISITE_MAX_SIZE = 5 * 1024 * 1024  # bytes per asset
# A requisite archived by an earlier crawl is not asked for again while younger than this
# (replay uses that capture); older, it is re-checked with a conditional request.
ARCHIVE_REQUISITE_RECHECK_DAYS = 7.0
# Page requisites (stylesheets and what they name, images, scripts, icons, fonts) of
# every article page, so that replay shows it as it looked (crawler.requisite_requests).
# A site's `requisites: false` in the sites file turns them off for that site.
ARCHIVE_REQUISITES = True
ARCHIVE_REQUISITE_KINDS = ["stylesheet", "image", "script", "icon", "font"]
ARCHIVE_REQUISITES_LISTINGS = False  # also for home, section and search pages
ARCHIVE_REQUISITE_MAX_SIZE = 5 * 1024 * 1024  # bytes per asset
# A requisite archived by an earlier crawl is not asked for again while younger than this
# (replay uses that capture); older, it is re-checked with a conditional request.
ARCHIVE_REQUISITE_RECHECK_DAYS = 7.0
ARCHIVE_CAPTURE_ENABLED = True  # write every response to the WARC (CaptureMiddleware)

# --- extraction and topic ----------------------------------------------------------------
EXTRACT_ENABLED = True  # False: fetch + raw WARC only (benchmarks)
# One worker per core: the reactor process needs about a third of a core per 100
# articles/s and yields it while waiting, so workers can take the rest (on 2 cores: about
# 200 articles/s with 2 workers, 146 with 1; bench/bench_crawl.py). Capped at 4: the
# single reactor thread saturates near 300 articles/s, and every worker holds ~110 MB.
EXTRACT_WORKERS = max(1, min(os.cpu_count() or 1, 4))
EXTRACT_MAX_PENDING = 0  # pages in flight to the workers (0: 4 per worker); bounds memory
EXTRACT_MIN_TEXT_LENGTH = 400  # shorter clean text: not an article
EXTRACT_BOILERPLATE = True  # learn and strip per-site repeated lines, learn where each site's body sits
# Read a site's pages from its learned body region alone once that region has agreed with the
# general extractor on 3 check pages (one page in 8 is still checked): skips trafilatura there.
EXTRACT_SITE_TEMPLATES = True
TOPIC_MIN_SCORE = 0.0  # -a min_score= overrides; a boolean match with score >= this counts
TOPIC_DEPTH_LIMIT = 3  # links followed from a home/section page (DEPTH_LIMIT for pages)
TOPIC_MAX_LINKS_PER_PAGE = 200
TOPIC_SITEMAP_MAX_DEPTH = 3  # sitemap indexes followed below the first sitemap (a chain of indexes is cut)
TOPIC_MAX_LISTING_PAGES = 50  # pages of one paginated listing (?page=N) followed at the same depth
TOPIC_DEMO_TIMEOUT = 60  # seconds to wait for the built-in demo web (-a sites=demo)
TOPIC_DEMO_FILLER = 0  # off-topic filler articles per demo outlet (0: the demo web's default)
# The demo web's port on each of its loopback addresses (127.0.0.2-7): fixed, so that a second
# crawl of the demo finds the same URLs and is incremental (0: a free port every run).
TOPIC_DEMO_PORT = 8730

# --- politeness --------------------------------------------------------------------------
USER_AGENT = user_agent(ARCHIVE_CONTACT)  # `scrapy crawl -s ARCHIVE_CONTACT=...` alone rebuilds it
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "crawler.robots.CappedRobotParser"  # Protego over the first ROBOTSTXT_MAX_SIZE bytes
ROBOTSTXT_MAX_SIZE = 500 * 1024  # as Google: the rest of a longer robots.txt is ignored
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # also caps decompressed size (gzip bombs)
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_AFTER_MAX = 60.0  # seconds: a 429/503 asking for a longer wait (Retry-After) is given up
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"  # the spider logs each final failure once, with its kind
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 0  # the spider applies TOPIC_DEPTH_LIMIT to pages only (feeds/sitemaps nest freely)
DEPTH_PRIORITY = 0
# Cookies are not needed to archive news, and Scrapy's cookie middleware would reach for
# tldextract's public-suffix list online: keep it off.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening control port
DNS_TIMEOUT = 10
REACTOR_THREADPOOL_MAXSIZE = 10
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Where the crawler may go (crawler.middlewares.addresses): hosts resolving to loopback,
# private, link-local (cloud metadata), reserved addresses are refused, unless allowed here.
ARCHIVE_ALLOW_PRIVATE_ADDRESSES = False
ARCHIVE_ALLOWED_NETWORKS: list[str] = []  # e.g. ["10.1.0.0/16"] for an intranet news site

# --- components ----------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # process_response runs from high to low: 950 sees the raw response before
    # HttpCompression (590), Redirect (600) and Retry (550) touch it.
    "crawler.middlewares.capture.CaptureMiddleware": 950,
    # A requisite of the wrong media type is refused before the capture sees it.
    "crawler.middlewares.requisites.RequisiteTypeMiddleware": 960,
    # robots.txt of a requisite's host (a CDN outside the sites file) gets past the offsite filter.
    "crawler.middlewares.requisites.RequisiteRobotsMiddleware": 40,
    # Known URLs: skip, or re-check conditionally (sets meta["previous"] for the capture).
    "crawler.middlewares.recheck.RecheckMiddleware": 60,
    # Not needed to archive public news pages; each layer costs per request.
    # Non-HTTP schemes and hosts resolving to non-public addresses are refused (before robots.txt).
    "crawler.middlewares.addresses.AddressPolicyMiddleware": 30,
    # A gzipped body cut short is an error, not a shorter page (Scrapy's gunzip keeps what it got).
    "crawler.middlewares.truncated.TruncatedGzipMiddleware": 945,
    # Retry-After on 429/503, up to RETRY_AFTER_MAX (crawler.middlewares.retry).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,  # no proxies from the environment
    # Scrapy's refusals, raised as FetchRefused with their kind (crawler.middlewares.refusals).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.refusals.OffsiteRefusalMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.refusals.RobotsRefusalMiddleware": 100,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.refusals.MetaRefreshRefusalMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.refusals.RedirectRefusalMiddleware": 600,
}
SPIDER_MIDDLEWARES = {
    # The spider keeps its own page depth (TOPIC_DEPTH_LIMIT) and only yields URLs of the
    # configured sites; OffsiteMiddleware (downloader side) still guards every request.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,  # a debugging aid
}
ITEM_PIPELINES = {
    "crawler.pipelines.extract.ExtractPipeline": 300,
    "crawler.pipelines.index.IndexPipeline": 800,
}
EXTENSIONS = {
    "crawler.extensions.archive_session.ArchiveSessionExtension": 900,
    "crawler.extensions.stories.StoriesExtension": 850,
    "crawler.extensions.gc_tuning.GcTuningExtension": 50,
    "crawler.extensions.summary.SiteSummaryExtension": 100,
}
STATS_CLASS = "crawler.stats.CrawlStatsCollector"  # Scrapy's, without a shim on every access
# A JOBDIR left by `kill -9` is detected and its untrustworthy queue state dropped (crawler.scheduler).
SCHEDULER = "crawler.scheduler.ResumableScheduler"
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 5_000_000  # response bytes being processed before downloads back off
# Scrapy starts CONCURRENT_ITEMS asyncio worker tasks (plus a queue) for the output
# of *every* response. Our callbacks yield one item or a few dozen requests, and the
# default of 100 made task bookkeeping the crawl's largest CPU cost (~100 tasks per
# page in the profile). Extraction concurrency is bounded by the worker pool anyway.
CONCURRENT_ITEMS = 4
# Python's garbage collector thresholds while a crawl runs (crawler.extensions.gc_tuning):
# the defaults (700, 10, 10) walked the crawl's heap often enough to cost about a sixth
# of the crawl process's CPU. Empty: leave them as Python set them.
ARCHIVE_GC_THRESHOLDS = [50_000, 20, 10]

LOG_LEVEL = "INFO"
STATS_DUMP = False  # the per-site crawl summary says what matters; LOG_LEVEL=DEBUG logs all stats
LOGSTATS_INTERVAL = 30.0
FEED_EXPORT_ENCODING = "utf-8"
