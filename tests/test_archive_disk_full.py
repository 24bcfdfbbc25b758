"""A full disk while writing WARC files: the crawl stops at once, says so once, exits 1,
and leaves whole records and no empty `.open` file; the archive then catches up.

The disk is a 2 MiB tmpfs that the test mounts (skipped, saying why, where mounting
is not allowed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_archive_core import SITES, STORY, T0, exchange, html
from tmpfs import mounted_tmpfs

from archive import Archive
from archive.cli import main as cli
from archive.errors import DiskFull, WriteStopped
from archive.warc.reader import iter_records

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small_disk(tmp_path):
    with mounted_tmpfs(tmp_path / "small", "2m") as mount_point:
        yield mount_point


def check_files(directory: Path) -> int:
    """Every WARC file whole (no damage), none empty or `.open`; returns the record count."""
    assert not list(directory.glob("*.open")), "a .open file was left"
    records = 0
    for path in directory.glob("*.warc.gz"):
        assert path.stat().st_size > 0, f"{path.name} is empty"
        records += sum(1 for _ in iter_records(path))  # raises at any damage
    return records


def test_library_stops_the_session_on_a_full_disk(small_disk, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'index.sqlite'}"  # the index elsewhere: only WARCs fill
    stops = []
    with Archive.open(small_disk / "warcs", db_url) as archive:
        session = archive.start_crawl(spider="topic", sites=SITES)
        session.on_stop = stops.append
        body = html(STORY + " " + os.urandom(300_000).hex())  # incompressible: fills fast
        written = 0
        with pytest.raises(DiskFull, match="no space left"):
            for n in range(100):
                session.write_response(exchange(f"http://127.0.0.2:8001/{n}", body, at=T0))
                written += 1
        with pytest.raises(WriteStopped):  # every later write is refused at once
            session.write_response(exchange("http://127.0.0.2:8001/late", body, at=T0))
        session.close()
    assert len(stops) == 1
    assert written >= 1
    records = check_files(small_disk / "warcs")
    assert records >= 2 * written
    with Archive.open(small_disk / "warcs", db_url) as archive:
        assert len(list(archive.captures())) == written


def test_crawl_on_a_full_disk_stops_exits_1_and_the_archive_catches_up(small_disk, tmp_path):
    archive_dir = small_disk / "archive"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
    env.pop("ARCHIVE_DATABASE_URL", None)
    command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", "topic=defence",
               "-a", "sites=demo", "-s", f"ARCHIVE_DIR={archive_dir}",
               "-s", "TOPIC_DEMO_FILLER=40"]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    err = proc.stderr
    assert proc.returncode == 1, err[-4000:]
    assert "Traceback" not in err, err[-4000:]
    assert err.count("Stopping the crawl: no space left") == 1, err[-4000:]
    assert "Spider closed (archive_disk_full)" in err
    assert err.count("No space left on device") <= 3, err[-4000:]  # no stream of warnings
    records = check_files(archive_dir)

    # with room again (a copy on a real disk), the next open indexes what the index missed
    roomy = tmp_path / "roomy"
    shutil.copytree(archive_dir, roomy)
    result = CliRunner().invoke(cli, ["--dir", str(roomy), "recover"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["--dir", str(roomy), "verify"])
    assert result.exit_code == 0, result.output
    print(f"disk full: {records} whole records; after recover: {result.output.strip()}")

