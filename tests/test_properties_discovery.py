"""Property tests (hypothesis) of feed and sitemap parsing: any body gives entries or a counted problem.

The parsers (`parse_feed`, `parse_sitemap`, `parse_date`) return a result or raise
DiscoveryError; the sources built on them (`FeedSource.parse`, `SitemapSource.parse`,
plain and gzipped) turn every body into requests or one counted problem, never an
exception.
"""

from __future__ import annotations

import gzip
from datetime import datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.discovery.base import DiscoveryError, Entry
from crawler.discovery.feeds import FeedSource, parse_feed
from crawler.discovery.sitemaps import Sitemap, SitemapSource, parse_date, parse_sitemap
from crawler.sites import Site
from crawler.spiders.topic import TopicSpider

PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
BASE = "http://news.example/"
SITE = Site(name="News", url=BASE)

DATES = st.one_of(
    st.text(max_size=40),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "Fri, 31 Dec 9999 23:00:00 -0500",
                     "Mon, 01 Jan 0001 00:00:00 +0100", "2025-10-31", "2025-13-45T99:99", "Thu, 31 Oct 2025 13:42:00 GMT",
                     "31 Oct 2025", "1e9", "-1", ""]),
)
URLS = st.one_of(st.text(max_size=40), st.sampled_from(
    [BASE + "2025/10/31/story", "/relative/path", "http://other.example/x", "http://[::1", "javascript:alert(1)",
     "http://news.example:99999/", BASE + "sitemap-news.xml.gz", "  " + BASE + "padded  "]))
TEXT = st.text(max_size=40)


def _xml(value: str) -> str:
    return escape(value)


@st.composite
def feeds(draw) -> bytes:
    items = draw(st.lists(st.tuples(URLS, TEXT, DATES, DATES), max_size=4))
    if draw(st.booleans()):
        body = "".join(f"<item><link>{_xml(u)}</link><title>{_xml(t)}</title><pubDate>{_xml(p)}</pubDate>"
                       f"<dc:date>{_xml(m)}</dc:date></item>" for u, t, p, m in items)
        doc = ('<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
               f"<channel><title>t</title>{body}</channel></rss>")
    else:
        body = "".join(f'<entry><link href="{_xml(u)}"/><title>{_xml(t)}</title><published>{_xml(p)}</published>'
                       f"<updated>{_xml(m)}</updated></entry>" for u, t, p, m in items)
        doc = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{body}</feed>'
    return _mangle(draw, doc.encode("utf-8", "surrogatepass"))


@st.composite
def sitemaps(draw) -> bytes:
    index = draw(st.booleans())
    entries = draw(st.lists(st.tuples(URLS, DATES, TEXT, DATES), max_size=4))
    tag, root = ("sitemap", "sitemapindex") if index else ("url", "urlset")
    body = "".join(
        f"<{tag}><loc>{_xml(u)}</loc><lastmod>{_xml(m)}</lastmod><news:news><news:title>{_xml(t)}</news:title>"
        f"<news:publication_date>{_xml(p)}</news:publication_date></news:news></{tag}>"
        for u, m, t, p in entries
    )
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}</{root}>')
    return _mangle(draw, doc.encode("utf-8", "surrogatepass"))


def _mangle(draw, data: bytes) -> bytes:
    """Sometimes cut, splice or prefix the document: malformed variants of valid ones."""
    how = draw(st.sampled_from(["keep", "keep", "cut", "splice", "prefix", "entity"]))
    if how == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if how == "splice":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(max_size=20)) + data[at:]
    if how == "prefix":
        return draw(st.sampled_from([b"\xef\xbb\xbf", b"\x00", b"  \n", b"<!-- x -->", b"\xff\xfe"])) + data
    return b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + data.split(b"?>", 1)[-1]


BODIES = st.one_of(st.binary(max_size=300), feeds(), sitemaps())


@pytest.fixture(scope="module")
def spider(tmp_path_factory):
    """The topic spider, built as production builds it: the Crawl the sources talk to."""
    directory = tmp_path_factory.mktemp("spider")
    (directory / "sites.yaml").write_text(f"sites:\n  - name: {SITE.name}\n    url: {SITE.url}\n")
    crawler = get_crawler(TopicSpider, settings_dict={"ARCHIVE_DIR": str(directory / "archive")})
    return TopicSpider.from_crawler(crawler, topic="India", sites=str(directory / "sites.yaml"))


def _response(body: bytes, url: str) -> TextResponse:
    return TextResponse(url, body=body, headers={"Content-Type": "application/xml"}, request=Request(url))


def _check_entries(entries: list[Entry]) -> None:
    for entry in entries:
        assert isinstance(entry.url, str) and isinstance(entry.title, str)
        for when in (entry.published, entry.modified):
            assert when is None or (isinstance(when, datetime) and when.tzinfo is not None)


@PROPERTY
@given(DATES)
def test_any_date_text_is_a_utc_datetime_or_none(value):
    parsed = parse_date(value)
    assert parsed is None or parsed.utcoffset().total_seconds() == 0


@PROPERTY
@given(BODIES)
def test_parse_feed_gives_entries_or_a_discovery_error(body):
    try:
        entries, problem = parse_feed(body, BASE + "feed.xml")
    except DiscoveryError as error:
        assert error.kind in ("malformed", "entities")
        return
    _check_entries(entries)
    assert problem is None or isinstance(problem, str)


@PROPERTY
@given(BODIES)
def test_parse_sitemap_gives_a_sitemap_or_a_discovery_error(body):
    try:
        sitemap = parse_sitemap(body, BASE + "sitemap.xml")
    except DiscoveryError as error:
        assert error.kind in ("malformed", "entities")
        return
    assert isinstance(sitemap, Sitemap)
    _check_entries(sitemap.entries)


def _counted(spider, *keys: str) -> int:
    return sum(spider.crawler.stats.get_value(key, 0) for key in keys)


PARSED = ("discovery/feeds", "discovery/sitemaps")
PROBLEMS = ("discovery/malformed_feed", "discovery/malformed_sitemap", "fetch/decompression_bomb")


@PROPERTY
@given(BODIES, st.booleans())
def test_sources_turn_any_body_into_requests_or_a_counted_problem(spider, body, gzipped):
    spider._seen.clear()  # every example starts a fresh crawl's dedup
    url = BASE + ("sitemap.xml.gz" if gzipped else "doc.xml")
    data = gzip.compress(body) if gzipped else body
    site = spider.sites.site_for(url)
    for source in (FeedSource(), SitemapSource(max_size=1 << 20)):
        before = _counted(spider, *PARSED, *PROBLEMS)
        results = list(source.parse(_response(data, url), site, spider))
        assert all(isinstance(r, Request) for r in results)
        assert all(spider.site_for(r.url) is site for r in results)  # nothing off the site
        assert _counted(spider, *PARSED, *PROBLEMS) > before  # parsed, or a problem counted


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=200))
def test_broken_gzip_sitemaps_are_counted(spider, tail):
    before = _counted(spider, *PARSED, *PROBLEMS)
    site = spider.sites.site_for(BASE)
    list(SitemapSource(max_size=1 << 20).parse(_response(b"\x1f\x8b" + tail, BASE + "s.xml.gz"), site, spider))
    assert _counted(spider, *PARSED, *PROBLEMS) > before
