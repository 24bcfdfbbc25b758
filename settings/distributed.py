"""Settings for a crawl shared by several nodes through Redis (scrapy-redis).

Every node runs the same command with `SCRAPY_SETTINGS_MODULE=settings.distributed`,
`REDIS_URL=redis://host:6379/0` and its own `ARCHIVE_NODE_ID` (unique per node; the
default, the host name, is only unique with one node per machine). The frontier
(priority queue) and the seen-request set live in Redis under run-scoped keys
(crawler/frontier.py): the nodes started for one scheduled run share a frontier, the
next run gets a fresh one automatically, and a node restarted after a crash resumes its
run. All nodes index into the one ARCHIVE_DATABASE_URL (PostgreSQL) and write their WARC
files into the one shared ARCHIVE_DIR (a local folder on one machine; a shared file
system with working `flock`, e.g. NFSv4, across machines): file names carry the node id,
and each node's crash recovery only touches its own abandoned files. See docs/scaling.md.
"""

import os

from settings.default import *  # noqa: F401,F403

SCHEDULER = "crawler.frontier.RunScopedScheduler"
DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
SCHEDULER_QUEUE_CLASS = "scrapy_redis.queue.PriorityQueue"
SCHEDULER_IDLE_BEFORE_CLOSE = 5  # seconds of an empty shared queue before a node stops
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

ARCHIVE_NODE_ID = os.environ.get("ARCHIVE_NODE_ID") or None  # None: the host name
FRONTIER_RUN_ID = os.environ.get("FRONTIER_RUN_ID") or None  # None: join the current run or start one
FRONTIER_KEY_PREFIX = os.environ.get("FRONTIER_KEY_PREFIX", "")  # e.g. "news:" on a shared Redis
FRONTIER_RUN_TTL = 7 * 24 * 3600  # seconds an abandoned run's keys survive in Redis
FRONTIER_NODE_TIMEOUT = 120  # seconds without a heartbeat before a node counts as dead
FRONTIER_HEARTBEAT = 10
