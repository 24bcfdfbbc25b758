"""The capture middleware writes raw exchanges (compressed bodies intact) and revisits."""

from __future__ import annotations

import gzip

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.middlewares.capture import CaptureMiddleware
from crawler.state import CrawlPlan, CrawlState


def _middleware(tmp_path):
    crawler = get_crawler(Spider, settings_dict={"ARCHIVE_DIR": str(tmp_path / "archive")})
    crawler.stats.open_spider()
    mw = build_from_crawler(CaptureMiddleware, crawler)
    state = CrawlState.from_crawler(crawler)
    assert mw.state is state  # one shared state per crawler
    state.plan(CrawlPlan(spider="test", topic="", min_score=0.0, sites=[{"name": "Ex", "url": "http://127.0.0.2/"}]))
    state.open()
    return mw, state.archive, state.session, crawler.stats


def test_raw_gzip_body_and_revisits(tmp_path):
    mw, archive, session, stats = _middleware(tmp_path)
    html = b"<html><body><p>" + b"India US defence framework. " * 50 + b"</p></body></html>"
    raw = gzip.compress(html, mtime=0)
    request = Request("http://127.0.0.2/news/a", headers={"Accept-Encoding": "gzip"})
    response = Response(request.url, status=200, body=raw, request=request,
                        headers={"Content-Encoding": "gzip", "Content-Type": "text/html",
                                 "ETag": '"abc"', "Set-Cookie": ["a=1", "b=2"]})
    assert mw.process_response(request, response) is response
    ref = request.meta["capture"]
    assert ref.record_type == "response"
    session.flush()
    stored = archive.read_response(ref.record_id)
    assert stored.raw_body == raw and stored.body == html
    assert [v for k, v in stored.headers if k.lower() in ("set-cookie", b"set-cookie")] != []

    previous = archive.latest_capture("http://127.0.0.2/news/a")
    again = Request(request.url, meta={"previous": previous, "handle_httpstatus_list": [304]})
    mw.process_response(again, Response(request.url, status=304, request=again))
    assert again.meta["capture"].record_type == "revisit"
    same = Request(request.url, meta={"previous": previous})
    mw.process_response(same, Response(request.url, status=200, body=raw, request=same,
                                       headers={"Content-Encoding": "gzip"}))
    assert same.meta["capture"].record_type == "revisit"
    changed = Request(request.url, meta={"previous": previous})
    mw.process_response(changed, HtmlResponse(request.url, status=200, body=html + b"x", request=changed))
    assert changed.meta["capture"].record_type == "response"
    assert stats.get_value("archive/revisits") == 2
    session.close({})
    archive.close()


def test_redirect_loop_is_refused_and_counted(tmp_path):
    import pytest

    from crawler.errors import FetchRefused

    mw, archive, session, stats = _middleware(tmp_path)
    request = Request("http://127.0.0.2/go/b", meta={"redirect_urls": ["http://127.0.0.2/go/a"]})
    response = Response(request.url, status=302, headers={"Location": "/go/a"}, request=request)
    with pytest.raises(FetchRefused):
        mw.process_response(request, response)
    assert stats.get_value("fetch/redirect_loop") == 1
    assert request.meta["capture"].record_type == "response"  # archived all the same
    session.close({})
    archive.close()
