"""Settings for a crawl shared by several machines through Redis (scrapy-redis).

Every node runs the same command with `SCRAPY_SETTINGS_MODULE=settings.distributed` and
`-s REDIS_URL=redis://host:6379/0`; the frontier (priority queue) and the seen-request
set live in Redis, so each article is fetched by exactly one node. Each node writes its
own WARC files (the file names carry host and pid) into the shared ARCHIVE_DIR and
indexes into the shared ARCHIVE_DATABASE_URL (PostgreSQL in production).
"""

import os

from settings.default import *  # noqa: F401,F403

SCHEDULER = "scrapy_redis.scheduler.Scheduler"
DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
SCHEDULER_QUEUE_CLASS = "scrapy_redis.queue.PriorityQueue"
SCHEDULER_PERSIST = True  # keep the frontier between runs (scheduled, resumable crawls)
SCHEDULER_IDLE_BEFORE_CLOSE = 5
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
