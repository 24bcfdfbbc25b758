"""The crawl process's garbage collector thresholds: set while the crawl runs, put back after."""

import gc

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.extensions import gc_tuning
from crawler.extensions.gc_tuning import GcTuningExtension


@pytest.fixture
def python_thresholds():
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)
    gc_tuning._crawls_running, gc_tuning._python_thresholds = 0, None  # whatever a failed test left


def test_thresholds_hold_while_the_crawl_runs_and_are_put_back(python_thresholds):
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_GC_THRESHOLDS": [5_000, 15, 12]})
    extension = build_from_crawler(GcTuningExtension, crawler)
    extension.engine_started()
    assert gc.get_threshold() == (5_000, 15, 12)
    cycles = []
    for _ in range(12_000):  # enough young container objects for at least two collections
        item: list = []
        item.append(item)
        cycles.append(item)
    extension.restore()
    assert gc.get_threshold() == python_thresholds
    assert crawler.stats.get_value("gc/collections/generation_0") >= 2
    assert crawler.stats.get_value("gc/collections/generation_2") is not None
    assert extension.seconds > 0  # the collections were timed
    assert crawler.stats.get_value("gc/cpu_seconds") == round(extension.seconds, 3)
    assert extension._time not in gc.callbacks
    extension.restore()  # engine_stopped after spider_closed: nothing more to do
    assert gc.get_threshold() == python_thresholds


def test_two_crawls_in_one_process_put_pythons_thresholds_back_when_the_last_closes(python_thresholds):
    first, second = (
        build_from_crawler(GcTuningExtension, get_crawler(Spider, settings_dict={"ARCHIVE_GC_THRESHOLDS": value}))
        for value in ([5_000, 15, 12], [6_000, 10, 10])
    )
    first.engine_started()
    second.engine_started()
    assert gc.get_threshold() == (6_000, 10, 10)
    first.restore()
    assert gc.get_threshold() == (6_000, 10, 10)  # the second crawl still runs
    second.restore()
    assert gc.get_threshold() == python_thresholds


@pytest.mark.parametrize("value", [[], "", None])
def test_an_empty_setting_leaves_the_collector_alone(value, python_thresholds):
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_GC_THRESHOLDS": value})
    with pytest.raises(NotConfigured):
        build_from_crawler(GcTuningExtension, crawler)
    assert gc.get_threshold() == python_thresholds


@pytest.mark.parametrize("value", [["many"], [1, 2, 3, 4], [-1], "10,x"])
def test_a_bad_setting_is_refused_with_what_was_wrong(value):
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_GC_THRESHOLDS": value})
    with pytest.raises(NotConfigured, match="ARCHIVE_GC_THRESHOLDS"):
        build_from_crawler(GcTuningExtension, crawler)


def test_a_comma_separated_setting_from_the_command_line_is_read():
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_GC_THRESHOLDS": "20000,10,10"})
    assert build_from_crawler(GcTuningExtension, crawler).thresholds == (20_000, 10, 10)
