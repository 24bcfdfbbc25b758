"""Scrapy's refusals carry their kind by type (crawler.middlewares.refusals), built as
production builds them (get_crawler + build_from_crawler) with the project's settings."""

from __future__ import annotations

import importlib

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.settings.default_settings import DOWNLOADER_MIDDLEWARES_BASE
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.errors import FetchRefused, classify
from crawler.middlewares import refusals
from settings import default as default_settings

SETTINGS = {key: getattr(default_settings, key) for key in dir(default_settings) if key.isupper()}


def _crawler(**overrides):
    crawler = get_crawler(Spider, {**SETTINGS, **overrides})
    crawler.spider = crawler._create_spider("refusals", allowed_domains=["example.com"])
    return crawler


def _refusal(call) -> FetchRefused:
    with pytest.raises(IgnoreRequest) as caught:
        call()
    assert type(caught.value) is FetchRefused  # never a bare IgnoreRequest
    assert not caught.value.counted  # the errback counts it (page or requisite)
    assert classify(caught.value) == caught.value.kind
    return caught.value


def test_robots_txt_refusal_is_robots_denied():
    crawler = _crawler(ROBOTSTXT_OBEY=True)
    middleware = build_from_crawler(refusals.RobotsRefusalMiddleware, crawler)
    parser = build_from_crawler(ProtegoRobotParser, crawler, b"User-agent: *\nDisallow: /private/\n")
    middleware.process_request_2(parser, Request("https://example.com/news/1"))  # allowed: no exception
    refused = _refusal(lambda: middleware.process_request_2(parser, Request("https://example.com/private/1")))
    assert refused.kind == "fetch/robots_denied"
    assert crawler.stats.get_value("robotstxt/forbidden") == 1  # Scrapy's own stat stays


def test_too_many_redirects_is_redirect_too_many():
    crawler = _crawler(REDIRECT_MAX_TIMES=2)
    middleware = build_from_crawler(refusals.RedirectRefusalMiddleware, crawler)
    request = Request("https://example.com/a")
    moved = Response("https://example.com/a", status=301, headers={"Location": "/b"})
    for _ in range(2):  # within REDIRECT_MAX_TIMES: the next request, no exception
        request = middleware.process_response(request, moved.replace(url=request.url))
        assert isinstance(request, Request)
    refused = _refusal(lambda: middleware.process_response(request, moved.replace(url=request.url)))
    assert refused.kind == "fetch/redirect_too_many"


def test_too_many_meta_refreshes_is_redirect_too_many():
    crawler = _crawler(REDIRECT_MAX_TIMES=1)
    middleware = build_from_crawler(refusals.MetaRefreshRefusalMiddleware, crawler)
    body = b'<html><head><meta http-equiv="refresh" content="0; url=/next"></head></html>'
    request = Request("https://example.com/a")
    request = middleware.process_response(request, HtmlResponse(request.url, body=body))
    assert isinstance(request, Request)
    refused = _refusal(lambda: middleware.process_response(request, HtmlResponse(request.url, body=body)))
    assert refused.kind == "fetch/redirect_too_many"


def test_offsite_request_is_offsite():
    crawler = _crawler()
    middleware = build_from_crawler(refusals.OffsiteRefusalMiddleware, crawler)
    middleware.spider_opened(crawler.spider)
    middleware.process_request(Request("https://www.example.com/story"))  # a subdomain: allowed
    refused = _refusal(lambda: middleware.process_request(Request("https://elsewhere.org/story")))
    assert refused.kind == "fetch/offsite"
    assert crawler.stats.get_value("offsite/filtered") == 1


def test_an_unclassified_bare_ignore_request_is_ignored_whatever_its_text():
    assert classify(IgnoreRequest("Forbidden by robots.txt")) == "fetch/ignored"


@pytest.mark.parametrize("module", ["settings.default", "settings.test", "settings.distributed"])
def test_settings_replace_scrapys_middlewares_at_their_order(module):
    middlewares = importlib.import_module(module).DOWNLOADER_MIDDLEWARES
    replaced = {
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": refusals.OffsiteRefusalMiddleware,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": refusals.RobotsRefusalMiddleware,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": refusals.MetaRefreshRefusalMiddleware,
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": refusals.RedirectRefusalMiddleware,
    }
    for scrapys, ours in replaced.items():
        assert middlewares[scrapys] is None
        assert middlewares[f"{ours.__module__}.{ours.__name__}"] == DOWNLOADER_MIDDLEWARES_BASE[scrapys]
