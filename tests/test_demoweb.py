"""The local demo web: surfaces, conditional requests, generations, bad inputs and ground truth."""

import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from lxml import etree
from lxml import html as lxml_html

from crawler.demoweb import DemoWeb
from crawler.demoweb.content import ON_TOPIC_WORDS

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 5
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


RAW_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def fetch(url, headers=None, opener=OPENER, timeout=TIMEOUT):
    """(status, headers, body) without raising on HTTP error statuses."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def page_text(body: bytes) -> str:
    return unescape(body.decode("utf-8"))


@pytest.fixture(scope="module")
def web():
    with DemoWeb(filler_per_outlet=40) as w:
        yield w


def test_sites_one_address_per_outlet(web, tmp_path):
    sites = web.sites
    assert len(sites) == 5
    hosts = {urlsplit(s["url"]).hostname for s in sites}
    assert len(hosts) == 5 and all(h.startswith("127.0.0.") for h in hosts)
    assert len({s["name"] for s in sites}) == 5
    assert any("search" in s for s in sites) and any("feeds" in s for s in sites)
    path = web.write_sites_yaml(tmp_path / "sites.yaml")
    assert yaml.safe_load(path.read_text())["sites"] == sites
    for s in sites:
        status, headers, body = fetch(s["url"])
        assert status == 200 and b"<html" in body


def test_seed_articles_carry_body_and_furniture(web):
    stories = web.expected["stories"]
    assert len(stories) == 5
    assert len({s["site"] for s in stories}) == 5
    for story in stories:
        for url in story["urls"]:
            status, headers, body = fetch(url)
            assert status == 200
            text = page_text(body)
            for line in story["body"]:
                assert line in text, (url, line)
            if url == story["url"]:  # the original carries the seed's own furniture lines
                visible = " ".join(" ".join(lxml_html.fromstring(body).itertext()).split())
                for line in story["boilerplate"]:
                    assert line in visible, (url, line)
            words = " ".join(story["body"]).lower()
            assert "india" in words and ("defence" in words or "defense" in words)
            assert "india" in story["title"].lower() and "defen" in story["title"].lower()


def test_article_metadata(web):
    for story in web.expected["stories"]:
        url = story["url"]
        _status, _h, body = fetch(url)
        doc = lxml_html.fromstring(body)
        (ld,) = doc.xpath('//script[@type="application/ld+json"]/text()')
        data = json.loads(ld)
        assert data["@type"] == "NewsArticle"
        assert data["headline"] == story["title"]
        assert data["datePublished"].startswith("2025-10-31")
        assert [a["name"] for a in data["author"]] == story["authors"]
        assert doc.xpath('//meta[@property="og:type"]/@content') == ["article"]
        assert doc.xpath('//meta[@property="og:title"]/@content')
        assert doc.xpath('//link[@rel="canonical"]/@href') == [url]
        assert doc.xpath('//meta[@name="description"]/@content')[0]
        assert story["authors"][0] in page_text(body)


def test_syndicated_copy(web):
    syn = web.expected["syndicated"]
    assert len(set(syn["urls"])) == 2 and len(set(syn["sites"])) == 2
    story = next(s for s in web.expected["stories"] if s["seed"] == syn["seed"])
    assert story["urls"] == syn["urls"]
    bodies = [fetch(u)[2] for u in syn["urls"]]
    assert bodies[0] != bodies[1]  # different templates and furniture
    for b in bodies:
        assert all(line in page_text(b) for line in story["body"])


def test_filler_is_off_topic(web):
    filler = web.expected["filler"]
    assert len(filler) == 5 * 40
    assert any(f["mentions_india"] for f in filler)
    assert web.expected["old"] and all(f["published"] >= "2025-10" or f["url"] in web.expected["old"] for f in filler)
    for f in filler[::3]:
        status, _h, body = fetch(f["url"])
        assert status == 200
        low = body.decode("utf-8").lower()
        assert not any(w in low for w in ON_TOPIC_WORDS), f["url"]
        assert f["published"][:10] in low or f["published"][:4] in low


def test_conditional_requests_and_gzip(web):
    url = web.expected["stories"][0]["url"]  # gzip outlet
    status, headers, body = fetch(url)
    etag, lm = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag and lm and headers.get("Content-Encoding") is None
    assert int(headers["Content-Length"]) == len(body)
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-Modified-Since": lm})[0] == 304
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    assert fetch(url, {"If-None-Match": '"nope"', "If-Modified-Since": lm})[0] == 200
    status, gz_headers, raw = fetch(url, {"Accept-Encoding": "gzip, deflate"})
    assert gz_headers["Content-Encoding"] == "gzip" and gz_headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(raw) == body and len(raw) < len(body)
    assert gz_headers["ETag"] == "W/" + etag
    assert fetch(url, {"Accept-Encoding": "gzip", "If-None-Match": gz_headers["ETag"]})[0] == 304


def test_keep_alive_and_head(web):
    story = web.expected["stories"][1]["url"]
    parts = urlsplit(story)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        for _ in range(3):
            conn.request("GET", parts.path)
            resp = conn.getresponse()
            assert resp.status == 200 and not resp.will_close
            resp.read()
        conn.request("HEAD", parts.path)
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b"" and int(resp.headers["Content-Length"]) > 1000
    finally:
        conn.close()


def test_robots_and_sitemaps(web):
    from protego import Protego

    bad = web.expected["bad"]
    private = bad["robots_disallowed"]["url"]
    assert private == web.expected["robots_disallowed"]
    for site in web.sites:
        surf = web.expected["surfaces"][site["name"]]
        status, _h, body = fetch(surf["robots"])
        assert status == 200
        robots = Protego.parse(body.decode())
        assert not robots.can_fetch(urljoin(site["url"], "/private/x"), "archive-bot")
        assert robots.can_fetch(site["url"], "archive-bot")
        listed = list(robots.sitemaps)
        for sm in surf["sitemaps"]:
            assert sm in listed
    assert fetch(private)[0] == 200  # served; only robots.txt forbids it

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}
    market = web.expected["surfaces"]["Market Pulse Daily"]
    (index_url,) = market["sitemaps"]
    index = etree.fromstring(fetch(index_url)[2])
    children = index.xpath("//s:sitemap/s:loc/text()", namespaces=ns)
    assert bad["entity_expansion"]["url"] in children
    seen_news = False
    for child in children:
        body = fetch(child)[2]
        if child == bad["entity_expansion"]["url"]:
            assert b"<!ENTITY lol9" in body
            continue
        doc = etree.fromstring(body)
        if doc.xpath("//n:news", namespaces=ns):
            seen_news = True
            assert doc.xpath("//n:publication_date/text()", namespaces=ns)
            titles = doc.xpath("//n:title/text()", namespaces=ns)
            assert web.expected["stories"][0]["title"] in titles
        assert doc.xpath("//s:url/s:loc/text()", namespaces=ns)
    assert seen_news
    nofeed = web.expected["surfaces"]["Himalayan Dispatch"]
    assert nofeed["feeds"] == [] and nofeed["sitemaps"] == []
    assert "Sitemap:" not in fetch(nofeed["robots"])[2].decode()


def test_feeds_parse_and_home_advertises_them(web):
    surfaces = web.expected["surfaces"]
    kinds = set()
    for surf in surfaces.values():
        for feed in surf["feeds"]:
            status, headers, body = fetch(feed)
            assert status == 200 and "xml" in headers["Content-Type"]
            doc = etree.fromstring(body)
            links = doc.xpath("//item/link/text()") or doc.xpath(
                "//a:entry/a:link/@href", namespaces={"a": "http://www.w3.org/2005/Atom"})
            assert links
            kinds.add(surf["feed_format"])
            home = lxml_html.fromstring(fetch(surf["home"])[2])
            advertised = home.xpath('//link[@rel="alternate"]/@href')
            if surf["feed_advertised"]:
                assert any(urljoin(surf["home"], h) == feed for h in advertised)
    assert kinds == {"rss", "atom"}
    malformed = web.expected["bad"]["malformed_feed"]["url"]
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(fetch(malformed)[2])
    home = lxml_html.fromstring(fetch(web.expected["bad"]["malformed_feed"]["linked_from"][0])[2])
    assert urlsplit(malformed).path in home.xpath('//link[@rel="alternate"]/@href')


def test_sections_paginate_on_the_outlet_without_feeds(web):
    surf = web.expected["surfaces"]["Himalayan Dispatch"]
    multi = [u for u, n in surf["section_pages"].items() if n > 1]
    assert multi
    first = fetch(multi[0])[2]
    doc = lxml_html.fromstring(first)
    assert doc.xpath('//a[@rel="next"][text()="Next"]/@href') == ["?page=2"]
    status, _h, second = fetch(multi[0] + "?page=2")
    assert status == 200 and second != first
    assert fetch(multi[0] + "?page=99")[0] == 404
    story = web.expected["stories"][2]
    pages = [fetch(u + (f"?page={n}" if n > 1 else ""))[2] for u, k in surf["section_pages"].items()
             for n in range(1, k + 1)]
    assert any(urlsplit(story["url"]).path.encode() in p for p in pages)


def test_site_search(web):
    site = next(s for s in web.sites if "search" in s)
    url = site["search"].replace("{query}", "India+US+defence+framework")
    status, headers, body = fetch(url)
    assert status == 200
    links = {urljoin(url, h) for h in lxml_html.fromstring(body).xpath("//a/@href")}
    syn = web.expected["syndicated"]["urls"][1]
    assert syn in links
    assert fetch(site["search"].replace("{query}", "zzqx"))[0] == 200


def _linked(web, kind):
    """The bad input's URL (or its path) appears on at least one page it claims to be linked from."""
    entry = web.expected["bad"][kind]
    target = urlsplit(entry["url"])
    sources = [u for u in entry["linked_from"] if u.startswith("http")]
    for src in sources:
        surf = next(s for s in web.expected["surfaces"].values() if src.startswith(s["home"]))
        pages = surf["section_pages"].get(src, 1)
        for n in range(1, pages + 1):
            body = fetch(src + (f"?page={n}" if n > 1 else ""))[2].decode("utf-8")
            if target.path in body:
                return True
    return not sources


