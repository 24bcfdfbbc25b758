"""Benchmark: `scrapy crawl topic` end to end against a local demo web at scale.

Starts the demo web (6 outlets x ~333 articles of ~40 KB, no bad inputs) in one
subprocess and then, one after the other on that same web, the crawls of --modes:

  extract   `scrapy crawl topic` end to end (extraction, topic, WARC, index)
  general   `extract` with EXTRACT_SITE_TEMPLATES=False: every page through the general
            extractor, none read from its site's checked template region
  raw       the same with EXTRACT_ENABLED=False (discovery, fetch and raw WARC only)
  baseline  bench/baseline_crawl.py: a plain CrawlSpider + trafilatura + warcio + SQLite,
            the reference the crawler's capacity is compared with (issue 14)

each with page requisites on and/or off (--requisites), and prints per crawl: articles per
second (wall clock, process start included), articles per CPU-second (the crawl process
and its extraction workers), cores used (CPU-seconds / wall seconds), peak RSS (crawl
process + workers, sampled every 0.2 s), and the crawl process's own CPU: its main
(reactor) thread's, per response received, and its other threads' (WARC/index writer).
Then the ratio of `extract` to `baseline` articles/s, per requisites setting.

    .venv/bin/python bench/bench_crawl.py                # extract and raw, default scale
    .venv/bin/python bench/bench_crawl.py --modes baseline,extract --requisites on,off
    .venv/bin/python bench/bench_crawl.py --filler 100 --modes extract

Requests and KB per article count everything the crawl downloaded (discovery, articles
and, with requisites on, their stylesheets, images, scripts and fonts). The baseline
counts as articles all pages whose extracted text reaches 400 characters, listings
included, so its rate is if anything flattered.
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


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _cpu_s(stat_path: str) -> float | None:
    """utime + stime of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat, in seconds."""
    try:
        with open(stat_path, "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


class PeakRss(threading.Thread):
    """Samples the summed RSS of a process tree, and the CPU of its root process and of that
    process's main thread (the reactor's); the last sample before exit stands for the total."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb, self.peak_main_kb = pid, interval, 0, 0
        self.main_cpu_s = self.reactor_cpu_s = 0.0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            pids = _tree(self.pid)
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in pids))
            self.peak_main_kb = max(self.peak_main_kb, _rss_kb(self.pid))
            main = _cpu_s(f"/proc/{self.pid}/stat")
            reactor = _cpu_s(f"/proc/{self.pid}/task/{self.pid}/stat")
            if main is not None and reactor is not None:
                self.main_cpu_s, self.reactor_cpu_s = main, reactor
            self.stop_event.wait(self.interval)


def start_web(args, workdir: Path) -> tuple[subprocess.Popen, Path]:
    from bench_support import start_demo_web

    return start_demo_web(args, workdir)


