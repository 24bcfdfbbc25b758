"""Run-scoped Redis keys (crawler/frontier.py) against the real Redis on 127.0.0.1:6379.

Redis is shared with other test runs: every test uses a key prefix of its own and
removes only its own keys."""

from __future__ import annotations

import pytest
import scrapy
from conftest import SHARED_REDIS_URL as REDIS_URL
from scrapy.utils.test import get_crawler

from crawler.frontier import RunScopedScheduler


def make_scheduler(prefix: str, node: str, **settings) -> RunScopedScheduler:
    crawler = get_crawler(scrapy.Spider, {
        "REDIS_URL": REDIS_URL, "FRONTIER_KEY_PREFIX": prefix, "ARCHIVE_NODE_ID": node,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue", **settings,
    })
    crawler.spider = scrapy.Spider(name="topic")
    crawler.spider.crawler = crawler
    scheduler = RunScopedScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    return scheduler


def test_nodes_share_a_run_and_the_last_one_out_removes_it(own_redis):
    client, prefix = own_redis
    a, b = make_scheduler(prefix, "node-a"), make_scheduler(prefix, "node-b")
    assert a.run_id == b.run_id
    assert a.queue_key == f"{prefix}topic:{a.run_id}:requests"
    assert a.enqueue_request(scrapy.Request("http://127.0.0.1:1/x"))
    assert not b.enqueue_request(scrapy.Request("http://127.0.0.1:1/x"))  # one dupefilter
    assert b.next_request().url == "http://127.0.0.1:1/x"  # one queue
    for key in (a.queue_key, a.dupefilter_key, a.nodes_key):
        if client.exists(key):
            assert 0 < client.ttl(key) <= 7 * 24 * 3600  # memory bounded: every key expires
    a.close("finished")
    assert client.exists(a.dupefilter_key)  # b still works on the run
    b.close("finished")
    assert list(client.scan_iter(prefix + "*")) == []  # the run ended: nothing left

    c = make_scheduler(prefix, "node-a")  # the next scheduled run: a fresh frontier
    assert c.run_id != a.run_id
    assert c.enqueue_request(scrapy.Request("http://127.0.0.1:1/x"))
    c.close("finished")


def test_a_stopped_or_crashed_node_resumes_its_run(own_redis):
    client, prefix = own_redis
    a = make_scheduler(prefix, "node-a")
    for i in range(3):
        a.enqueue_request(scrapy.Request(f"http://127.0.0.1:1/{i}"))
    a.next_request()
    a.close("shutdown")  # Ctrl-C: the run stays
    resumed = make_scheduler(prefix, "node-a")
    assert resumed.run_id == a.run_id and len(resumed.queue) == 2
    assert not resumed.enqueue_request(scrapy.Request("http://127.0.0.1:1/0"))
    # SIGKILL: no close() at all; the restarted node finds its previous life registered,
    # and re-opens the dupefilter so that what the dead process held is found again
    crashed_run = resumed.run_id
    restarted = make_scheduler(prefix, "node-a")
    assert restarted.run_id == crashed_run and len(restarted.queue) == 2
    assert restarted.enqueue_request(scrapy.Request("http://127.0.0.1:1/0"))
    assert restarted.stats.get_value("frontier/reseeded_after_crash") == 1
    while restarted.next_request() is not None:
        pass
    restarted.close("finished")
    assert list(client.scan_iter(prefix + "*")) == []


def test_explicit_run_id(own_redis):
    client, prefix = own_redis
    a = make_scheduler(prefix, "node-a", FRONTIER_RUN_ID="2026-12-02T06")
    assert a.run_id == "2026-12-02T06" and a.queue_key == f"{prefix}topic:2026-12-02T06:requests"
    a.close("finished")
    assert list(client.scan_iter(prefix + "*")) == []


def test_unreachable_redis_closes_the_spider(own_redis):
    _, prefix = own_redis
    from scrapy.exceptions import CloseSpider

    with pytest.raises(CloseSpider) as info:
        make_scheduler(prefix, "node-a", REDIS_URL="redis://127.0.0.1:1/0",
                       REDIS_PARAMS={"socket_connect_timeout": 1})
    assert info.value.reason == "frontier_unavailable"


def test_an_idle_node_waits_while_another_node_is_busy(own_redis):
    """The early-exit race: a node that finds the shared queue empty while another node is
    still working (its pages' links will refill the queue) must not close."""
    from scrapy.exceptions import DontCloseSpider

    client, prefix = own_redis
    busy = make_scheduler(prefix, "node-busy", SCHEDULER_IDLE_BEFORE_CLOSE=0)
    idle = make_scheduler(prefix, "node-idle", SCHEDULER_IDLE_BEFORE_CLOSE=0)
    busy.enqueue_request(scrapy.Request("http://127.0.0.1:1/a"))
    assert busy.next_request() is not None  # node-busy now has a request in flight
    assert client.hexists(busy.busy_key, busy.token)
    with pytest.raises(DontCloseSpider):
        idle.spider_idle(idle.spider)
    busy.spider_idle(busy.spider)  # node-busy is done: it says so
    assert not client.hexists(busy.busy_key, busy.token)
    idle._last_activity -= 1  # (an idle period of 0 s has passed)
    idle.spider_idle(idle.spider)  # nobody is busy: node-idle may close
    # a node killed while busy stops holding the others back after three heartbeats
    client.hset(busy.busy_key, "node-dead|1|x", 0)
    idle.spider_idle(idle.spider)
    for scheduler in (busy, idle):
        scheduler.close("finished")
    assert list(client.scan_iter(prefix + "*")) == []
