"""Helpers for tests that run several `scrapy crawl` nodes as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "(defence OR defense) AND (India OR Delhi) AND Hegseth"

# settings.test's loopback values, on top of settings.distributed. The web has no slow
# pages (bad_inputs=False): a generous timeout keeps a loaded machine from causing retries,
# which would fetch a page twice for reasons that have nothing to do with the frontier.
NODE_SETTINGS = {
    "DOWNLOAD_TIMEOUT": "30", "DNS_TIMEOUT": "10", "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "EXTRACT_WORKERS": "1",
    "ARCHIVE_RECHECK_DAYS": "36500", "CLOSESPIDER_TIMEOUT": "300",
    "SCHEDULER_IDLE_BEFORE_CLOSE": "3", "LOGSTATS_INTERVAL": "5",
    "ARCHIVE_ALLOWED_NETWORKS": "127.0.0.0/8",
}


def count_requests(web) -> Counter:
    """Count every request the demo web serves, by absolute URL (path and query)."""
    counts: Counter = Counter()
    for i, outlet in enumerate(web._outlets):
        base, route = web.base_url(i), outlet.route

        def counting(target, _base=base, _route=route):
            path = target if not target.startswith(("http://", "https://")) else \
                "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
            counts[_base + path.split("#", 1)[0]] += 1
            return _route(target)

        outlet.route = counting
    return counts


def article_urls(web) -> set[str]:
    expected = web.expected
    urls = {url for story in expected["stories"] for url in story["urls"]}
    return urls | {f["url"] for f in expected["filler"]}


def node_command(sites: Path, archive_dir: Path, node: str, redis_url: str, prefix: str,
                 **settings: str) -> list[str]:
    values = {**NODE_SETTINGS, "ARCHIVE_DIR": str(archive_dir), "ARCHIVE_NODE_ID": node,
              "REDIS_URL": redis_url, "FRONTIER_KEY_PREFIX": prefix, **settings}
    command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
               "-a", f"sites={sites}"]
    for name, value in values.items():
        command += ["-s", f"{name}={value}"]
    return command


class Node:
    """One crawler node process; its log goes to a file (no pipe to fill up)."""

    def __init__(self, command: list[str], database_url: str, log: Path) -> None:
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.distributed", PYTHONPATH=str(ROOT),
                   ARCHIVE_DATABASE_URL=database_url)
        self.log_path = log
        self._log = open(log, "w")
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 300) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self._log.close()

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def run_nodes(commands: list[list[str]], database_url: str, logs: Path, tag: str,
              timeout: float = 300) -> list[Node]:
    nodes = [Node(c, database_url, logs / f"{tag}-{i}.log") for i, c in enumerate(commands)]
    deadline = time.monotonic() + timeout
    for node in nodes:
        node.wait(max(1.0, deadline - time.monotonic()))
    return nodes


def assert_clean(node: Node) -> None:
    out = node.output
    assert node.proc.returncode == 0, out[-5000:]
    assert "Traceback" not in out, out[-5000:]
