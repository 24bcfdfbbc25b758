"""Per-site politeness from the sites file reaches Scrapy: download slots and AutoThrottle."""

from __future__ import annotations

import asyncio

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.sites import download_slots, load_sites
from crawler.spiders.topic import TopicSpider

SITES = """
sites:
  - name: Slow Outlet
    url: http://127.0.0.91/
    feeds: [/rss.xml]
    delay: 2.5
    concurrency: 1
  - name: Plain Outlet
    url: http://127.0.0.92/
"""


def make_spider(tmp_path, **settings):
    path = tmp_path / "sites.yaml"
    path.write_text(SITES)
    crawler = get_crawler(TopicSpider, settings_dict={"ARCHIVE_DIR": str(tmp_path / "archive"), **settings})
    return crawler, TopicSpider.from_crawler(crawler, topic="India", sites=str(path))


def test_site_delay_and_concurrency_become_download_slots(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(SITES)
    slots = download_slots(load_sites(path), {"127.0.0.92": {"delay": 9.0}})
    assert slots["127.0.0.91"] == {"delay": 2.5, "concurrency": 1}
    assert slots["127.0.0.92"] == {"delay": 9.0}  # an operator's own slot is kept


def test_spider_warns_when_a_site_delay_is_not_in_the_slots(tmp_path, caplog):
    # `scrapy crawl` sets the slots (crawler.commands.crawl); a spider built otherwise says so.
    make_spider(tmp_path)
    assert "Slow Outlet is not in DOWNLOAD_SLOTS" in caplog.text
    caplog.clear()
    make_spider(tmp_path, DOWNLOAD_SLOTS={"127.0.0.91": {"delay": 2.5, "concurrency": 1}})
    assert "DOWNLOAD_SLOTS" not in caplog.text


def test_autothrottle_leaves_a_configured_site_delay_alone(tmp_path):
    """AutoThrottle would pull a slot's delay down towards DOWNLOAD_DELAY; requests to a
    site with its own delay carry Scrapy's autothrottle_dont_adjust_delay."""
    _, spider = make_spider(tmp_path)

    async def collect():
        return [request async for request in spider.start()]

    start = asyncio.run(collect())
    assert {r.url for r in start} == {"http://127.0.0.91/rss.xml", "http://127.0.0.91/", "http://127.0.0.92/"}
    links = b"<a href='/news/2025/story-one'>India story</a><a href='/section/world'>World</a>"
    found = []
    for home in ("http://127.0.0.91/", "http://127.0.0.92/"):
        request = Request(home, meta={"page_depth": 0, "source": "section"})
        found += list(spider.parse_discovered(HtmlResponse(home, body=b"<html><body>" + links + b"</body></html>",
                                                     headers={"Content-Type": "text/html"}, request=request)))
    requests = [r for r in start + found if isinstance(r, Request)]
    assert len(requests) == 7
    for request in requests:
        slow = request.url.startswith("http://127.0.0.91/")
        assert (request.meta.get("autothrottle_dont_adjust_delay") is True) == slow, request.url
