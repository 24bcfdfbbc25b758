"""`scrapy list` / `scrapy crawl` from the repo root: bad arguments are refused before any request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def scrapy(*args: str, timeout: float = 120):
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_scrapy_list_shows_the_topic_spider():
    proc = scrapy("list")
    assert proc.returncode == 0, proc.stderr
    assert "topic" in proc.stdout.split()


@pytest.fixture
def sites_file(tmp_path):
    path = tmp_path / "sites.yaml"
    # port 9 (discard) on a loopback address nothing listens on: any request would fail loudly
    path.write_text("sites:\n  - name: Nowhere Times\n    url: http://127.0.0.99:9/\n")
    return path


def test_malformed_topic_is_rejected_with_a_pointer(tmp_path, sites_file):
    proc = scrapy("crawl", "topic", "-a", "topic=(India AND", "-a", f"sites={sites_file}",
                  "-s", f"ARCHIVE_DIR={tmp_path / 'a'}")
    assert proc.returncode == 2
    assert "invalid topic query" in proc.stderr
    assert "column" in proc.stderr and "^" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "a").exists()  # nothing opened, nothing fetched


def test_invalid_sites_file_names_file_line_and_reason(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sites:\n  - name: X\n    url: http://127.0.0.99:9/\n    concurrency: 0\n")
    proc = scrapy("crawl", "topic", "-a", "topic=India", "-a", f"sites={bad}",
                  "-s", f"ARCHIVE_DIR={tmp_path / 'a'}")
    assert proc.returncode == 2
    assert f"{bad}:4:" in proc.stderr and "concurrency" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_since_is_rejected(tmp_path, sites_file):
    proc = scrapy("crawl", "topic", "-a", "topic=India", "-a", f"sites={sites_file}", "-a", "since=last week",
                  "-s", f"ARCHIVE_DIR={tmp_path / 'a'}")
    assert proc.returncode == 2
    assert "since" in proc.stderr


@pytest.mark.slow
def test_demo_sites_crawl_runs_offline(tmp_path):
    """`-a sites=demo` serves the built-in demo web itself on loopback and crawls it."""
    proc = scrapy("crawl", "topic", "-a", "topic=Hegseth AND (India OR Delhi)", "-a", "sites=demo",
                  "-s", f"ARCHIVE_DIR={tmp_path / 'a'}", "-s", "TOPIC_DEMO_FILLER=3", timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Demo web: READY" in proc.stderr
    assert "Crawl summary (finished)" in proc.stderr
    assert "articles fetched 0 " not in proc.stderr.split("Crawl summary (finished)")[1]
    assert "WARC files: " in proc.stderr and "Database: sqlite:///" in proc.stderr
    assert "Dumping Scrapy stats" not in proc.stderr  # the summary, not a 150-line dict
    assert "Context impl" not in proc.stderr  # no alembic set-up chatter at INFO
