"""Crawler components built as production builds them (get_crawler + build_from_crawler),
sharing one CrawlState, exercised through their public Scrapy methods."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from archive import Archive
from archive.exchange import HttpExchange
from crawler.extensions.summary import SiteSummaryExtension
from crawler.items import ArticleItem
from crawler.middlewares.recheck import KnownArticleSkipped, RecheckMiddleware
from crawler.pipelines.index import IndexPipeline
from crawler.state import CrawlPlan, CrawlState

SITES = [{"name": "Ex", "url": "https://www.example.com/"}]
OLD = datetime(2020, 1, 2, tzinfo=timezone.utc)
TEXT = "India and the United States signed a defence framework in Delhi on Monday. " * 8


def _exchange(url: str, etag: str) -> HttpExchange:
    return HttpExchange(url=url, method="GET", request_headers=[(b"Host", b"www.example.com")], request_body=b"",
                        protocol="HTTP/1.1", status=200, reason="OK",
                        response_headers=[(b"Content-Type", b"text/html"), (b"ETag", etag.encode())],
                        body=b"<html>" + url.encode() + b"</html>", ip_address=None, fetched_at=OLD)


@pytest.fixture
def crawl(tmp_path):
    """A crawler whose archive already holds an article (2020) and a section page."""
    directory = tmp_path / "archive"
    with Archive.open(directory) as archive:
        session = archive.start_crawl(spider="topic", sites=SITES)
        ref = session.write_response(_exchange("https://example.com/2020/story", '"v1"'))
        session.add_article(ref, SimpleNamespace(text=TEXT, title="Story"))
        session.write_response(_exchange("https://www.example.com/world", '"w1"'))
        session.close({})
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_DIR": str(directory), "ARCHIVE_RECHECK_DAYS": 3})
    crawler.stats.open_spider()
    state = CrawlState.from_crawler(crawler)
    state.plan(CrawlPlan(spider="topic", topic="India AND defence", min_score=0.5, sites=SITES))
    state.open()
    yield crawler, state
    state.close({})


def test_recheck_skips_a_known_article_not_due(crawl):
    crawler, _ = crawl
    mw = build_from_crawler(RecheckMiddleware, crawler)
    request = Request("https://example.com/2020/story", meta={"recheck": {"published": OLD, "modified": None}})
    with pytest.raises(KnownArticleSkipped):
        mw.process_request(request)
    assert crawler.stats.get_value("incremental/skipped_known") == 1
    assert crawler.stats.get_value("site/Ex/skipped_known") == 1  # www. and bare host: one site


def test_recheck_asks_conditionally_when_the_feed_says_modified(crawl):
    crawler, _ = crawl
    mw = build_from_crawler(RecheckMiddleware, crawler)
    later = datetime(2021, 1, 1, tzinfo=timezone.utc)
    request = Request("https://example.com/2020/story?utm_source=x", meta={"recheck": {"modified": later}})
    assert mw.process_request(request) is None
    assert request.meta["kind"] == "article" and request.meta["handle_httpstatus_list"] == [304]
    assert request.meta["previous"].etag == '"v1"'
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert crawler.stats.get_value("incremental/rechecked") == 1


def test_recheck_leaves_pages_unknown_urls_and_unmarked_requests_alone(crawl):
    crawler, _ = crawl
    mw = build_from_crawler(RecheckMiddleware, crawler)
    page = Request("https://www.example.com/world", meta={"recheck": {}})
    assert mw.process_request(page) is None
    assert page.meta["previous"].etag == '"w1"' and b"If-None-Match" not in page.headers  # revisit if identical
    fresh = Request("https://www.example.com/2025/new", meta={"recheck": {}})
    assert mw.process_request(fresh) is None
    assert "previous" not in fresh.meta and "kind" not in fresh.meta
    # not marked by the spider (robots.txt, a feed): no skip, no re-check, a revisit if identical
    feed = Request("https://example.com/2020/story")
    assert mw.process_request(feed) is None
    assert feed.meta["previous"].etag == '"v1"' and "kind" not in feed.meta
    assert b"If-None-Match" not in feed.headers


def test_recheck_looks_up_a_redirect_target_as_itself(crawl):
    """RedirectMiddleware copies meta and headers: the target must not inherit the
    redirecting URL's capture (it was then fetched again in full, never a 304)."""
    crawler, _ = crawl
    mw = build_from_crawler(RecheckMiddleware, crawler)
    later = datetime(2021, 1, 1, tzinfo=timezone.utc)
    first = Request("https://www.example.com/world", meta={"recheck": {"modified": later}})
    assert mw.process_request(first) is None
    redirected = first.replace(url="https://example.com/2020/story")  # as RedirectMiddleware does
    redirected.headers[b"If-None-Match"] = b'"w1"'
    assert mw.process_request(redirected) is None
    assert redirected.meta["previous"].etag == '"v1"'
    assert redirected.headers[b"If-None-Match"] == b'"v1"'  # the target's own validator
    assert redirected.meta["kind"] == "article"
    again = redirected.replace()  # a retry of the same URL keeps what was decided
    assert mw.process_request(again) is None and crawler.stats.get_value("incremental/rechecked") == 1