def crawl(args, sites: Path, workdir: Path, mode: str, requisites: bool = True) -> dict:
    label = f"{mode}-{'req' if requisites else 'noreq'}"
    archive_dir = workdir / f"archive-{label}"
    if mode == "baseline":
        command = [sys.executable, str(ROOT / "bench" / "baseline_crawl.py"), str(sites), str(archive_dir),
                   "--concurrency", str(args.concurrency), "--timeout", str(args.timeout)]
        command += ["--requisites"] if requisites else []
        env = dict(os.environ)
    else:
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
        env.pop("ARCHIVE_DATABASE_URL", None)
        settings = {
            "ARCHIVE_DIR": archive_dir, "EXTRACT_ENABLED": mode != "raw", "EXTRACT_WORKERS": args.workers,
            "EXTRACT_SITE_TEMPLATES": mode != "general",
            "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": args.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, args.concurrency // 4), "LOG_LEVEL": "INFO",
            "TOPIC_DEPTH_LIMIT": args.depth, "LOGSTATS_INTERVAL": 10, "CLOSESPIDER_TIMEOUT": args.timeout,
            "MEMUSAGE_ENABLED": False, "ARCHIVE_REQUISITES": requisites,
            "ARCHIVE_STORIES": args.stories == "on",
        }
        # --profile: cProfile records the main thread only, which is the reactor's
        profile = ["-m", "cProfile", "-o", str(Path(args.profile) / f"crawl-{label}.prof")] \
            if args.profile else []
        command = [sys.executable, *profile, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
                   "-a", f"sites={sites}"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        for setting in args.set:  # last: they override the above
            command += ["-s", setting]
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
    if mode == "baseline":
        stats = _baseline_stats(log)
        articles = int(stats.get("articles") or 0)
        pages, requests, response_bytes = int(stats.get("pages") or 0), int(stats.get("requests") or 0), 0
        elapsed = wall
    else:
        stats = _stats(archive_dir)
        articles = int(stats.get("archive/articles") or stats.get("discovery/articles") or 0)
        pages = int(stats.get("response_received_count") or 0)
        requests = int(stats.get("downloader/request_count") or 0)
        response_bytes = int(stats.get("downloader/response_bytes") or 0)
        elapsed = float(stats.get("elapsed_time_seconds") or wall)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "mode": mode, "requisites": "on" if requisites else "off",
        "exit": proc.returncode, "articles": articles, "pages": pages,
        "requests_per_article": round(requests / articles, 2) if articles else 0.0,
        "kb_per_article": round(response_bytes / 1024 / articles, 1) if articles and response_bytes else "-",
        "crawl_s": round(elapsed, 1), "wall_s": round(wall, 1),
        "articles_per_s": round(articles / elapsed, 1) if elapsed else 0.0,
        "articles_per_s_wall": round(articles / wall, 1) if wall else 0.0,
        "cpu_s": round(cpu, 1), "articles_per_cpu_s": round(articles / cpu, 1) if cpu else 0.0,
        "cpu_util_cores": round(cpu / wall, 2) if wall else 0.0,
        "main_cpu_s": round(sampler.main_cpu_s, 1),
        "reactor_cpu_s": round(sampler.reactor_cpu_s, 1),
        "reactor_ms_per_response": round(1000 * sampler.reactor_cpu_s / pages, 2) if pages else 0.0,
        "workers_cpu_s": round(cpu - sampler.main_cpu_s, 1),
        "template_pages": int(stats.get("extract/template_pages") or 0),
        "gc_cpu_s": stats.get("gc/cpu_seconds", "-"),
        "peak_rss_mb": round(sampler.peak_kb / 1024), "peak_rss_main_mb": round(sampler.peak_main_kb / 1024),
        "log": str(log),
    }


def _baseline_stats(log: Path) -> dict:
    """The JSON line bench/baseline_crawl.py prints when its spider closes."""
    for line in reversed(log.read_text(errors="replace").splitlines()):
        if line.startswith("{") and '"articles"' in line:
            return json.loads(line)
    return {}


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
    parser.add_argument("--modes", default="extract,raw", help="comma list of: extract, general, raw, baseline")
    parser.add_argument("--requisites", default="on", help="comma list of: on, off (ARCHIVE_REQUISITES)")
    parser.add_argument("--stories", default="on", choices=("on", "off"),
                        help="ARCHIVE_STORIES: story signatures in the workers and linking at close")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--profile", metavar="DIR",
                        help="write a cProfile of each crawl's reactor thread to DIR/crawl-MODE-REQ.prof "
                             "(profiling slows the crawl: its rates are not comparable)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="one more Scrapy setting for this project's crawls (repeatable), "
                             "e.g. --set ARCHIVE_GC_THRESHOLDS= to compare with Python's defaults")
    args = parser.parse_args()
    if any("=" not in setting for setting in args.set):
        parser.error("--set takes NAME=VALUE")
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        workdir = Path(tmp)
        web, sites = start_web(args, workdir)
        results = []
        try:
            for mode in args.modes.split(","):
                for flag in args.requisites.split(","):
                    results.append(crawl(args, sites, workdir, mode.strip(), requisites=(flag.strip() == "on")))
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
    columns = ["mode", "requisites", "articles", "pages", "requests_per_article", "kb_per_article", "wall_s",
               "articles_per_s_wall", "cpu_s", "articles_per_cpu_s", "cpu_util_cores", "peak_rss_mb",
               "main_cpu_s", "reactor_cpu_s", "reactor_ms_per_response", "workers_cpu_s", "template_pages", "gc_cpu_s"]
    widths = [max(len(c), *(len(str(r[c])) for r in results)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for r in results:
        print("  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths)))
    for flag in ("on", "off"):
        ours = [r for r in results if r["mode"] == "extract" and r["requisites"] == flag]
        theirs = [r for r in results if r["mode"] == "baseline" and r["requisites"] == flag]
        if ours and theirs and theirs[0]["articles_per_s_wall"]:
            print(f"requisites {flag}: extract / baseline = "
                  f"{ours[0]['articles_per_s_wall'] / theirs[0]['articles_per_s_wall']:.2f}x articles/s, "
                  f"{ours[0]['articles_per_cpu_s'] / max(theirs[0]['articles_per_cpu_s'], 0.01):.2f}x "
                  "articles per CPU-second")


if __name__ == "__main__":
    main()
