"""Three crawler nodes as real processes on one Redis frontier, one fresh PostgreSQL
schema and one shared WARC folder, against the local demo web (~200 articles).

- all three start at once on the empty database (the schema set-up must not race);
- every article page is fetched exactly once in total (the web's own counters);
- the union of their archives equals a single-process crawl of the same web;
- `archive verify` passes for the whole crawl and for each node;
- a second scheduled run, with no manual step, re-checks instead of refetching;
- a node SIGKILLed mid-crawl and restarted: nothing lost, verify clean.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from conftest import SHARED_REDIS_URL as REDIS_URL
from conftest import fresh_pg_schema
from distributed_support import (
    ROOT,
    TOPIC,
    Node,
    article_urls,
    assert_clean,
    count_requests,
    node_command,
    run_nodes,
)

from archive.warc.naming import node_of
from crawler.demoweb import DemoWeb

pytestmark = pytest.mark.slow

NODES = ("node-1", "node-2", "node-3")
FILLER = 40  # per outlet, 5 outlets: ~200 article pages plus the seed stories


def archive_cli(*args: str, database_url: str, directory) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archive", "--dir", str(directory),
                           "--db", database_url, *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def rows(database_url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


ARTICLE_HASHES = "SELECT content_hash FROM articles"
CAPTURED_URLS = "SELECT DISTINCT url FROM captures WHERE status = 200"


@pytest.fixture
def web():
    web = DemoWeb(first_ip="127.0.0.60", filler_per_outlet=FILLER, bad_inputs=False).start()
    try:
        yield web
    finally:
        web.stop()


def test_three_nodes_one_crawl(web, own_redis, tmp_path):
    client, prefix = own_redis
    counts = count_requests(web)
    sites = web.write_sites_yaml(tmp_path / "sites.yaml")
    shared = tmp_path / "warcs"
    articles = article_urls(web)
    with fresh_pg_schema() as pg:
        # Two requests per site and four per node at a time (as a polite crawl would): a
        # node holds only a few requests, so the frontier keeps a queue that a node joining
        # a second later (and polling an empty queue only every 5 s, Scrapy's engine
        # heartbeat) still draws from. With 16 per node, two nodes took every request as it
        # was queued and crawled this web in 11 s while the third found the queue empty.
        commands = [node_command(sites, shared, node, REDIS_URL, prefix, CONCURRENT_REQUESTS="4",
                                 CONCURRENT_REQUESTS_PER_DOMAIN="2") for node in NODES]
        nodes = run_nodes(commands, pg, tmp_path, "run1")
        for node in nodes:
            assert_clean(node)

        # every article page fetched exactly once in total
        fetched = {url: counts[url] for url in articles}
        assert all(n == 1 for n in fetched.values()), {u: n for u, n in fetched.items() if n != 1}
        # all three nodes got work
        per_node = Counter(node_of(r[0]) for r in rows(pg, "SELECT warc_filename FROM captures"))
        assert set(per_node) == set(NODES) and min(per_node.values()) >= 10, per_node
        # the run's Redis keys are gone: the next run starts fresh by itself
        assert list(client.scan_iter(prefix + "*")) == []

        # the union equals a single-process crawl of the same web
        single = tmp_path / "single"
        counts.clear()
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
        env.pop("ARCHIVE_DATABASE_URL", None)
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
             "-a", f"sites={sites}", "-s", f"ARCHIVE_DIR={single}", "-s", "EXTRACT_WORKERS=1",
             "-s", "DOWNLOAD_TIMEOUT=30"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        reference = sqlite3.connect(single / "archive.sqlite")
        assert {r[0] for r in rows(pg, ARTICLE_HASHES)} == \
            {r[0] for r in reference.execute(ARTICLE_HASHES)}
        assert {r[0] for r in rows(pg, CAPTURED_URLS)} == \
            {r[0] for r in reference.execute(CAPTURED_URLS)}
        topic_sql = ("SELECT m.content_hash FROM topic_matches m JOIN topics t ON t.id = m.topic_id")
        assert {r[0] for r in rows(pg, topic_sql)} == {r[0] for r in reference.execute(topic_sql)}

        # verify: the whole crawl, and each node's files and rows on their own
        check = archive_cli("verify", "-q", database_url=pg, directory=shared)
        assert check.returncode == 0, check.stdout + check.stderr
        for node in NODES:
            check = archive_cli("verify", "-q", "--node", node, database_url=pg, directory=shared)
            assert check.returncode == 0, check.stdout + check.stderr
            assert " 0 capture" not in check.stdout, check.stdout

        # the next scheduled run: same commands, no manual step; known articles are
        # re-checked with conditional requests (304 -> revisit records), none refetched
        hashes_before = {r[0] for r in rows(pg, ARTICLE_HASHES)}
        counts.clear()
        nodes = run_nodes(commands, pg, tmp_path, "run2")
        for node in nodes:
            assert_clean(node)
        assert {url: counts[url] for url in articles} == {url: 1 for url in articles}
        second = rows(pg, "SELECT url, record_type, status FROM captures WHERE crawl_id IN "
                          "(SELECT crawl_id FROM crawls ORDER BY started_at DESC LIMIT 3)")
        rechecked = [r for r in second if r[0] in articles]
        assert len(rechecked) == len(articles)
        assert all(r[1] == "revisit" and r[2] == 304 for r in rechecked), \
            Counter((r[1], r[2]) for r in rechecked)
        assert {r[0] for r in rows(pg, ARTICLE_HASHES)} == hashes_before
        assert list(client.scan_iter(prefix + "*")) == []


def test_node_killed_mid_crawl_and_restarted(web, own_redis, tmp_path):
    client, prefix = own_redis
    counts = count_requests(web)
    sites = web.write_sites_yaml(tmp_path / "sites.yaml")
    shared = tmp_path / "warcs"
    articles = article_urls(web)
    with fresh_pg_schema() as pg:
        commands = [node_command(sites, shared, node, REDIS_URL, prefix, CONCURRENT_REQUESTS="4",
                                 CONCURRENT_REQUESTS_PER_DOMAIN="2") for node in NODES]
        nodes = [Node(c, pg, tmp_path / f"kill-{i}.log") for i, c in enumerate(commands)]
        deadline = time.monotonic() + 120
        while sum(counts[u] for u in articles) < len(articles) // 3:
            assert time.monotonic() < deadline, "the crawl never got going"
            assert nodes[1].proc.poll() is None, nodes[1].output[-3000:]
            time.sleep(0.2)
        nodes[1].kill()  # SIGKILL: no clean-up of any kind
        assert any(p.name.endswith(".open") and "-node-2-" in p.name for p in shared.iterdir())
        restarted = Node(commands[1], pg, tmp_path / "kill-restarted.log")
        for node in (nodes[0], nodes[2], restarted):
            node.wait(300)
            assert_clean(node)
        assert "recovery:" in restarted.output  # its own abandoned file, finished and indexed
        assert "clearing its dupefilter" in restarted.output  # what it held is found again

        # nothing lost: every article page is archived as an article
        archived = {r[0] for r in rows(pg, "SELECT url FROM captures WHERE content_hash IS NOT NULL")}
        assert articles <= archived, sorted(articles - archived)[:10]
        assert not [p.name for p in shared.iterdir() if p.name.endswith(".open")]
        check = archive_cli("verify", "-q", database_url=pg, directory=shared)
        assert check.returncode == 0, check.stdout + check.stderr
        check = archive_cli("verify", "-q", "--node", "node-2", database_url=pg, directory=shared)
        assert check.returncode == 0, check.stdout + check.stderr
        assert list(client.scan_iter(prefix + "*")) == []