def test_recheck_never_skips_or_304s_a_listing_that_passed_as_an_article(crawl):
    """A listing page whose capture was once extracted as an article is fetched in full,
    so that its links are parsed again (a 304 has none)."""
    crawler, _ = crawl
    mw = build_from_crawler(RecheckMiddleware, crawler)
    listing = Request("https://example.com/2020/story",
                      meta={"recheck": {"published": OLD}, "source": "section"})
    assert mw.process_request(listing) is None  # not skipped although not due
    assert listing.meta["kind"] == "article" and b"If-None-Match" not in listing.headers
    assert "handle_httpstatus_list" not in listing.meta


def test_index_pipeline_counts_each_article_once_by_outcome(crawl):
    crawler, state = crawl
    pipeline = build_from_crawler(IndexPipeline, crawler)
    session = state.session

    def item(url: str, text: str, score: float, previous_hash=None) -> ArticleItem:
        ref = session.write_response(_exchange(url, '"x"'))
        from archive.text import content_hash

        return ArticleItem(url=url, site=state.site_name(url), html=b"", capture=ref, previous_hash=previous_hash,
                           result=SimpleNamespace(text=text, title="t"), score=score,
                           content_hash=content_hash(text))

    from archive.text import content_hash

    known = content_hash(TEXT)
    pipeline.process_item(item("https://news.example.com/2025/a", TEXT + " New.", 0.9))
    pipeline.process_item(item("https://example.com/2020/story", TEXT, 0.2, previous_hash=known))
    pipeline.process_item(item("https://www.example.com/copy", TEXT, 0.9))
    pipeline.process_item(item("https://example.com/2020/story", TEXT + " Changed.", 0.9, previous_hash=known))
    stats = crawler.stats.get_stats()
    assert {k[len("site/Ex/"):]: v for k, v in stats.items() if k.startswith("site/Ex/")} == {
        "articles_found": 4, "new": 1, "unchanged": 1, "duplicate": 1, "updated": 1, "on_topic": 3}
    assert stats["archive/articles"] == 4


def test_summary_adds_up_and_says_where_the_files_are(crawl, caplog):
    crawler, state = crawl
    stats = crawler.stats
    for key, value in {"pages_fetched": 9, "articles_fetched": 6, "new": 2, "updated": 1, "not_modified": 2,
                       "not_article": 1, "errors/timeout": 1}.items():
        stats.set_value(f"site/Ex/{key}", value)
    extension = build_from_crawler(SiteSummaryExtension, crawler)
    with caplog.at_level(logging.INFO, logger="crawler.extensions.summary"):
        extension.spider_closed(crawler.spider, "finished")
    text = caplog.text
    assert ("Ex: pages fetched 9; articles fetched 6 = 2 new + 1 updated + 0 unchanged + 0 duplicate + "
            "2 not modified + 1 not article + 0 extract failed") in text
    assert "errors: timeout=1" in text
    assert f"WARC files: {state.directory}" in text and "Database: sqlite:///" in text
    assert stats.get_value("summary/Ex")["articles_fetched"] == 6


def test_extract_pipeline_extracts_in_a_worker_and_keeps_the_learner(crawl):
    import asyncio

    from scrapy.exceptions import DropItem, NotConfigured

    from crawler.pipelines.extract import ExtractPipeline

    crawler, state = crawl
    off = get_crawler(Spider, settings_dict={"ARCHIVE_DIR": state.directory, "EXTRACT_ENABLED": False})
    with pytest.raises(NotConfigured):
        build_from_crawler(ExtractPipeline, off)
    paragraphs = "".join(f"<p>{TEXT} Detail {i}: officials expect joint patrols to widen.</p>" for i in range(5))
    html = (f"<html><head><meta charset='utf-8'><title>Defence pact</title></head><body><article>"
            f"<h1>India and US sign a defence pact</h1>{paragraphs}</article></body></html>").encode()
    pipeline = build_from_crawler(ExtractPipeline, crawler)

    async def run():
        await pipeline.open_spider()  # opens the (already open) archive, loads the learner
        try:
            ref = state.session.write_response(_exchange("https://www.example.com/2025/a", '"a"'))
            item = await pipeline.process_item(ArticleItem(url="https://www.example.com/2025/a", site="Ex",
                                                           html=html, capture=ref))
            short = ArticleItem(url="https://www.example.com/b", site="Ex", html=b"<p>hi</p>", capture=ref)
            with pytest.raises(DropItem):
                await pipeline.process_item(short)
            return item
        finally:
            await pipeline.close_spider()

    item = asyncio.run(asyncio.wait_for(run(), timeout=120))
    assert item.result.text and len(item.content_hash) == 64 and item.html == b""
    stats = crawler.stats.get_stats()
    assert stats["extract/articles"] == 1 and stats["site/Ex/not_article"] == 1


