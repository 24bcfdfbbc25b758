"""Feeds, sitemaps, article hints and URL canonicalisation (crawler/discovery/, crawler/urls.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import html as lxml_html

from crawler import discovery
from crawler.urls import canonicalize

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>India, US sign defence framework</title><link>https://ex.com/news/2025/10/31/india-us</link>
<pubDate>Fri, 31 Oct 2025 10:00:00 GMT</pubDate></item>
<item><title>Other</title><link>/relative/story-one-two-three</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>Hegseth in Kuala Lumpur</title><link rel="alternate" href="https://ex.com/a/1"/>
<published>2025-10-31T12:00:00Z</published><updated>2025-11-01T08:00:00+01:00</updated></entry></feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://ex.com/story/5000/india-us</loc><lastmod>2025-10-31</lastmod>
<news:news><news:publication><news:name>Ex</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2025-10-31T09:35:00+00:00</news:publication_date>
<news:title>India and US agree to expand defence cooperation</news:title></news:news></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://ex.com/sitemap-news.xml</loc><lastmod>2025-11-01</lastmod></sitemap></sitemapindex>"""

LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol2;</loc></url></urlset>"""


def test_rss_and_atom_entries():
    entries, problem = discovery.parse_feed(RSS, "https://ex.com/rss.xml")
    assert problem is None
    assert [e.url for e in entries] == ["https://ex.com/news/2025/10/31/india-us",
                                        "https://ex.com/relative/story-one-two-three"]
    assert entries[0].title.startswith("India, US")
    assert entries[0].published == datetime(2025, 10, 31, 10, tzinfo=timezone.utc)
    (atom,), _ = discovery.parse_feed(ATOM, "https://ex.com/atom.xml")
    assert atom.url == "https://ex.com/a/1" and atom.modified == datetime(2025, 11, 1, 7, tzinfo=timezone.utc)


def test_news_sitemap_and_index():
    sitemap = discovery.parse_sitemap(NEWS_SITEMAP, "https://ex.com/sitemap-news.xml")
    assert sitemap.news and not sitemap.index
    (entry,) = sitemap.entries
    assert entry.title == "India and US agree to expand defence cooperation"
    assert entry.published == datetime(2025, 10, 31, 9, 35, tzinfo=timezone.utc)
    index = discovery.parse_sitemap(INDEX, "https://ex.com/sitemap.xml")
    assert index.index and index.entries[0].url == "https://ex.com/sitemap-news.xml"


def test_entity_expansion_and_malformed_xml_are_refused():
    with pytest.raises(discovery.DiscoveryError) as info:
        discovery.parse_sitemap(LAUGHS, "https://ex.com/s.xml")
    assert info.value.kind == "entities"
    with pytest.raises(discovery.DiscoveryError) as info:
        discovery.parse_feed(LAUGHS.replace(b"urlset", b"rss"), "https://ex.com/rss.xml")
    assert info.value.kind == "entities"
    # a malformed feed: reported, and what feedparser's lenient parser recovers is kept
    broken = RSS.replace(b"</channel>", b"<item><title>x</title><link>https://ex.com/b</link><bad <</channel>")
    entries, problem = discovery.parse_feed(broken, "https://ex.com/rss.xml")
    assert problem and problem.startswith("not well-formed XML")
    assert "https://ex.com/news/2025/10/31/india-us" in [e.url for e in entries]
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_feed(b"<html><body>not a feed</body></html>", "https://ex.com/rss.xml")
    with pytest.raises(discovery.DiscoveryError) as info:
        discovery.parse_sitemap(broken.replace(b"rss", b"urlset"), "https://ex.com/s.xml")
    assert info.value.kind == "malformed" and discovery.salvaged_root(info.value) is not None
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_sitemap(b"<html><body>not xml</body></html>", "https://ex.com/s.xml")


def test_article_hints():
    assert discovery.looks_like_article(b'<script type="application/ld+json">{"@type": "NewsArticle"}</script>')
    assert discovery.looks_like_article(b'<meta property="og:type" content="article">')
    assert not discovery.looks_like_article(b'<meta property="og:type" content="website">')
    assert discovery.looks_like_article_url("https://ex.com/news/2025/10/31/india-us-defence")
    assert discovery.looks_like_article_url("https://ex.com/nation/india-us-ink-deal/article5004.ece")
    assert not discovery.looks_like_article_url("https://ex.com/section/politics")
    import re

    assert discovery.looks_like_article_url("https://ex.com/story/1/x", re.compile(r"^/story/\d+/"))
    assert discovery.is_utility_url("https://ex.com/privacy-policy")
    assert not discovery.is_utility_url("https://ex.com/politics/")


def test_links_and_feeds_from_a_page():
    page = lxml_html.fromstring(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="canonical" href="/news/a"></head><body>'
        '<a href="/news/2025/10/31/x-y-z-w">India  deal</a><a href="#top">top</a>'
        '<a href="mailto:x@ex.com">mail</a></body></html>')
    assert discovery.feed_links(page, "https://ex.com/") == ["https://ex.com/rss.xml"]
    assert discovery.page_links(page, "https://ex.com/") == [("https://ex.com/news/2025/10/31/x-y-z-w", "India deal")]


def test_canonicalize_drops_tracking_parameters_and_fragments():
    url, tracked = canonicalize("HTTP://Ex.com/a?utm_source=x&b=2&fbclid=1&gclid=2&a=1#frag")
    assert url == "http://ex.com/a?a=1&b=2" and tracked
    assert canonicalize("http://ex.com/a?id=5") == ("http://ex.com/a?id=5", False)
