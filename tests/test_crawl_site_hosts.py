"""www. and subdomain hosts of one site on the test web: every capture and article is stored
under the site's NAME, live and after `reindex`, and the summary counts them for that site.

The test web answers by Host header on 127.0.0.1; a test-only DNS resolver
(tests/support/loopback_dns.py) maps www.outlet1.test, news.outlet1.test, ... there.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = ("Defence ministers from India and the United States met in Delhi on Monday to sign a "
             "framework for closer cooperation, Hegseth said, describing talks on joint exercises, "
             "supply chains and maritime patrols that officials expect to widen over the next decade. ")
HOSTS = ["www.outlet1.test", "outlet1.test", "news.outlet1.test", "outlet2.test", "feeds.cdn2.test"]


def article(title: str, n: int) -> bytes:
    body = "".join(f"<p>{PARAGRAPH}Paragraph {i} of story {n} adds its own detail number {n * 10 + i}.</p>"
                   for i in range(6))
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{body}</article></body></html>").encode()


class Web:
    """Pages by (host, path); the port is filled in once the server is bound."""

    def __init__(self) -> None:
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        p = self.port
        self.pages = {
            ("www.outlet1.test", "/"): (
                "text/html",
                f"<html><body><a href='/2025/01/www-story'>www story</a>"
                f"<a href='http://news.outlet1.test:{p}/2025/01/news-story'>news story</a>"
                f"<a href='http://outlet1.test:{p}/2025/01/bare-story'>bare story</a></body></html>".encode()),
            ("www.outlet1.test", "/2025/01/www-story"): ("text/html", article("India defence pact www", 1)),
            ("news.outlet1.test", "/2025/01/news-story"): ("text/html", article("India defence pact news", 2)),
            ("outlet1.test", "/2025/01/bare-story"): ("text/html", article("India defence pact bare", 3)),
            ("outlet2.test", "/"): ("text/html", b"<html><body><p>Outlet two</p></body></html>"),
            ("feeds.cdn2.test", "/rss.xml"): (
                "application/rss+xml",
                f"<?xml version='1.0'?><rss version='2.0'><channel><title>Two</title><item><title>Delhi "
                f"defence talks</title><link>http://www.outlet2.test:{p}/2025/02/two-story</link></item>"
                f"</channel></rss>".encode()),
            ("www.outlet2.test", "/2025/02/two-story"): ("text/html", article("Delhi defence talks", 4)),
        }
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                found = web.pages.get((host, self.path))
                if found is None:
                    self.send_error(404)
                    return
                kind, body = found
                self.send_response(200)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_www_and_subdomain_hosts_are_stored_under_the_site_name(tmp_path):
    web = Web()
    try:
        p = web.port
        sites = tmp_path / "sites.yaml"
        sites.write_text(
            "sites:\n"
            f"  - name: Outlet One\n    url: http://www.outlet1.test:{p}/\n"
            f"  - name: Outlet Two\n    url: http://outlet2.test:{p}/\n"
            f"    feeds: [http://feeds.cdn2.test:{p}/rss.xml]\n"
            f"    hosts: [www.outlet2.test]\n"
        )
        archive_dir = tmp_path / "archive"
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test",
                   PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests" / "support")]))
        env.pop("ARCHIVE_DATABASE_URL", None)
        dns = json.dumps({host: "127.0.0.1" for host in HOSTS + ["www.outlet2.test"]})
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", "topic=India OR Delhi", "-a", f"sites={sites}",
             "-s", f"ARCHIVE_DIR={archive_dir}", "-s", "TWISTED_DNS_RESOLVER=loopback_dns.LoopbackResolver",
             "-s", f"TEST_DNS_HOSTS={dns}", "-s", "EXTRACT_WORKERS=1"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
        )
    finally:
        web.stop()
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]

    def sites_of(db: Path) -> tuple[dict, dict]:
        conn = sqlite3.connect(db)
        try:
            captures = dict(conn.execute("SELECT url, site FROM captures WHERE url NOT LIKE '%robots.txt'"))
            articles = dict(conn.execute("SELECT first_url, first_site FROM articles"))
        finally:
            conn.close()
        return captures, articles

    captures, articles = sites_of(archive_dir / "archive.sqlite")
    expected = {
        f"http://www.outlet1.test:{p}/2025/01/www-story": "Outlet One",
        f"http://news.outlet1.test:{p}/2025/01/news-story": "Outlet One",
        f"http://outlet1.test:{p}/2025/01/bare-story": "Outlet One",
        f"http://www.outlet2.test:{p}/2025/02/two-story": "Outlet Two",
    }
    assert articles == expected
    assert {url: captures[url] for url in expected} == expected
    assert captures[f"http://feeds.cdn2.test:{p}/rss.xml"] == "Outlet Two"  # a listed feed's host
    assert set(captures.values()) == {"Outlet One", "Outlet Two"}
    assert "  Outlet One: pages fetched" in proc.stderr and "articles fetched 3" in proc.stderr

    # the site's name finds its articles from every host (the issue's `--site` miss)
    found = subprocess.run([sys.executable, "-m", "archive", "--dir", str(archive_dir), "search", "defence",
                            "--site", "Outlet One", "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 0, found.stderr[-3000:]
    assert len(json.loads(found.stdout)) == 3

    # reindex from the WARC files alone gives the same answers
    rebuilt = tmp_path / "rebuilt.sqlite"
    redo = subprocess.run([sys.executable, "-m", "archive", "--dir", str(archive_dir), "--db", f"sqlite:///{rebuilt}",
                           "reindex", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert redo.returncode == 0, redo.stderr[-3000:]
    assert sites_of(rebuilt) == (captures, articles)
