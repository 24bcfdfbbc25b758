"""Crawls killed with SIGKILL and run again: with a JOBDIR, and through bench/faults.py."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demoweb import DemoWeb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import faults  # noqa: E402  (bench/faults.py)


def _crawl_command(sites: Path, archive_dir: Path, jobdir: Path) -> list[str]:
    return faults.crawl_command(sites, archive_dir, jobdir)


def test_jobdir_crawl_killed_with_sigkill_resumes_and_archives_everything(tmp_path):
    web = DemoWeb(first_ip="127.0.0.70", filler_per_outlet=12, bad_inputs=False).start()
    try:
        sites = web.write_sites_yaml(tmp_path / "sites.yaml")
        reference_dir = tmp_path / "reference"
        assert faults.run(faults.crawl_command(sites, reference_dir, None), tmp_path / "reference.log") == 0
        reference = faults.articles(reference_dir)

        archive_dir, jobdir = tmp_path / "archive", tmp_path / "job"
        command = _crawl_command(sites, archive_dir, jobdir)
        with (tmp_path / "first.log").open("w") as log:
            proc = subprocess.Popen(command, cwd=ROOT, env=faults.crawl_env(), stdout=log, stderr=log,
                                    start_new_session=True)
            deadline = time.monotonic() + 240
            seen = jobdir / "requests.seen"
            # kill once the job has queued and fetched some pages (the state that used to be lost)
            while time.monotonic() < deadline and proc.poll() is None:
                warcs = list(archive_dir.glob("*.warc.gz.open"))
                if seen.exists() and seen.stat().st_size > 0 and warcs and warcs[0].stat().st_size > 80_000:
                    break
                time.sleep(0.05)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert (jobdir / "crawl.running").exists()
        before = faults.articles(archive_dir)
        assert len(before) < len(reference)

        second = faults.run(command, tmp_path / "second.log")
        log = (tmp_path / "second.log").read_text()
        assert second == 0, log[-4000:]
        assert "Traceback" not in log
        assert "was left by a crawl that did not close" in log
        assert not (jobdir / "crawl.running").exists()
        with sqlite3.connect(archive_dir / "archive.sqlite") as conn:
            stats = json.loads(conn.execute("SELECT stats FROM crawls ORDER BY started_at DESC").fetchone()[0])
        assert stats["finish_reason"] == "finished" and stats["jobdir/unclean_resume"] == 1
        assert faults.articles(archive_dir) >= reference  # every article of an uninterrupted crawl
        assert faults.duplicate_responses(archive_dir) == 0
        assert faults.verify(archive_dir, tmp_path / "verify.log") == 0
    finally:
        web.stop()


@pytest.mark.parametrize("jobdir", [False, True], ids=["plain", "jobdir"])
def test_fault_bench_trials_are_clean(tmp_path, capsys, jobdir):
    """bench/faults.py on a small web: 3 trials (1 with JOBDIR), each clean."""
    argv = ["--trials", "1" if jobdir else "3", "--seed", "5", "--filler", "12", "--workdir", str(tmp_path),
            "--json", str(tmp_path / "rows.json")]
    rc = faults.main([*argv, "--jobdir"] if jobdir else argv)
    out = capsys.readouterr().out
    rows = json.loads((tmp_path / "rows.json").read_text())
    assert len(rows) == (1 if jobdir else 3)
    assert "clean trials" in out
    assert rc == 0, out
