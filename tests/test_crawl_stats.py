"""The crawl's stats collector counts as Scrapy's does, and is the one the project settings name."""

from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.stats import CrawlStatsCollector
from settings import default as default_settings


def test_it_counts_as_scrapys_collector_does():
    crawler = get_crawler(Spider)
    crawler.spider = Spider(name="topic")  # what the crawl sets when it starts
    ours, scrapys = CrawlStatsCollector(crawler), MemoryStatsCollector(crawler)
    for stats in (ours, scrapys):
        stats.open_spider()
        stats.inc_value("pages")
        stats.inc_value("pages", 2)
        stats.inc_value("bytes", 10, start=100)
        stats.set_value("reason", "finished")
        stats.max_value("largest", 5)
        stats.max_value("largest", 3)
        stats.min_value("smallest", 5)
        stats.min_value("smallest", 3)
        stats.inc_value("old-style", spider=crawler.spider)  # still accepted, not warned about
    assert ours.get_stats() == scrapys.get_stats() == {
        "pages": 3, "bytes": 110, "reason": "finished", "largest": 5, "smallest": 3, "old-style": 1}
    assert ours.get_value("missing", "default") == "default"
    ours.close_spider(reason="finished")
    assert ours.spider_stats == {"topic": ours.get_stats()}  # MemoryStatsCollector's record kept


def test_the_project_settings_name_it():
    assert default_settings.STATS_CLASS == "crawler.stats.CrawlStatsCollector"
