"""Faithful capture, end to end: `scrapy crawl` archives each article's page requisites, and
the archive replays the article as it looked in pywb and in ReplayWeb.page (a real
headless chromium), at its first capture and at "latest" after a re-check answered 304.

The demo web crawled twice into one archive: generation 1, then generation 2 on the same
addresses (unchanged articles answer 304, one article changed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_crawl_e2e import Archive, run_crawl

from crawler.demoweb import DemoWeb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    base = tmp_path_factory.mktemp("requisites")
    web = DemoWeb(filler_per_outlet=2).start()
    web2 = None
    try:
        sites = web.write_sites_yaml(base / "sites.yaml")
        archive_dir = base / "archive"
        first = run_crawl(sites, archive_dir)
        assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr[-4000:]
        web.stop()
        web2 = DemoWeb(filler_per_outlet=2, port=web.port, generation=2).start()
        second = run_crawl(sites, archive_dir)
        assert second.returncode == 0 and "Traceback" not in second.stderr, second.stderr[-4000:]
        yield {"web": web, "dir": archive_dir, "first": first, "second": second,
               "archive": Archive(archive_dir)}
    finally:
        web.stop()
        if web2 is not None:
            web2.stop()


def _seed_article(crawled) -> dict:
    archive = crawled["archive"]
    seed = crawled["web"].expected["stories"][0]
    rows = archive.captures(seed["url"])
    assert rows, seed["url"]
    return {"url": seed["url"], "title": seed["title"], "body": seed["body"], "rows": rows}


def test_requisites_archived_once_each_as_captures_not_articles(crawled):
    archive, web = crawled["archive"], crawled["web"]
    first_crawl = archive.crawls()[0]["crawl_id"]
    stats = archive.stats(0)
    assert stats["requisites/fetched"] > 0
    assert stats.get("requisites/deduplicated", 0) > 0  # the site-wide stylesheet: one request
    requisites = archive.rows(
        "SELECT url, content_type, content_hash, COUNT(*) AS n FROM captures "
        "WHERE crawl_id = ? AND (url LIKE '%/static/%' OR url LIKE ?) AND record_type = 'response' "
        "GROUP BY url", first_crawl, f"{web.cdn_url}/%")
    by_url = {r["url"]: r for r in requisites}
    assert all(r["n"] == 1 for r in requisites), [r for r in requisites if r["n"] > 1]
    assert all(r["content_hash"] is None for r in requisites)  # never indexed as articles
    for i in range(len(web.hosts)):
        base = web.base_url(i)
        # the stylesheet, what it names one level deep (@import, font, image) and the favicon
        for path in ("/static/site.css", "/static/base.css", "/static/fonts/demo.woff2",
                     "/static/img/masthead.jpg", "/static/favicon.jpg"):
            assert base + path in by_url, base + path
    # a script on a CDN host that is not in the sites file: archived, its own robots.txt read
    assert f"{web.cdn_url}/lib/share.js" in by_url
    assert archive.captures(f"{web.cdn_url}/robots.txt")
    summary = crawled["first"].stderr
    assert "Page requisites:" in summary and web.cdn_host + ":" not in summary.split("Crawl summary")[-1]


def test_bad_requisites_are_counted_once_and_the_article_still_archived(crawled):
    archive, web = crawled["archive"], crawled["web"]
    stats = archive.stats(0)
    bad = web.requisite_bad_inputs
    assert stats["requisites/refused_robots"] >= 1
    assert stats["requisites/refused_size"] >= 1
    assert stats["requisites/refused_type"] >= 1
    assert stats["requisites/failed"] >= 2  # the redirect loop and the 404
    log = crawled["first"].stderr
    for kind in ("robots", "huge", "wrong_type", "redirect_loop", "not_found"):
        assert log.count(f"Requisite not archived: {bad[kind]} ") == 1, kind
    # refused bodies never reach the WARC; the self-importing stylesheet was fetched once
    for kind in ("robots", "huge", "wrong_type"):
        assert not [r for r in archive.captures(bad[kind]) if r["status"] == 200], kind
    assert len(archive.captures(bad["self_import"])) == 1
    # outlet 0's articles are archived all the same
    assert archive.rows("SELECT COUNT(*) AS n FROM captures WHERE site = ? AND content_hash IS NOT NULL",
                        web.sites[0]["name"])[0]["n"] > 0


def test_second_run_keeps_recent_requisites_and_rechecks_articles(crawled):
    stats = crawled["archive"].stats(-1)
    assert stats["incremental/not_modified"] > 0  # unchanged articles answered 304: revisits
    # the changed article's requisites were archived an hour ago: not asked for again
    assert stats.get("requisites/fetched", 0) == 0
    assert stats["requisites/skipped_known"] > 0


def test_warc_files_check_verify_and_wacz_validate(crawled, tmp_path):
    directory = crawled["dir"]
    warcs = sorted(directory.rglob("*.warc.gz"))
    assert warcs and not list(directory.rglob("*.open"))
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, warcs)],
                           capture_output=True, text=True, timeout=300)
    if check.returncode != 0 and "No module named warcio.cli" in check.stderr:
        check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *map(str, warcs)],
                               capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    archive_cli = [sys.executable, "-m", "archive", "--dir", str(directory)]
    verify = subprocess.run([*archive_cli, "verify"], capture_output=True, text=True, timeout=300,
                            cwd=ROOT, env={**os.environ, "ARCHIVE_DATABASE_URL": ""})
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    wacz = tmp_path / "all.wacz"
    made = subprocess.run([*archive_cli, "wacz", "--all", "-o", str(wacz), "-q"], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env={**os.environ, "ARCHIVE_DATABASE_URL": ""})
    assert made.returncode == 0, made.stdout + made.stderr
    from archive.query.wacz import validate_wacz

    valid, message = validate_wacz(wacz)
    assert valid, message
    crawled["wacz"] = wacz


@pytest.fixture(scope="module")
def pywb_bin():
    from pywb_env import PywbUnavailable, ensure_pywb

    try:
        return ensure_pywb()
    except PywbUnavailable as exc:
        if IN_CI:
            pytest.fail(f"pywb virtualenv unavailable: {exc}")
        pytest.skip(f"pywb virtualenv unavailable: {exc}")


def test_pywb_replays_the_article_with_its_stylesheet_and_image_at_first_and_latest(crawled, pywb_bin):
    from test_cli_replay import Wayback, free_port

    from archive.query.replay import replay_command

    article = _seed_article(crawled)
    first = [r for r in article["rows"] if r["record_type"] == "response"][0]
    revisits = [r for r in article["rows"] if r["record_type"] == "revisit" and r["status"] == 304]
    assert revisits, "the second run re-checked the article and got a 304"
    stamp = first["fetched_at"][:19].replace("-", "").replace(":", "").replace("T", "").replace(" ", "")
    command = replay_command(crawled["dir"], port=free_port(), pywb_bin=pywb_bin, rebuild_index=True)
    with Wayback(command.argv, command.cwd, command.env) as wayback:
        status, page = wayback.get(f"/archive/{stamp}mp_/{article['url']}")
        assert status == 200 and article["title"].encode() in page
        base = article["url"].split("/", 3)
        origin = f"{base[0]}//{base[2]}"
        for path, prefix in (("/static/site.css", "cs_"), ("/static/base.css", "cs_"),
                             ("/static/img/masthead.jpg", "im_")):
            status, body = wayback.get(f"/archive/{stamp}{prefix}/{origin}{path}")
            assert status == 200 and body, (path, status)
        lead = [line for line in page.decode("utf-8", "replace").split('"') if "/static/img/" in line
                and line.endswith(".jpg") and "masthead" not in line][0]
        status, body = wayback.get(f"/archive/{stamp}id_/{origin}{lead[lead.index('/static/'):]}")
        assert status == 200 and body.startswith(b"\xff\xd8")  # the JPEG as archived
        # "latest" (and the re-check's own time): the page, not the empty 304
        for when in ("2030", revisits[-1]["fetched_at"][:10].replace("-", "")):
            status, latest = wayback.get(f"/archive/{when}id_/{article['url']}")
            assert status == 200 and article["title"].encode() in latest, when


def test_replayweb_page_renders_the_article_with_style_and_image(crawled, tmp_path):
    from replayweb_env import (
        ReplayWebUnavailable,
        chromium_path,
        ensure_replayweb,
        render_archived_page,
    )

    try:
        ensure_replayweb()
        chromium_path()
    except ReplayWebUnavailable as exc:
        if IN_CI:
            pytest.fail(f"browser test cannot run: {exc}")
        pytest.skip(f"browser test cannot run: {exc}")
    wacz = crawled.get("wacz")
    if wacz is None:
        wacz = tmp_path / "all.wacz"
        made = subprocess.run([sys.executable, "-m", "archive", "--dir", str(crawled["dir"]), "wacz", "--all",
                               "-o", str(wacz), "-q"], capture_output=True, text=True, timeout=300, cwd=ROOT,
                              env={**os.environ, "ARCHIVE_DATABASE_URL": ""})
        assert made.returncode == 0, made.stdout + made.stderr
    article = _seed_article(crawled)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "replayweb-article.png"
    rendered = render_archived_page(wacz, article["url"], screenshot=shot, timeout=90)
    print(f"screenshot: {shot}")
    assert rendered.headline.strip() == article["title"]
    text = " ".join(rendered.text.split())
    assert " ".join(article["body"][0].split())[:80] in text  # the first paragraph
    assert rendered.images and all(width > 0 for _, width in rendered.images), rendered.images
    assert rendered.stylesheets >= 2  # the inline <style> and the archived site.css
    assert rendered.failed() == [], rendered.failed()