def test_bad_inputs_are_reachable(web):
    for kind in web.expected["bad"]:
        if kind in ("cookie_domain", "entity_expansion", "malformed_sitemap"):
            continue
        assert _linked(web, kind), kind
    bad = web.expected["bad"]
    robots = fetch(urljoin(bad["malformed_sitemap"]["url"], "/robots.txt"))[2].decode()
    assert f"Sitemap: {bad['malformed_sitemap']['url']}" in robots
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(fetch(bad["malformed_sitemap"]["url"])[2])


def test_bad_status_and_redirects(web):
    bad = web.expected["bad"]
    assert fetch(bad["not_found"]["url"])[0] == 404
    flaky = bad["flaky"]["url"]
    assert [fetch(flaky)[0], fetch(flaky)[0]] == [500, 200]
    chain = bad["redirect_chain"]
    for hop, expected_status in zip(chain["hops"], chain["statuses"]):
        status, headers, _ = fetch(hop, opener=RAW_OPENER)
        assert status == expected_status and headers["Location"]
    with OPENER.open(chain["url"], timeout=TIMEOUT) as resp:
        assert resp.status == 200 and resp.url == chain["final"]
    a, b = bad["redirect_loop"]["loop"]
    status, headers, _ = fetch(a, opener=RAW_OPENER)
    assert status == 302 and headers["Location"] == b
    assert fetch(b, opener=RAW_OPENER)[1]["Location"] == a