def test_extract_pipeline_reads_a_checked_template_alone(crawl):
    """Pages of one template: the learner finds the body region, checks it against the general
    extractor on three pages, then reads later pages from that region alone, with the same text."""
    import asyncio

    from crawler.pipelines.extract import ExtractPipeline

    crawler, state = crawl

    def page(n: int) -> bytes:
        paragraphs = "".join(f"<p>Story {n}, detail {i}: {TEXT}</p>" for i in range(3))
        return (f"<html><head><title>Pact {n}</title></head><body><nav><a href='/'>Home page</a></nav>"
                f"<div class='page'><h1>Defence pact {n}</h1><div class='story-body'>{paragraphs}</div>"
                "<aside><p>Most read: a list of other stories of the day.</p></aside></div></body></html>").encode()

    pipeline = build_from_crawler(ExtractPipeline, crawler)

    async def run():
        await pipeline.open_spider()
        try:
            ref = state.session.write_response(_exchange("https://www.example.com/2025/t", '"t"'))
            items = []
            for n in range(20):  # one at a time: each result is learned before the next page is planned
                items.append(await pipeline.process_item(ArticleItem(
                    url=f"https://www.example.com/2025/t{n}", site="Ex", html=page(n), capture=ref)))
            return items
        finally:
            await pipeline.close_spider()

    items = asyncio.run(asyncio.wait_for(run(), timeout=120))
    sources = [item.result.body_source for item in items]
    stats = crawler.stats.get_stats()
    assert sources[:8].count("site template") == 0  # 5 pages to learn the layout, 3 checks
    assert stats["extract/template_pages"] == sources.count("site template") >= 10
    assert stats["extract/template_checks"] >= 3 and "extract/template_disagreed" not in stats
    general, templated = items[7].result.text, items[10].result.text
    assert sources[10] == "site template" and templated.replace("10", "7") == general


def test_archive_session_extension_closes_the_crawl_with_its_stats(tmp_path):
    import sqlite3

    from crawler.extensions.archive_session import ArchiveSessionExtension

    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_DIR": str(tmp_path / "a")})
    crawler.stats.open_spider()
    extension = build_from_crawler(ArchiveSessionExtension, crawler)
    CrawlState.from_crawler(crawler).plan(CrawlPlan(spider="topic", topic="India", min_score=0.0, sites=SITES))
    extension.spider_opened(crawler.spider)
    crawl_id = crawler.stats.get_value("archive/crawl_id")
    crawler.stats.set_value("custom/count", 3)
    extension.spider_closed(crawler.spider, "finished")
    conn = sqlite3.connect(tmp_path / "a" / "archive.sqlite")
    topic, sites, stats = conn.execute("SELECT topic, sites, stats FROM crawls WHERE crawl_id = ?",
                                       (crawl_id,)).fetchone()
    conn.close()
    assert topic == "India" and json.loads(sites) == SITES
    assert json.loads(stats)["finish_reason"] == "finished" and json.loads(stats)["custom/count"] == 3


def test_index_outage_settings_reach_the_archive(tmp_path):
    """ARCHIVE_INDEX_MAX_HELD_ROWS and ARCHIVE_INDEX_CLOSE_WAIT: settings -> CrawlState -> Archive."""
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_DIR": str(tmp_path / "archive"),
                                                 "ARCHIVE_INDEX_MAX_HELD_ROWS": "1234",
                                                 "ARCHIVE_INDEX_CLOSE_WAIT": "2.5"})
    crawler.stats.open_spider()
    state = CrawlState.from_crawler(crawler)
    state.plan(CrawlPlan(spider="topic", topic="India", min_score=0.0, sites=SITES))
    state.open()
    try:
        assert state.archive.index.max_held_rows == 1234
        assert state.archive.index_close_wait == 2.5
    finally:
        state.close({})
