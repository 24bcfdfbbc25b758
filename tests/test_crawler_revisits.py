"""What the spider does with re-checked pages: a listing's links still count, and an article
whose capture never reached extraction is extracted from the revisit."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from archive.exchange import PreviousCapture
from crawler.items import ArticleItem
from crawler.spiders.topic import TopicSpider

SITES = """
sites:
  - name: Outlet
    url: http://127.0.0.93/
"""
ARTICLE = ("<html><head><meta charset='utf-8'><title>Port</title></head><body><article><h1>Port</h1>"
           + "<p>The port authority opened two new berths on Monday, officials said.</p>" * 12
           + "<a href='/news/2025/11/20/only-here'>Only linked from here</a></article></body></html>").encode()


def make_spider(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(SITES)
    crawler = get_crawler(TopicSpider, settings_dict={"ARCHIVE_DIR": str(tmp_path / "archive")})
    crawler.stats.open_spider()
    return TopicSpider.from_crawler(crawler, topic="port", sites=str(path))


def previous(url: str, content_hash: str | None) -> PreviousCapture:
    return PreviousCapture(record_id="<urn:uuid:1>", url=url, fetched_at=datetime(2025, 11, 20, tzinfo=timezone.utc),
                           status=200, etag=None, last_modified=None, payload_digest="sha1:X",
                           content_hash=content_hash)


def response(url: str, meta: dict) -> HtmlResponse:
    request = Request(url, meta=meta)
    return HtmlResponse(url, body=ARTICLE, headers={"Content-Type": "text/html; charset=utf-8"}, request=request)


def test_an_unchanged_listing_that_passed_as_an_article_is_still_parsed_for_links(tmp_path):
    spider = make_spider(tmp_path)
    url = "http://127.0.0.93/"
    revisit = SimpleNamespace(record_type="revisit", location=SimpleNamespace(filename="a.warc.gz"))
    found = list(spider.parse_discovered(response(url, {
        "source": "section", "page_depth": 0, "kind": "article", "previous": previous(url, "h" * 64),
        "capture": revisit})))
    assert "http://127.0.0.93/news/2025/11/20/only-here" in {r.url for r in found if isinstance(r, Request)}
    assert not [item for item in found if isinstance(item, ArticleItem)]  # unchanged: nothing to extract
    assert spider.crawler.stats.get_value("incremental/identical") == 1


def test_a_revisit_of_a_capture_never_extracted_is_extracted(tmp_path):
    spider = make_spider(tmp_path)
    url = "http://127.0.0.93/news/2025/11/19/story"
    revisit = SimpleNamespace(record_type="revisit", location=SimpleNamespace(filename="a.warc.gz"))
    found = list(spider.parse_article(response(url, {"kind": "article", "previous": previous(url, None),
                                                     "capture": revisit})))
    items = [item for item in found if isinstance(item, ArticleItem)]
    assert len(items) == 1 and items[0].capture is revisit and items[0].previous_hash is None
