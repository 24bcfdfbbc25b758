"""A real crawl through scrapy-redis (settings.distributed) against Redis on 127.0.0.1:6379."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED_REDIS_URL as REDIS_URL

from crawler.demoweb import DemoWeb

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_crawl_with_redis_frontier(own_redis, tmp_path):
    client, prefix = own_redis
    web = DemoWeb(filler_per_outlet=3).start()
    try:
        sites = web.write_sites_yaml(tmp_path / "sites.yaml")
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.distributed", PYTHONPATH=str(ROOT))
        env.pop("ARCHIVE_DATABASE_URL", None)
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "topic",
             "-a", "topic=(defence OR defense) AND (India OR Delhi) AND Hegseth", "-a", f"sites={sites}",
             "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}", "-s", f"REDIS_URL={REDIS_URL}",
             "-s", f"FRONTIER_KEY_PREFIX={prefix}",
             "-s", "DOWNLOAD_TIMEOUT=3", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "SCHEDULER_IDLE_BEFORE_CLOSE=1",
             "-s", "CLOSESPIDER_TIMEOUT=240", "-s", "ARCHIVE_ALLOWED_NETWORKS=127.0.0.0/8"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
        # the run's frontier lived in Redis under run-scoped keys, removed when it ended
        assert "Frontier: node" in proc.stderr and "started run" in proc.stderr
        assert "its keys are removed" in proc.stderr
        assert list(client.scan_iter(prefix + "*")) == []
        conn = sqlite3.connect(tmp_path / "archive" / "archive.sqlite")
        for story in web.expected["stories"]:
            row = conn.execute(
                "SELECT content_hash FROM captures WHERE url = ? AND content_hash IS NOT NULL", (story["url"],)
            ).fetchone()
            assert row, story["url"]
    finally:
        web.stop()
