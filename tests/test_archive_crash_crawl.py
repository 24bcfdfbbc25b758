"""A crawl killed with SIGKILL, then the same command again: `verify` is clean with no
human step, and the archive holds the articles of an uninterrupted crawl."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main as cli
from crawler.demoweb import DemoWeb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "(defence OR defense) AND (India OR Delhi) AND Hegseth"


def crawl_command(sites: Path, archive_dir: Path) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
            "-a", f"sites={sites}", "-s", f"ARCHIVE_DIR={archive_dir}",
            "-s", "ARCHIVE_INDEX_BATCH_SIZE=50"]


def environment() -> dict[str, str]:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
    env.pop("ARCHIVE_DATABASE_URL", None)
    return env


def article_hashes(archive_dir: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{archive_dir / 'archive.sqlite'}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT content_hash FROM articles")}
    finally:
        conn.close()


def indexed_captures(archive_dir: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{archive_dir / 'archive.sqlite'}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM captures").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_kill_9_mid_crawl_then_the_same_command_is_clean(tmp_path):
    web = DemoWeb(filler_per_outlet=8).start()
    try:
        sites = web.write_sites_yaml(tmp_path / "sites.yaml")
        reference = tmp_path / "reference"
        done = subprocess.run(crawl_command(sites, reference), cwd=ROOT, env=environment(),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        expected = article_hashes(reference)

        crashed = tmp_path / "crashed"
        proc = subprocess.Popen(crawl_command(sites, crashed), cwd=ROOT, env=environment(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while indexed_captures(crashed) < 60 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=30)
        assert list(crashed.glob("*.warc.gz.open")), "the kill left no .open file"
        before = CliRunner().invoke(cli, ["--dir", str(crashed), "verify"])

        again = subprocess.run(crawl_command(sites, crashed), cwd=ROOT, env=environment(),
                               capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "Traceback" not in again.stderr
        result = CliRunner().invoke(cli, ["--dir", str(crashed), "verify"])
        assert result.exit_code == 0, result.output
        assert not list(crashed.glob("*.open"))
        got = article_hashes(crashed)
        missing = expected - got
        print(f"kill -9 after >= 60 indexed captures: verify before the rerun exit "
              f"{before.exit_code}; after: {result.output.strip()}; articles {len(got)} vs "
              f"{len(expected)} uninterrupted, {len(missing)} missing")
        assert not missing
    finally:
        web.stop()
