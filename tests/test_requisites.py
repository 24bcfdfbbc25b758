"""Page requisites found in HTML (lxml) and CSS (tinycss2)."""

from __future__ import annotations

from crawler.requisites import (
    FONT,
    ICON,
    IMAGE,
    SCRIPT,
    STYLESHEET,
    Requisite,
    css_requisites,
    html_requisites,
    largest_srcset_candidate,
)

BASE = "http://127.0.0.2/world/article.html"

PAGE = b"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/static/site.css">
<link rel="alternate stylesheet" href="/static/print.css">
<link rel="shortcut icon" href="/favicon.ico">
<link rel="preload" as="font" href="/fonts/serif.woff2">
<script src="https://cdn-outlet.example/lib.js"></script>
<style>body { background: url('/img/bg.png') } @font-face { src: url(/fonts/sans.woff2) }</style>
</head><body>
<!-- <img src="/commented.png"> -->
<img src="photo.jpg" srcset="photo-480.jpg 480w, photo-1200.jpg 1200w, photo-800.jpg 800w">
<picture><source srcset="hero.webp 1x, hero@2x.webp 2x"><img src="hero.jpg"></picture>
<div style="background-image: url(&quot;/img/banner.png&quot;)"></div>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><img src="javascript:void(0)">
<img src="/static/site.css">
<script>var inline = 1;</script>
</body></html>"""


def test_html_requisites_in_document_order_each_once():
    found = html_requisites(PAGE, BASE)
    assert found == [
        Requisite("http://127.0.0.2/static/site.css", STYLESHEET),
        Requisite("http://127.0.0.2/favicon.ico", ICON),
        Requisite("http://127.0.0.2/fonts/serif.woff2", FONT),
        Requisite("https://cdn-outlet.example/lib.js", SCRIPT),
        Requisite("http://127.0.0.2/img/bg.png", IMAGE),
        Requisite("http://127.0.0.2/fonts/sans.woff2", FONT),
        Requisite("http://127.0.0.2/world/photo.jpg", IMAGE),
        Requisite("http://127.0.0.2/world/photo-1200.jpg", IMAGE),
        Requisite("http://127.0.0.2/world/hero@2x.webp", IMAGE),
        Requisite("http://127.0.0.2/world/hero.jpg", IMAGE),
        Requisite("http://127.0.0.2/img/banner.png", IMAGE),
    ]


def test_kinds_select_what_is_taken():
    found = html_requisites(PAGE, BASE, kinds=(STYLESHEET, IMAGE))
    assert {r.kind for r in found} == {STYLESHEET, IMAGE}
    assert not any(r.url.endswith(".js") for r in found)


def test_base_href_is_honoured():
    page = b'<html><head><base href="http://127.0.0.4/assets/"></head><body><img src="a.png"></body></html>'
    assert html_requisites(page, BASE) == [Requisite("http://127.0.0.4/assets/a.png", IMAGE)]


def test_srcset_candidates():
    assert largest_srcset_candidate("a.jpg 300w, b.jpg 900w, c.jpg 600w") == "b.jpg"
    assert largest_srcset_candidate("a.jpg, b.jpg 2x") == "b.jpg"
    assert largest_srcset_candidate("a.jpg,b.jpg 3x, c.jpg 2x") == "a.jpg,b.jpg"  # a URL may hold commas
    assert largest_srcset_candidate("img.jpg?w=1,2 1x, img.jpg?w=3,4 2x") == "img.jpg?w=3,4"
    assert largest_srcset_candidate("  ") is None
    assert largest_srcset_candidate("a.jpg 1.5x, b.jpg bogusw") == "a.jpg"


def test_css_imports_fonts_and_images_relative_to_the_stylesheet():
    css = b"""@charset "utf-8";
    @import "base.css";
    @import url(theme.css) screen;
    /* url(commented.png) */
    @font-face { font-family: X; src: url("../fonts/x.woff2") format("woff2"), url(../fonts/x.woff); }
    @media (min-width: 600px) { .hero { background: url(img/hero.jpg) no-repeat; } }
    .logo { background-image: image-set("img/logo.png" 1x, "img/logo@2x.png" 2x); }
    .icon { background: url(data:image/png;base64,AAAA); }
    """
    found = css_requisites(css, "http://127.0.0.2/static/css/site.css")
    assert found == [
        Requisite("http://127.0.0.2/static/css/base.css", STYLESHEET),
        Requisite("http://127.0.0.2/static/css/theme.css", STYLESHEET),
        Requisite("http://127.0.0.2/static/fonts/x.woff2", FONT),
        Requisite("http://127.0.0.2/static/fonts/x.woff", FONT),
        Requisite("http://127.0.0.2/static/css/img/hero.jpg", IMAGE),
        Requisite("http://127.0.0.2/static/css/img/logo.png", IMAGE),
        Requisite("http://127.0.0.2/static/css/img/logo@2x.png", IMAGE),
    ]


def test_bad_input_gives_nothing_not_an_error():
    assert html_requisites(b"", BASE) == []
    assert html_requisites(b"\x00\xff\xfe garbage <img", BASE) == []
    assert css_requisites(b"\xff\xfe{{{ url(", BASE) == []
    assert css_requisites("a { background: url(a b) }", BASE) == []  # a bad-url token
    self_import = css_requisites('@import "site.css";', "http://127.0.0.2/site.css")
    assert self_import == [Requisite("http://127.0.0.2/site.css", STYLESHEET)]  # the crawler's dupefilter ends the loop


def test_a_page_without_a_declared_icon_asks_for_the_sites_favicon():
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawler.requisite_requests import RequisiteRequests

    crawler = get_crawler(settings_dict={"ARCHIVE_REQUISITE_KINDS": ["icon", "image"]})
    crawler.stats = MemoryStatsCollector(crawler)  # what the crawl sets up when it starts
    requisites = RequisiteRequests.from_crawler(crawler)
    spider = SimpleNamespace(parse_requisite=lambda r: None, on_requisite_error=lambda f: None)
    site = SimpleNamespace(requisites=None)
    page = HtmlResponse("http://127.0.0.2/world/a.html", body=b"<html><body><img src='/p.jpg'></body></html>")
    urls = [r.url for r in requisites.for_page(page, spider, site)]
    assert urls == ["http://127.0.0.2/p.jpg", "http://127.0.0.2/favicon.ico"]
    declared = HtmlResponse("http://127.0.0.2/world/b.html",
                            body=b"<html><head><link rel=icon href=/i.png></head><body></body></html>")
    assert [r.url for r in requisites.for_page(declared, spider, site)] == ["http://127.0.0.2/i.png"]
    assert list(requisites.for_page(page, spider, site)) == []  # each URL once per crawl
    assert crawler.stats.get_value("requisites/deduplicated") == 2
