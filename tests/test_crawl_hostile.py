"""End to end against a hostile web (crawler.demoweb.hostile) on loopback: one `scrapy crawl`
subprocess, then one test per kind of hostility. Only 127.0.0.0/24 is allowed, so the
"inside" host (127.0.1.x, another loopback network) stands for a private machine."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demoweb.hostile import CHAIN_LENGTH, HostileWeb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    with HostileWeb() as web:
        sites = web.write_sites_yaml(base / "sites.yaml")
        env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
        env.pop("ARCHIVE_DATABASE_URL", None)
        command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", "topic=port", "-a", f"sites={sites}",
                   "-s", f"ARCHIVE_DIR={base / 'archive'}", "-s", "ARCHIVE_ALLOWED_NETWORKS=127.0.0.0/24",
                   "-s", "RETRY_AFTER_MAX=5"]
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        with sqlite3.connect(base / "archive" / "archive.sqlite") as conn:
            raw = conn.execute("SELECT stats FROM crawls ORDER BY started_at DESC").fetchone()[0]
            captured = {row[0] for row in conn.execute("SELECT url FROM captures")}
            articles = {row[0] for row in conn.execute(
                "SELECT c.url FROM captures c WHERE c.content_hash IS NOT NULL")}
        yield {"web": web, "proc": proc, "stats": json.loads(raw), "captured": captured, "articles": articles}


def test_crawl_survives_without_traceback(crawl):
    proc = crawl["proc"]
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-6000:]
    assert crawl["web"].url("/news/plain-article") in crawl["articles"]


def test_retry_after_honoured_up_to_the_cap(crawl):
    stats, web = crawl["stats"], crawl["web"]
    assert web.hits["/news/retry-short"] == 2  # 503 + Retry-After: 1, then the article
    assert web.url("/news/retry-short") in crawl["articles"]
    assert stats["fetch/retry_after_waited"] == 1
    assert web.hits["/news/retry-long"] == 1  # Retry-After: 3600 > RETRY_AFTER_MAX: given up at once
    assert stats["fetch/retry_after_too_long"] == 1
    assert crawl["proc"].stderr.count("fetch/retry_after_too_long:") == 1


def test_sitemap_index_chain_is_cut(crawl):
    followed = [path for path in crawl["web"].hits if path.startswith("/sitemaps/chain-")]
    assert len(followed) == 4 < CHAIN_LENGTH  # the first + TOPIC_SITEMAP_MAX_DEPTH (3) levels
    assert crawl["stats"]["discovery/sitemap_too_deep"] == 1


def test_huge_robots_txt_read_over_its_first_500_kib(crawl):
    web = crawl["web"]
    assert crawl["stats"]["robotstxt/truncated"] >= 1
    assert web.hits["/news/early-private"] == 0  # a rule at the start is obeyed
    assert web.hits["/news/late-private"] == 1  # a rule after 500 KiB is ignored, as Google does


def test_truncated_gzip_counted_as_an_error(crawl):
    assert crawl["stats"]["fetch/truncated"] >= 1
    assert crawl["web"].url("/news/truncated-gzip") not in crawl["articles"]


def test_huge_header_counted_as_a_bad_response_head(crawl):
    web, stats = crawl["web"], crawl["stats"]
    assert web.hits["/news/huge-header"] >= 1
    assert web.url("/news/huge-header") not in crawl["captured"]
    # Twisted's parser closes the connection at a header line over 16 KiB
    assert stats["fetch/bad_response_head"] >= 1
    assert not stats.get("fetch/connection_reset")


def test_private_host_refused_configured_or_redirected(crawl):
    web, stats = crawl["web"], crawl["stats"]
    assert sum(web.inside_hits.values()) == 0  # nothing ever reached the inside host
    assert web.hits["/news/to-inside"] == 1
    assert stats["fetch/refused_address"] >= 2  # its home page (sites file) and the redirect
    assert crawl["proc"].stderr.count(f"fetch/refused_address: {web.inside_host} resolves to") == 1


def test_non_http_schemes_refused(crawl):
    web, stats = crawl["web"], crawl["stats"]
    assert web.hits["/news/ftp-article"] == 0 and web.hits["/file"] == 0
    assert stats["fetch/refused_scheme"] >= 1  # the redirect to ftp:
    assert web.hits["/news/to-ftp"] == 1
