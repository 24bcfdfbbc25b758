"""Database outages: PostgreSQL cut behind a small TCP proxy of the test's own.

The index writer holds its batches while the database is away and writes them when it
is back (one warning each way, counted); a crawl that ends with the database still down
exits 1 with one message, and the next run catches up from the WARC files.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import fresh_pg_schema
from test_db_index import capture, crawl

from archive.cli import main as cli
from archive.db.engine import make_engine, upgrade
from archive.db.writer import IndexWriter
from archive.errors import DatabaseUnavailable

ROOT = Path(__file__).resolve().parent.parent
PG = ("127.0.0.1", 5432)


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL. `cut()` drops every connection
    and turns new ones away (accepted, then closed at once) until `restore()`."""

    def __init__(self, target=PG) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_event = threading.Event()
        self.stopping = False
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, schema_url: str) -> str:
        return schema_url.replace(f"{PG[0]}:{PG[1]}", f"127.0.0.1:{self.port}")

    def cut(self) -> None:
        self.cut_event.set()
        with self.lock:
            for sock in list(self.sockets):
                _close(sock)
            self.sockets.clear()

    def restore(self) -> None:
        self.cut_event.clear()

    def close(self) -> None:
        self.stopping = True
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_event.is_set():
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data or self.cut_event.is_set():
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source), _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.fixture
def proxied_pg():
    """(URL through the proxy, direct URL, proxy) on a fresh PostgreSQL schema."""
    with fresh_pg_schema() as direct:
        proxy = CuttableProxy()
        try:
            yield proxy.url(direct), direct, proxy
        finally:
            proxy.close()


def test_index_writer_holds_batches_through_an_outage(proxied_pg, caplog):
    url, direct, proxy = proxied_pg
    engine = make_engine(url)
    upgrade(engine)
    index = IndexWriter(engine, batch_size=5, background=True)
    index.add_crawl(crawl())
    index.flush()
    proxy.cut()
    with caplog.at_level(logging.WARNING, logger="archive.db.writer"):
        for n in range(40):  # eight full batches while the database is away: no error
            index.add_capture(capture(n))
        index.mark("some.warc.gz", 4000)
        with pytest.raises(DatabaseUnavailable, match="unreachable"):
            index.flush()
        assert index.pending() == 40  # nothing lost
        assert index.database_down and index.outages == 1
        proxy.restore()
        index.flush()
        index.close()
    assert index.outages == 1 and not index.database_down
    messages = [r.getMessage() for r in caplog.records]
    assert sum("database is unreachable" in m for m in messages) == 1
    assert sum("database is back" in m for m in messages) == 1
    check = make_engine(direct)
    try:
        with check.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM captures")).scalar() == 40
            assert conn.execute(sa.text("SELECT indexed_to FROM warc_files")).scalar() == 4000
    finally:
        check.dispose()
    engine.dispose()


def test_held_rows_are_bounded_and_marks_stop(proxied_pg):
    url, direct, proxy = proxied_pg
    engine = make_engine(url)
    upgrade(engine)
    index = IndexWriter(engine, batch_size=5, max_held_rows=12)
    index.add_crawl(crawl())
    index.mark("a.warc.gz", 100)
    index.flush()
    proxy.cut()
    for n in range(30):
        index.add_capture(capture(n))
        index.mark("a.warc.gz", 200 + n)
    assert index.rows_dropped > 0
    assert index.pending() <= 12 + 5  # bounded memory: the held rows and the open batch
    proxy.restore()
    index.flush()
    with engine.connect() as conn:
        # the dropped rows' records are left to the catch-up: the mark did not move past them
        assert conn.execute(sa.text("SELECT indexed_to FROM warc_files")).scalar() == 100
    index.close()
    engine.dispose()


# --- whole crawls (`scrapy crawl` subprocesses against the demo web) ---

CRAWL_TIMEOUT = 300


