"""Benchmark: `scrapy crawl topic` end to end against a local demo web at scale.

Starts the demo web (6 outlets x ~333 articles of ~40 KB, no bad inputs) in one
subprocess and `scrapy crawl topic` in another, once with extraction and once without
(EXTRACT_ENABLED=False: discovery, fetch and raw WARC only), and prints article pages
per second, CPU (user+sys of the crawl process and its extraction workers) and peak
RSS (crawl process + workers, sampled every 0.2 s).

    .venv/bin/python bench/bench_crawl.py                # both modes, default scale
    .venv/bin/python bench/bench_crawl.py --filler 100 --modes extract
    .venv/bin/python bench/bench_crawl.py --modes extract --requisites on,off   # page requisites' cost

Requests and KB per article count everything the crawl downloaded (discovery, articles
and, with ARCHIVE_REQUISITES on, their stylesheets, images, scripts and fonts).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench_support

from settings.default import EXTRACT_WORKERS  # noqa: E402  (what an operator's crawl uses)

TOPIC = "(defence OR defense) AND (India OR Delhi) AND Hegseth"


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


class PeakRss(threading.Thread):
    """Samples the summed RSS of a process tree."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb, self.peak_main_kb = pid, interval, 0, 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            pids = _tree(self.pid)
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in pids))
            self.peak_main_kb = max(self.peak_main_kb, _rss_kb(self.pid))
            self.stop_event.wait(self.interval)


def start_web(args, workdir: Path) -> tuple[subprocess.Popen, Path]:
    from bench_support import start_demo_web

    return start_demo_web(args, workdir)


def crawl(args, sites: Path, workdir: Path, extract: bool, requisites: bool = True) -> dict:
    label = f"{'extract' if extract else 'raw'}-{'req' if requisites else 'noreq'}"
    archive_dir = workdir / f"archive-{label}"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
    env.pop("ARCHIVE_DATABASE_URL", None)
    settings = {
        "ARCHIVE_DIR": archive_dir, "EXTRACT_ENABLED": extract, "EXTRACT_WORKERS": args.workers,
        "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, args.concurrency // 4), "LOG_LEVEL": "INFO",
        "TOPIC_DEPTH_LIMIT": args.depth, "LOGSTATS_INTERVAL": 10, "CLOSESPIDER_TIMEOUT": args.timeout,
        "MEMUSAGE_ENABLED": False, "ARCHIVE_REQUISITES": requisites,
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}", "-a", f"sites={sites}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    log = workdir / f"crawl-{label}.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = PeakRss(proc.pid)
        sampler.start()
        try:
            proc.wait(timeout=args.timeout + 120)
        finally:
            sampler.stop_event.set()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = _stats(archive_dir)
    articles = int(stats.get("archive/articles") or stats.get("discovery/articles") or 0)
    elapsed = float(stats.get("elapsed_time_seconds") or wall)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "mode": "end to end (extract+topic+index)" if extract else "fetch + raw WARC only",
        "requisites": "on" if requisites else "off",
        "exit": proc.returncode, "articles": articles,
        "pages": int(stats.get("response_received_count") or 0),
        "requests_per_article": round(int(stats.get("downloader/request_count") or 0) / articles, 2)
        if articles else 0.0,
        "kb_per_article": round(int(stats.get("downloader/response_bytes") or 0) / 1024 / articles, 1)
        if articles else 0.0,
        "crawl_s": round(elapsed, 1), "wall_s": round(wall, 1),
        "articles_per_s": round(articles / elapsed, 1) if elapsed else 0.0,
        "articles_per_s_wall": round(articles / wall, 1) if wall else 0.0,
        "cpu_s": round(cpu, 1), "cpu_util_cores": round(cpu / wall, 2) if wall else 0.0,
        "peak_rss_mb": round(sampler.peak_kb / 1024), "peak_rss_main_mb": round(sampler.peak_main_kb / 1024),
        "log": str(log),
    }


def _stats(archive_dir: Path) -> dict:
    db = archive_dir / "archive.sqlite"
    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT stats FROM crawls ORDER BY started_at DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    if not row or row[0] is None:
        return {}
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", type=int, default=6)
    parser.add_argument("--filler", type=int, default=333, help="articles per outlet")
    parser.add_argument("--article-kb", type=float, default=40)
    parser.add_argument("--workers", type=int, default=EXTRACT_WORKERS,
                        help="EXTRACT_WORKERS (default: the production default, %(default)s here)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--modes", default="extract,raw", help="comma list of: extract, raw")
    parser.add_argument("--requisites", default="on", help="comma list of: on, off (ARCHIVE_REQUISITES)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        workdir = Path(tmp)
        web, sites = start_web(args, workdir)
        results = []
        try:
            for mode in args.modes.split(","):
                for flag in args.requisites.split(","):
                    results.append(crawl(args, sites, workdir, extract=(mode.strip() == "extract"),
                                         requisites=(flag.strip() == "on")))
                    if results[-1]["exit"] != 0:
                        print(Path(results[-1]["log"]).read_text()[-3000:], file=sys.stderr)
        finally:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=30)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"\n{args.outlets} outlets x {args.filler} articles (~{args.article_kb:g} KB), "
          f"{os.cpu_count()} CPUs, EXTRACT_WORKERS={args.workers}")
    columns = ["mode", "requisites", "articles", "pages", "requests_per_article", "kb_per_article", "crawl_s", "articles_per_s", "articles_per_s_wall", "cpu_s",
               "cpu_util_cores", "peak_rss_mb", "peak_rss_main_mb"]
    widths = [max(len(c), *(len(str(r[c])) for r in results)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for r in results:
        print("  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths)))


if __name__ == "__main__":
    main()
