"""Per-site politeness from the sites file reaches Scrapy: download slots and AutoThrottle."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

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


def make_spider(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(SITES)
    crawler = get_crawler(TopicSpider, settings_dict={"ARCHIVE_DIR": str(tmp_path / "archive")})
    crawler.settings.frozen = False  # a real crawl builds the spider before freezing its settings
    spider = TopicSpider.from_crawler(crawler, topic="India", sites=str(path))
    spider.states = {}
    return crawler, spider


def test_site_delay_and_concurrency_become_download_slots(tmp_path):
    crawler, _ = make_spider(tmp_path)
    slots = crawler.settings.getdict("DOWNLOAD_SLOTS")
    assert slots["127.0.0.91"] == {"delay": 2.5, "concurrency": 1}
    assert "127.0.0.92" not in slots


def test_autothrottle_leaves_a_configured_site_delay_alone(tmp_path):
    """AutoThrottle would pull a slot's delay down towards DOWNLOAD_DELAY; requests to a
    site with its own delay carry Scrapy's autothrottle_dont_adjust_delay."""
    _, spider = make_spider(tmp_path)
    slow, plain = spider.sites
    requests = [
        spider._discovery_request("http://127.0.0.91/rss.xml", slow, "feed"),
        spider._page_request("http://127.0.0.91/", slow, depth=0, priority=0),
        spider._schedule("http://127.0.0.91/news/2025/story-one", slow, article=True),
        spider._schedule("http://127.0.0.91/section/world", slow, article=False, depth=1),
    ]
    assert all(r is not None and r.meta.get("autothrottle_dont_adjust_delay") is True for r in requests)
    others = [
        spider._page_request("http://127.0.0.92/", plain, depth=0, priority=0),
        spider._schedule("http://127.0.0.92/news/2025/story-two", plain, article=True),
    ]
    assert all("autothrottle_dont_adjust_delay" not in r.meta for r in others)
