"""Benchmark: 1, 2 and 4 crawler nodes on one Redis frontier and one PostgreSQL index.

For each node count: a fresh PostgreSQL database, fresh run-scoped Redis keys (own
prefix on Redis DB 12) and a fresh shared WARC folder; the nodes
(`SCRAPY_SETTINGS_MODULE=settings.distributed`, distinct ARCHIVE_NODE_IDs) crawl the
same local demo web (served by a subprocess, no bad inputs) from start to end.

Reported per run: articles archived, wall seconds from the first node's start to the
last node's exit, articles/s, the nodes' CPU (user + sys of every node and its
extraction workers) per article, the PostgreSQL server CPU spent by the backends of
the benchmark's database (sampled from /proc every 0.25 s; the server's own
background writers are not counted) per article, and the per-article sizes the
capacity plan (docs/scaling.md) needs: WARC bytes, database growth bytes, and the peak
Redis memory of the run's keys per queued URL.

All of this runs on one machine: the web server, Redis, PostgreSQL and the nodes
share its cores, so wall-clock rates are a floor for real deployments and CPU per
article is the figure to scale from.

    .venv/bin/python bench/bench_nodes.py [--nodes 1,2,4] [--filler 150] [--outlets 6]
        [--workers 1] [--article-kb 40]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench_support

import sqlalchemy as sa  # noqa: E402

TOPIC = "(defence OR defense) AND (India OR Delhi) AND Hegseth"
PG_ADMIN = os.environ.get("ARCHIVE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = "redis://127.0.0.1:6379/12"
from bench_support import proc_cpu  # noqa: E402


class Sampler(threading.Thread):
    """Samples the CPU of the benchmark database's backends and the Redis run keys' memory."""

    def __init__(self, admin: sa.Engine, database: str, redis_client, prefix: str) -> None:
        super().__init__(daemon=True)
        self.admin, self.database = admin, database
        self.redis, self.prefix = redis_client, prefix
        self.backend_cpu: dict[int, tuple[float, float]] = {}  # pid -> (first seen, last seen)
        self.redis_peak = 0
        self.queued_peak = 0
        self.seen_urls = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(0.25):
            self.sample()

    def sample(self) -> None:
        with self.admin.connect() as conn:
            pids = [r[0] for r in conn.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": self.database})]
        for pid in pids:
            cpu = proc_cpu(pid)
            if cpu is None:
                continue
            first, _ = self.backend_cpu.get(pid, (None, None))
            # a backend first seen now started during the run: count it from zero
            self.backend_cpu[pid] = (0.0 if first is None else first, cpu)
        memory = queued = seen = 0
        for key in self.redis.scan_iter(self.prefix + "*"):
            memory += self.redis.memory_usage(key) or 0
            kind = self.redis.type(key)
            if key.endswith(b":requests"):
                queued = self.redis.zcard(key)
            elif key.endswith(b":dupefilter") and kind == b"set":
                seen = self.redis.scard(key)
        self.redis_peak = max(self.redis_peak, memory)
        self.queued_peak = max(self.queued_peak, queued)
        self.seen_urls = max(self.seen_urls, seen)

    @property
    def pg_cpu(self) -> float:
        return sum(last - first for first, last in self.backend_cpu.values())


def start_web(args, workdir: Path) -> tuple[subprocess.Popen, Path]:
    from bench_support import start_demo_web

    return start_demo_web(args, workdir, "--first-ip", "127.0.0.90")


def run(args, n: int, sites: Path, workdir: Path, admin: sa.Engine, redis_client) -> dict:
    database = f"bench_nodes_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
    from archive.db.engine import make_engine, upgrade

    engine = make_engine(url)  # migrated up front: the database growth is then the crawl's own
    upgrade(engine)
    with engine.connect() as conn:
        empty_bytes = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    prefix = f"bench{uuid.uuid4().hex[:8]}:"
    shared = workdir / f"warcs-{n}"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.distributed", PYTHONPATH=str(ROOT),
               ARCHIVE_DATABASE_URL=url)
    settings = {
        "ARCHIVE_DIR": shared, "REDIS_URL": REDIS_URL, "FRONTIER_KEY_PREFIX": prefix,
        "EXTRACT_WORKERS": args.workers, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 10, "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 3, "LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": 10,
        "CLOSESPIDER_TIMEOUT": args.timeout, "MEMUSAGE_ENABLED": False,
        "ARCHIVE_ALLOWED_NETWORKS": "127.0.0.0/8",  # the demo web is on loopback (crawler.middlewares.addresses)
    }
    sampler = Sampler(admin, database, redis_client, prefix)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    procs, logs = [], []
    for i in range(n):
        command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
                   "-a", f"sites={sites}", "-s", f"ARCHIVE_NODE_ID=node-{i + 1}"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        log = open(workdir / f"nodes{n}-node{i + 1}.log", "w")
        logs.append(log)
        procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    sampler.start()
    try:
        codes = [p.wait(timeout=args.timeout + 180) for p in procs]
    finally:
        sampler.stop_event.set()
        sampler.join()
        for log in logs:
            log.close()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        articles = conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one()
        captures = conn.execute(sa.text("SELECT count(*) FROM captures")).scalar_one()
        db_bytes = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    warc_bytes = sum(p.stat().st_size for p in shared.iterdir() if ".warc.gz" in p.name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    leftover = list(redis_client.scan_iter(prefix + "*"))
    if leftover:
        redis_client.delete(*leftover)
    shutil.rmtree(shared, ignore_errors=True)
    per = max(articles, 1)
    return {
        "nodes": n, "exit": ",".join(map(str, codes)), "articles": articles, "captures": captures,
        "wall_s": round(wall, 1), "articles_per_s": round(articles / wall, 1),
        "node_cpu_s": round(cpu, 1), "node_cpu_ms_per_article": round(1000 * cpu / per, 1),
        "pg_cpu_s": round(sampler.pg_cpu, 1),
        "pg_cpu_ms_per_article": round(1000 * sampler.pg_cpu / per, 2),
        "warc_kb_per_article": round(warc_bytes / per / 1024, 1),
        "db_kb_per_article": round((db_bytes - empty_bytes) / per / 1024, 1),
        "redis_peak_kb": round(sampler.redis_peak / 1024), "urls_seen": sampler.seen_urls,
        "redis_bytes_per_url": round(sampler.redis_peak / max(sampler.seen_urls, 1)),
        "redis_keys_left": len(leftover),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", default="1,2,4")
    parser.add_argument("--filler", type=int, default=150, help="filler articles per outlet")
    parser.add_argument("--outlets", type=int, default=6)
    parser.add_argument("--article-kb", type=float, default=40)
    parser.add_argument("--workers", type=int, default=1, help="EXTRACT_WORKERS per node")
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()

    import redis

    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    redis_client = redis.Redis.from_url(REDIS_URL)
    workdir = Path(tempfile.mkdtemp(prefix="bench-nodes-"))
    web, sites = start_web(args, workdir)
    print(f"# {os.cpu_count()} CPUs; demo web {args.outlets} outlets x {args.filler} filler, "
          f"{args.article_kb} KB pages; EXTRACT_WORKERS={args.workers} per node; logs in {workdir}")
    columns = ["nodes", "exit", "articles", "captures", "wall_s", "articles_per_s", "node_cpu_s",
               "node_cpu_ms_per_article", "pg_cpu_s", "pg_cpu_ms_per_article", "warc_kb_per_article",
               "db_kb_per_article", "redis_peak_kb", "urls_seen", "redis_bytes_per_url",
               "redis_keys_left"]
    print(" | ".join(columns))
    try:
        for n in (int(x) for x in args.nodes.split(",")):
            result = run(args, n, sites, workdir, admin, redis_client)
            print(" | ".join(str(result[c]) for c in columns), flush=True)
    finally:
        os.killpg(web.pid, 15)
        web.wait()
        admin.dispose()
        redis_client.close()


if __name__ == "__main__":
    main()
