"""Run-scoped Redis frontier: scrapy-redis's scheduler with keys that belong to one run.

Keys (P = FRONTIER_KEY_PREFIX, S = the spider name, R = the run id):

- `P S:run`          the current run id (automatic runs)
- `P S:R:requests`   the shared priority queue (scrapy-redis PriorityQueue)
- `P S:R:dupefilter` the shared seen-request fingerprints (scrapy-redis RFPDupeFilter)
- `P S:R:nodes`      live nodes of the run: sorted set of node tokens by last heartbeat
- `P S:R:busy`       nodes with requests in flight: hash of node token -> time last seen busy

A node joins the current run when it opens (under a Redis lock), or starts a new one
when there is none: the nodes of a scheduled run started together share one frontier,
and the next scheduled run gets a fresh one with no manual step. A run ends when its
last live node finishes normally (finish reason "finished") with the queue empty: its
keys are deleted. A node whose share of the queue is empty does not stop while another live
node of the run is busy (it may still be parsing pages whose links refill the queue); its
own SCHEDULER_IDLE_BEFORE_CLOSE wait starts once every node is idle. A node that stops any other way (Ctrl-C, SIGKILL, timeout) leaves
the run in place, so that restarting it resumes the run. Every key carries a TTL
(FRONTIER_RUN_TTL), refreshed by live nodes, so abandoned runs cannot pile up.

A node killed mid-crawl loses the requests it had popped but not finished (Redis lists
and sorted sets have no acknowledgement). When a node joins a run that has a dead member
(its own previous life, by node id, or a node silent for FRONTIER_NODE_TIMEOUT
seconds), it clears the run's dupefilter: pages are discovered again, and the archive
decides what is fetched (archived articles are skipped or re-checked with conditional
requests; the lost ones are fetched). A crash costs re-checks, never pages.

With FRONTIER_RUN_ID set (e.g. scrapyd's job id, or a date stamp from cron) the run id
is that value instead of the automatic one.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from datetime import datetime, timezone

from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from archive.warc.naming import default_node_id, safe_part

logger = logging.getLogger(__name__)

FRONTIER_UNAVAILABLE = "frontier_unavailable"  # finish reason when Redis cannot be used
_LOCK_TIMEOUT = 30


class RunScopedScheduler(Scheduler):
    """scrapy-redis Scheduler whose queue and dupefilter keys are scoped to a run.

    Settings: REDIS_URL / REDIS_PARAMS (scrapy-redis), SCHEDULER_QUEUE_CLASS
    (scrapy_redis.queue.PriorityQueue), SCHEDULER_SERIALIZER, SCHEDULER_IDLE_BEFORE_CLOSE
    (0: a node closes as soon as the shared queue is empty; N: it waits N seconds for
    other nodes to refill it), DUPEFILTER_DEBUG, FRONTIER_RUN_ID (None: automatic),
    FRONTIER_KEY_PREFIX (""), FRONTIER_RUN_TTL (7 days), FRONTIER_NODE_TIMEOUT (120 s),
    FRONTIER_HEARTBEAT (10 s), ARCHIVE_NODE_ID (None: the host name).
    """

    def __init__(
        self, server, *, run_id: str | None = None, key_prefix: str = "",
        run_ttl: int = 7 * 24 * 3600, node_timeout: float = 120.0, heartbeat: float = 10.0,
        node_id: str | None = None, debug: bool = False, **kwargs,
    ) -> None:
        super().__init__(server, persist=True, **kwargs)
        self.run_id = run_id
        self.key_prefix = key_prefix
        self.run_ttl = max(60, int(run_ttl))
        self.node_timeout = node_timeout
        self.heartbeat = heartbeat
        self.node_id = safe_part(node_id) if node_id else default_node_id()
        self.token = f"{self.node_id}|{os.getpid()}|{uuid.uuid4().hex[:8]}"
        self.debug = debug
        self._base = ""
        self._current_key = ""
        self._last_beat = 0.0
        self._last_activity = time.monotonic()
        self._joined = False
        self._expiry_set = False
        self._busy_marked = False
        self._crawler = None  # set by from_crawler; its engine tells whether this node is busy
        self._heartbeat_loop: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        kwargs = {}
        for name, setting in (("queue_cls", "SCHEDULER_QUEUE_CLASS"),
                              ("serializer", "SCHEDULER_SERIALIZER")):
            if settings.get(setting):
                kwargs[name] = settings.get(setting)
        if isinstance(kwargs.get("serializer"), str):
            import importlib

            kwargs["serializer"] = importlib.import_module(kwargs["serializer"])
        scheduler = cls(
            connection.from_settings(settings),
            run_id=settings.get("FRONTIER_RUN_ID") or None,
            key_prefix=settings.get("FRONTIER_KEY_PREFIX") or "",
            run_ttl=settings.getint("FRONTIER_RUN_TTL", 7 * 24 * 3600),
            node_timeout=settings.getfloat("FRONTIER_NODE_TIMEOUT", 120.0),
            heartbeat=settings.getfloat("FRONTIER_HEARTBEAT", 10.0),
            node_id=settings.get("ARCHIVE_NODE_ID") or None,
            debug=settings.getbool("DUPEFILTER_DEBUG"),
            idle_before_close=settings.getint("SCHEDULER_IDLE_BEFORE_CLOSE"),
            **kwargs,
        )
        scheduler.stats = crawler.stats
        scheduler._crawler = crawler
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # ------------------------------------------------------------------ keys

    def run_key(self, spider_name: str) -> str:
        return f"{self.key_prefix}{spider_name}:run"

    @property
    def nodes_key(self) -> str:
        return self._base + "nodes"

    @property
    def busy_key(self) -> str:
        return self._base + "busy"

    def _run_keys(self) -> list[str]:
        return [self.queue_key, self.dupefilter_key, self.nodes_key, self.busy_key]

    # ------------------------------------------------------------------ lifecycle

    def open(self, spider):
        import redis

        try:
            created, reseeded = self._join(spider.name)
        except redis.RedisError as exc:
            logger.error("Cannot use the Redis frontier: %s", exc)
            if self.stats:
                self.stats.inc_value("frontier/unavailable")
            raise CloseSpider(FRONTIER_UNAVAILABLE) from None
        self.spider = spider
        self.df = RFPDupeFilter(self.server, key=self.dupefilter_key, debug=self.debug)
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer)
        queued = len(self.queue)
        # The heartbeat runs on a timer, not only when a request is popped: a node whose
        # downloader is full pops nothing for a while but is alive and busy all the same.
        self._heartbeat_loop = LoopingCall(self._beat)
        self._heartbeat_loop.start(self.heartbeat, now=False)
        logger.info("Frontier: node %s %s run %s (%d requests queued)%s", self.node_id,
                    "started" if created else "joined", self.run_id, queued,
                    "; dupefilter cleared after a node's crash" if reseeded else "")
        if self.stats:
            self.stats.set_value("frontier/run_id", self.run_id)
            self.stats.set_value("frontier/node_id", self.node_id)
            self.stats.set_value("frontier/run_started" if created else "frontier/run_joined", 1)
            if queued and not created:
                self.stats.set_value("frontier/resumed_queue", queued)
            if reseeded:
                self.stats.inc_value("frontier/reseeded_after_crash")

    def close(self, reason):
        if self._heartbeat_loop is not None and self._heartbeat_loop.running:
            self._heartbeat_loop.stop()
        if not self._joined:
            return
        import redis

        try:
            ended = self._leave(reason)
        except redis.RedisError as exc:
            logger.error("Frontier: could not leave run %s cleanly: %s", self.run_id, exc)
            return
        if ended:
            logger.info("Frontier: run %s finished; its keys are removed", self.run_id)
            if self.stats:
                self.stats.set_value("frontier/run_ended", 1)
        else:
            logger.info("Frontier: node %s left run %s (%s); the run stays for the other "
                        "nodes or a restart", self.node_id, self.run_id, reason)

    def enqueue_request(self, request):
        self._last_activity = time.monotonic()
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        if not self._expiry_set:  # the run's keys exist now: give them their TTL at once
            self._expiry_set = True
            self._expire()
        return True

    def next_request(self):
        now = time.monotonic()
        if now - self._last_beat >= self.heartbeat:
            self._beat()
        request = self.queue.pop(0)  # never block the reactor; spider_idle does the waiting
        if request is not None:
            self._last_activity = now
            if not self._busy_marked:
                self._mark_busy(True)
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def spider_idle(self, spider) -> None:
        """Wait SCHEDULER_IDLE_BEFORE_CLOSE seconds of an empty shared queue before closing:
        another node may still be parsing pages that refill it. Nor close while another
        live node of the run is busy, however long: its pages' links may refill it."""
        import redis

        if self._busy_marked:
            self._mark_busy(False)
        if time.monotonic() - self._last_activity < self.idle_before_close:
            raise DontCloseSpider
        try:
            others = self._busy_others()
        except redis.RedisError as exc:  # the frontier is gone: nothing more will come
            logger.warning("Frontier: cannot ask whether other nodes are busy: %s", exc)
            return
        if others:
            self._last_activity = time.monotonic()  # wait a full idle period after they finish
            raise DontCloseSpider

    # ------------------------------------------------------------------ run registry

    def _join(self, spider_name: str) -> tuple[bool, bool]:
        created = False
        with self.server.lock(self.run_key(spider_name) + ":lock", timeout=_LOCK_TIMEOUT,
                              blocking_timeout=_LOCK_TIMEOUT):
            run_id: str | None = self.run_id
            automatic = run_id is None
            if run_id is None:
                current = self.server.get(self.run_key(spider_name))
                if current is None:
                    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
                    self.server.set(self.run_key(spider_name), run_id, ex=self.run_ttl)
                    created = True
                else:
                    run_id = current.decode() if isinstance(current, bytes) else current
            self.run_id = safe_part(run_id)
            self._base = f"{self.key_prefix}{spider_name}:{self.run_id}:"
            # the pointer to the current run exists (and needs a TTL) for automatic runs only
            self._current_key = self.run_key(spider_name) if automatic else ""
            self.queue_key = self._base + "requests"
            self.dupefilter_key = self._base + "dupefilter"
            now = time.time()
            dead = [
                token for token, beat in self._members()
                if token.split("|", 1)[0] == self.node_id or beat < now - self.node_timeout
            ]
            if not created:  # an explicit run id, or a current run whose keys are gone
                created = not self.server.exists(self.queue_key, self.dupefilter_key,
                                                 self.nodes_key)
            if dead:
                logger.warning("Frontier: run %s had node(s) that stopped without finishing "
                               "(%s); clearing its dupefilter so that their in-flight pages "
                               "are found again", self.run_id, ", ".join(dead))
                self.server.zrem(self.nodes_key, *dead)
                self.server.hdel(self.busy_key, *dead)
                self.server.delete(self.dupefilter_key)
            self.server.zadd(self.nodes_key, {self.token: now})
            self._expire()
            self._joined = True
            self._last_beat = time.monotonic()
        return created, bool(dead)

    def _leave(self, reason: str) -> bool:
        spider_name = self.spider.name
        with self.server.lock(self.run_key(spider_name) + ":lock", timeout=_LOCK_TIMEOUT,
                              blocking_timeout=_LOCK_TIMEOUT):
            self.server.zrem(self.nodes_key, self.token)
            self.server.hdel(self.busy_key, self.token)
            now = time.time()
            alive = [token for token, beat in self._members() if beat >= now - self.node_timeout]
            if reason == "finished" and not alive and len(self.queue) == 0:
                self.server.delete(*self._run_keys())
                current = self.server.get(self.run_key(spider_name))
                if current is not None and (current.decode() if isinstance(current, bytes) else current) == self.run_id:
                    self.server.delete(self.run_key(spider_name))
                return True
            self._expire()
            return False

    def _members(self) -> list[tuple[str, float]]:
        return [
            (token.decode() if isinstance(token, bytes) else token, score)
            for token, score in self.server.zrange(self.nodes_key, 0, -1, withscores=True)
        ]

    def _beat(self) -> None:
        import redis

        self._last_beat = time.monotonic()
        try:
            self.server.zadd(self.nodes_key, {self.token: time.time()})
            engine = getattr(self._crawler, "engine", None)
            if engine is not None and getattr(engine, "_slot", None) is not None:
                self._mark_busy(not engine.spider_is_idle())
            self._expire()
        except redis.RedisError as exc:  # the pop that follows reports a lasting outage
            logger.warning("Frontier: heartbeat failed: %s", exc)

    def _mark_busy(self, busy: bool) -> None:
        import redis

        try:
            if busy:
                self.server.hset(self.busy_key, self.token, time.time())
            else:
                self.server.hdel(self.busy_key, self.token)
            self._busy_marked = busy
        except redis.RedisError as exc:  # a lasting outage shows at the next pop
            logger.warning("Frontier: could not record this node's state: %s", exc)

    def _busy_others(self) -> list[str]:
        """Other nodes that said they were busy within three heartbeats (a node killed
        while busy stops counting after that)."""
        fresh = time.time() - 3 * self.heartbeat
        busy = []
        for token, seen in self.server.hgetall(self.busy_key).items():
            token = token.decode() if isinstance(token, bytes) else token
            if token != self.token and float(seen) >= fresh:
                busy.append(token)
        return busy

    def _expire(self) -> None:
        pipe = self.server.pipeline(transaction=False)
        for key in self._run_keys() + ([self._current_key] if self._current_key else []):
            pipe.expire(key, self.run_ttl)
        pipe.execute()
