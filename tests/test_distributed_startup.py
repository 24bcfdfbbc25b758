"""Start-up that cannot race: many processes open one empty database at once, and a
node that cannot open its archive stops before its first request with exit code 1."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demoweb import DemoWeb

ROOT = Path(__file__).resolve().parent.parent
OPENERS = 8


def _open(url: str, directory: str, barrier) -> str:
    from archive import Archive

    barrier.wait()  # all at once
    try:
        with Archive.open(directory, url) as archive:
            archive.index.flush()
        return "ok"
    except Exception as exc:  # reported to the test, which shows it
        return f"{type(exc).__name__}: {exc}"


def test_many_processes_open_an_empty_database_at_once(db_url, tmp_path):
    from archive.db.engine import make_engine, schema_state

    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(OPENERS)
    with context.Pool(OPENERS) as pool:
        results = pool.starmap(_open, [(db_url, str(tmp_path / f"node{i}"), barrier)
                                       for i in range(OPENERS)])
    assert results == ["ok"] * OPENERS
    engine = make_engine(db_url)
    assert schema_state(engine) == "current"
    engine.dispose()


@pytest.mark.slow
def test_node_that_cannot_open_the_archive_exits_1_without_fetching(tmp_path):
    web = DemoWeb(first_ip="127.0.0.70", filler_per_outlet=1, bad_inputs=False).start()
    try:
        sites = web.write_sites_yaml(tmp_path / "sites.yaml")
        hits_before = web.hits
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT),
                   ARCHIVE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", "topic=India",
             "-a", f"sites={sites}", "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr[-3000:]
        assert "Cannot open the archive" in proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
        assert web.hits == hits_before  # not one request reached the web
    finally:
        web.stop()


def test_a_node_with_a_folder_of_its_own_is_refused(tmp_path):
    """One shared WARC folder for all nodes: a node pointed at another folder while the
    shared database indexes the other nodes' recent files stops before writing."""
    from test_warc_support import make_exchange

    from archive import Archive
    from archive.errors import ArchiveError

    url = f"sqlite:///{tmp_path / 'index.sqlite'}"
    with Archive.open(tmp_path / "shared", url, node_id="node-1") as archive:
        session = archive.start_crawl(spider="topic")
        session.write_response(make_exchange())
        session.close()
    with Archive.open(tmp_path / "shared", url, node_id="node-2") as archive:
        archive.start_crawl(spider="topic").close()  # the shared folder: fine
    with Archive.open(tmp_path / "own", url, node_id="node-3") as archive:
        with pytest.raises(ArchiveError, match="one shared ARCHIVE_DIR"):
            archive.start_crawl(spider="topic")
    assert not (tmp_path / "own").exists() or not any((tmp_path / "own").glob("*.warc.gz*"))