def start_crawl(archive_dir: Path, db_url: str, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
    env.pop("ARCHIVE_DATABASE_URL", None)
    command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", "topic=defence",
               "-a", "sites=demo", "-s", f"ARCHIVE_DIR={archive_dir}",
               "-s", f"ARCHIVE_DATABASE_URL={db_url}", "-s", "TOPIC_DEMO_FILLER=30",
               "-s", "ARCHIVE_INDEX_BATCH_SIZE=20", *extra]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _logged_at(log: str, text: str) -> datetime:
    """The time stamp of the first log line holding `text` (Scrapy's format, to the second)."""
    line = next(line for line in log.splitlines() if text in line)
    return datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S")


def wait_for_crawl_row(direct: str, timeout: float = 60) -> None:
    engine = make_engine(direct)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    if conn.execute(sa.text("SELECT count(*) FROM captures")).scalar():
                        return
            except sa.exc.DBAPIError:
                pass
            time.sleep(0.2)
        raise AssertionError("the crawl never indexed a capture")
    finally:
        engine.dispose()


def verify(archive_dir: Path, db_url: str):
    return CliRunner().invoke(cli, ["--dir", str(archive_dir), "--db", db_url, "verify"])


def last_stats(direct: str) -> dict:
    engine = make_engine(direct)
    try:
        with engine.connect() as conn:
            stats = conn.execute(sa.text(
                "SELECT stats FROM crawls ORDER BY started_at DESC LIMIT 1")).scalar()
    finally:
        engine.dispose()
    return stats if isinstance(stats, dict) else json.loads(stats)


@pytest.mark.slow
def test_crawl_rides_out_a_30_second_outage(proxied_pg, tmp_path):
    url, direct, proxy = proxied_pg
    # slow enough that the crawl outlasts the 30 s outage by a margin on a loaded machine
    proc = start_crawl(tmp_path / "warcs", url, "-s", "DOWNLOAD_DELAY=0.3")
    try:
        wait_for_crawl_row(direct)
        proxy.cut()
        time.sleep(30)
        assert proc.poll() is None, "the crawl ended during the outage"  # still crawling
        proxy.restore()
        out, err = proc.communicate(timeout=CRAWL_TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-4000:]
    assert "Traceback" not in err and "Error processing" not in err, err[-4000:]
    assert err.count("database is unreachable") == 1, err[-4000:]
    assert err.count("database is back") == 1
    stats = last_stats(direct)
    assert stats["index/db_outages"] == 1 and stats.get("index/db_retries", 0) >= 1
    result = verify(tmp_path / "warcs", direct)
    assert result.exit_code == 0, result.output
    print(f"outage mid-crawl: {result.output.strip()}; stats {stats['index/db_outages']} outage, "
          f"{stats.get('index/db_retries')} retries")


@pytest.mark.slow
def test_crawl_ending_while_the_database_is_down_exits_1_and_the_next_run_catches_up(
        proxied_pg, tmp_path):
    url, direct, proxy = proxied_pg
    archive_dir = tmp_path / "warcs"
    # the crawl end waits 3 s (not 30) for the database before it gives up
    proc = start_crawl(archive_dir, url, "-s", "ARCHIVE_INDEX_CLOSE_WAIT=3")
    try:
        wait_for_crawl_row(direct)
        time.sleep(2)
        proxy.cut()  # and never restored while this crawl runs
        out, err = proc.communicate(timeout=CRAWL_TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 1, err[-4000:]
    assert "Traceback" not in err and "Error processing" not in err, err[-4000:]
    assert err.count("The crawl ended with the index database unreachable") == 1
    # it gave up after ARCHIVE_INDEX_CLOSE_WAIT (3 s), not the default 30 s
    assert _logged_at(err, "The crawl ended with the index database unreachable") - _logged_at(
        err, "Closing spider (") < timedelta(seconds=20), err[-4000:]
    assert not list(archive_dir.glob("*.open"))
    behind = verify(archive_dir, direct)
    assert behind.exit_code == 1 and "is not in the index" in behind.output

    proxy.restore()
    proc = start_crawl(archive_dir, url)
    try:
        out, err = proc.communicate(timeout=CRAWL_TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-4000:]
    assert "catch-up: indexed" in err
    result = verify(archive_dir, direct)
    assert result.exit_code == 0, result.output
    print(f"outage across the end: next run {result.output.strip()}")