def test_bad_transport(web):
    bad = web.expected["bad"]
    start = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        fetch(bad["slow"]["url"], timeout=1)
    assert time.monotonic() - start < 3
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        fetch(bad["reset"]["url"])


def test_bad_bodies(web):
    bad = web.expected["bad"]
    _s, headers, body = fetch(bad["wrong_charset"]["url"])
    assert "charset=utf-8" in headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert bad["wrong_charset"]["phrase"] in body.decode("cp1252")
    _s, headers, body = fetch(bad["no_charset"]["url"])
    assert headers["Content-Type"] == "text/html" and b"charset" not in body.lower()
    assert bad["no_charset"]["phrase"] in body.decode("latin-1")
    _s, headers, body = fetch(bad["oversized"]["url"])
    assert len(body) >= 3 * 1024 * 1024 == 3145728 and int(headers["Content-Length"]) == len(body)
    _s, headers, raw = fetch(bad["gzip_bomb"]["url"])  # sent gzip-encoded even without Accept-Encoding
    assert headers["Content-Encoding"] == "gzip" and len(raw) < 100_000
    inflater, total = zlib.decompressobj(31), 0
    data = raw
    while data:
        total += len(inflater.decompress(data, 1 << 22))
        data = inflater.unconsumed_tail
    assert total > 50 * 1024 * 1024
    _s, headers, body = fetch(bad["pdf"]["url"])
    assert headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-")
    _s, headers, body = fetch(bad["jpeg"]["url"])
    assert headers["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"


def test_tracking_duplicates_and_cookie(web):
    bad = web.expected["bad"]
    entry = bad["tracking_params"]
    canonical = fetch(entry["url"])[2]
    assert any("utm_source=" in v for v in entry["variants"]) and any("fbclid=" in v for v in entry["variants"])
    for variant in entry["variants"]:
        assert fetch(variant)[2] == canonical
    assert lxml_html.fromstring(canonical).xpath('//link[@rel="canonical"]/@href') == [entry["url"]]
    _s, headers, _b = fetch(bad["cookie_domain"]["url"])
    cookies = headers.get_all("Set-Cookie")
    assert len(cookies) == 2 and all("Domain=" in c for c in cookies)


def test_generation_two_changes_only_the_updated_article():
    with DemoWeb(filler_per_outlet=6) as first:
        port = first.port
        exp1 = first.expected
        urls = [exp1["updated"]["url"]] + [f["url"] for f in exp1["filler"]]
        urls += [u for s in exp1["stories"] for u in s["urls"]]
        for surf in exp1["surfaces"].values():
            urls += [surf["home"], surf["robots"]] + surf["feeds"] + surf["sitemaps"] + list(surf["section_pages"])
        before = {u: fetch(u) for u in urls}
        assert not exp1["updated"]["present"]
    with DemoWeb(filler_per_outlet=6, port=port, generation=2) as second:
        exp2 = second.expected
        assert exp2["updated"]["present"] and exp2["sites"] == exp1["sites"]
        updated = exp2["updated"]["url"]
        for url, (status, headers, body) in before.items():
            status2, headers2, body2 = fetch(url)
            if url == updated:
                assert body2 != body and headers2["ETag"] != headers["ETag"]
                assert exp2["updated"]["added_paragraph"] in page_text(body2)
                assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 200
            else:
                assert (status2, body2, headers2.get("ETag")) == (status, body, headers.get("ETag")), url
                if headers.get("ETag"):
                    assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
        story = next(s for s in exp2["stories"] if s["seed"] == exp2["updated"]["seed"])
        assert story["body"][-1] == exp2["updated"]["added_paragraph"]


def test_throughput_with_keep_alive(web):
    urls = [f["url"] for f in web.expected["filler"]][:50]
    parts = urlsplit(urls[0])
    same_host = [urlsplit(u).path for u in urls if urlsplit(u).hostname == parts.hostname]
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    n = 0
    try:
        while n < 300:  # one kept-alive connection serves them all (speed: bench/, not here)
            for path in same_host:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                resp.read()
                assert resp.status == 200
                n += 1
    finally:
        conn.close()
    assert n >= 300


def test_cli_serves_until_sigterm(tmp_path):
    sites_file = tmp_path / "sites.yaml"
    expected_file = tmp_path / "expected.json"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.demoweb", "--port", "0", "--first-ip", "127.0.0.40", "--filler", "3",
         "--outlets", "4", "--sites-out", str(sites_file), "--expected-out", str(expected_file)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"READY {sites_file}", proc.stderr.read() if proc.poll() is not None else line
        sites = yaml.safe_load(sites_file.read_text())["sites"]
        assert len(sites) == 4 and sites[0]["url"].startswith("http://127.0.0.40:")
        expected = json.loads(expected_file.read_text())
        assert len(expected["stories"]) == 5  # seed 004 moves to the first outlet
        for s in sites:
            assert fetch(s["url"])[0] == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
