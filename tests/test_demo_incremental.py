"""`-a sites=demo` keeps its addresses and port from one run to the next (TOPIC_DEMO_PORT), so
the README's first command, run twice, shows the second run as incremental."""

from __future__ import annotations

import logging
import socket

import pytest
from test_crawl_e2e import Archive, run_crawl

from crawler.demo import DemoServer

pytestmark = pytest.mark.slow


def _free_port(host: str = "127.0.0.2") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def test_demo_twice_on_its_fixed_port_is_incremental(tmp_path):
    port = _free_port()
    archive_dir = tmp_path / "archive"
    runs = [run_crawl("demo", archive_dir, "-s", f"TOPIC_DEMO_PORT={port}") for _ in range(2)]
    for proc in runs:
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    archive = Archive(archive_dir)
    first, second = (c["crawl_id"] for c in archive.crawls())
    urls = [
        {r["url"] for r in archive.rows("SELECT url FROM captures WHERE crawl_id = ? AND content_hash "
                                        "IS NOT NULL", crawl)}
        for crawl in (first, second)
    ]
    assert urls[0] and all(f":{port}/" in url for url in urls[0])
    stats = archive.stats(-1)
    # known articles are skipped or re-checked, never fetched whole again
    assert stats.get("incremental/skipped_known", 0) + stats.get("incremental/not_modified", 0) > 0
    assert not [r for r in archive.rows(
        "SELECT url FROM captures WHERE crawl_id = ? AND record_type = 'response' AND content_hash IS NOT NULL",
        second) if r["url"] in urls[0]]
    assert archive.rows("SELECT COUNT(*) AS n FROM captures WHERE crawl_id = ? AND record_type = 'revisit'",
                        second)[0]["n"] > 0


def test_demo_port_taken_falls_back_with_a_warning(caplog):
    port = _free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.2", port))
        blocker.listen()
        demo = DemoServer(timeout=60, port=port)
        with caplog.at_level(logging.WARNING, logger="crawler.demo"):
            sites = demo.start()
        try:
            text = open(sites, encoding="utf-8").read()
            assert f":{port}/" not in text and "127.0.0.2:" in text
            assert any("is taken" in r.getMessage() for r in caplog.records)
        finally:
            demo.stop()
