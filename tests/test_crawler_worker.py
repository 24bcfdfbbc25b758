"""The extraction worker: one parse per page, read by the extractor and for the crawler alike."""

from __future__ import annotations

import pickle

import lxml.html

from archive.extract import extract
from crawler.requisites import KINDS
from crawler.worker import PageResult, extract_article

BODY = " ".join(["Defence ministers from India and the United States met in Delhi on Tuesday."] * 12)
PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Ministers meet in Delhi</title>
<link rel="canonical" href="/2025/11/04/ministers-meet">
<link rel="stylesheet" href="/static/site.css"><link rel="icon" href="/favicon.png">
<script src="https://cdn.example/share.js"></script></head>
<body><article><h1>Ministers meet in Delhi</h1><img src="lead.jpg" srcset="lead-small.jpg 320w, lead-big.jpg 1280w">
<p>{BODY}</p><p>{BODY}</p></article></body></html>""".encode()
URL = "http://127.0.0.2/2025/11/04/ministers-meet.amp"  # its rel=canonical is another URL


def test_requisites_and_canonical_come_from_the_extractors_parse():
    page = extract_article(PAGE, URL, "Delhi AND defence", 400, None, None, KINDS)
    assert isinstance(page, PageResult) and page.result is not None and page.score is not None
    assert page.rel_canonical == "http://127.0.0.2/2025/11/04/ministers-meet"
    assert page.requisites == (
        ("http://127.0.0.2/static/site.css", "stylesheet"),
        ("http://127.0.0.2/favicon.png", "icon"),
        ("https://cdn.example/share.js", "script"),
        ("http://127.0.0.2/2025/11/04/lead.jpg", "image"),
        ("http://127.0.0.2/2025/11/04/lead-big.jpg", "image"),
    )
    assert pickle.loads(pickle.dumps(page)).requisites == page.requisites  # crosses the process pool


def test_requisites_only_when_asked_and_kept_for_non_articles():
    assert extract_article(PAGE, URL, None, 400).requisites == ()
    stub = b"<html><head><link rel=stylesheet href=/s.css></head><body><p>Short.</p></body></html>"
    page = extract_article(stub, "http://127.0.0.2/x", None, 400, None, None, ("stylesheet",))
    assert page.result is None and page.reason
    assert page.requisites == (("http://127.0.0.2/s.css", "stylesheet"),)  # still archived for replay
    assert extract_article(b"\x89PNG\r\n\x1a\n" + bytes(64), "http://127.0.0.2/i", None, 400, None, None,
                           KINDS).requisites == ()  # not parsed: nothing read


def test_inspect_sees_the_one_tree_and_cannot_break_extraction():
    seen = []
    result = extract(PAGE, URL, inspect=seen.append)
    assert len(seen) == 1 and isinstance(seen[0], lxml.html.HtmlElement)
    assert result.is_article

    def broken(tree):
        raise RuntimeError("a caller's bug")

    assert extract(PAGE, URL, inspect=broken).text == result.text


def test_the_spider_acts_on_what_the_worker_read(tmp_path):
    """item_scraped / item_dropped: requisites requested (each once, favicon fallback),
    rel=canonical honoured (that URL is never scheduled), nothing when none were asked for."""
    from types import SimpleNamespace

    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.items import ArticleItem
    from crawler.spiders.topic import TopicSpider

    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - name: Outlet\n    url: http://127.0.0.2/\n")
    crawler = get_crawler(TopicSpider, settings_dict={"ARCHIVE_DIR": str(tmp_path / "archive")})
    spider = TopicSpider.from_crawler(crawler, topic="India", sites=str(sites))
    crawler.stats = MemoryStatsCollector(crawler)  # what the crawl sets up when it starts
    scheduled: list = []
    crawler.engine = SimpleNamespace(crawl=scheduled.append)
    page = extract_article(PAGE, URL, None, 400, None, None, KINDS)
    item = ArticleItem(url=URL, site="Outlet", html=b"", capture=None, requisite_kinds=KINDS,
                       requisites=page.requisites, rel_canonical=page.rel_canonical)
    spider.page_read(item)
    assert [r.url for r in scheduled] == [url for url, _ in page.requisites]  # an icon is declared
    assert all(r.callback == spider.parse_requisite for r in scheduled)
    assert crawler.stats.get_value("dedup/rel_canonical") == 1
    assert spider.schedule(page.rel_canonical, spider.site_for(URL), article=True) is None  # never fetched
    spider.page_read(item)
    assert len(scheduled) == len(page.requisites)  # each requisite once per crawl
    spider.page_read(ArticleItem(url="http://127.0.0.2/b", site="Outlet", html=b"", capture=None,
                                 requisites=(("http://127.0.0.2/x.css", "stylesheet"),)))
    assert len(scheduled) == len(page.requisites)  # requisite_kinds None: not wanted for this site


def test_an_extraction_worker_never_loads_the_database_layer():
    # A worker only extracts: SQLAlchemy (34 MB resident) and scipy stay out of it, in a fresh
    # interpreter as the pool spawns them (archive's Archive is imported on first use).
    import subprocess
    import sys

    code = ("import sys, crawler.worker as w; w.warm_up(); "
            "print(sorted(m for m in ('sqlalchemy', 'scipy', 'scrapy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert out.strip() == "[]"
