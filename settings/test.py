"""Settings for tests and benchmarks on loopback: short timeouts, no politeness delays.

Use with `SCRAPY_SETTINGS_MODULE=settings.test scrapy crawl topic ...` (or SCRAPY_PROJECT=test).
"""

from settings.default import *  # noqa: F401,F403

DOWNLOAD_TIMEOUT = 3
DNS_TIMEOUT = 3
RETRY_TIMES = 2
DOWNLOAD_DELAY = 0
DOWNLOAD_MAXSIZE = 2 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 16
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.0
AUTOTHROTTLE_MAX_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 16.0
EXTRACT_WORKERS = 2
ARCHIVE_RECHECK_DAYS = 36500.0  # the seed stories are from 2025: always re-check in tests
ARCHIVE_REQUISITE_MAX_SIZE = 1024 * 1024  # the demo web's huge requisite is 3 MiB
TOPIC_DEMO_PORT = 0  # parallel test crawls of the demo must not share a port
CLOSESPIDER_TIMEOUT = 600  # a bound on any test crawl
LOGSTATS_INTERVAL = 5.0
ARCHIVE_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the test webs live on loopback; nothing else is allowed
