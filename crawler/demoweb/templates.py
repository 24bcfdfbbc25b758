"""Five distinct outlet page templates, each full of the furniture real news sites carry."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from html import escape

from .content import Article


def h(text) -> str:
    return escape(str(text), quote=True)


@dataclass
class Item:
    """A teaser link on a home, section or search page."""

    title: str
    href: str
    teaser: str
    published: datetime
    section: str


@dataclass
class Page:
    """What every template needs to know about the outlet."""

    name: str
    base: str  # "http://127.0.0.2:8080"
    lang: str
    sections: list[tuple[str, str]]  # (label, href)
    alternates: list[tuple[str, str, str]]  # (type, title, href)
    absolute_links: bool = False
    cdn: str = ""  # "http://127.0.0.7:8080": a host outside the sites file serving shared assets

    def link(self, href: str) -> str:
        if self.absolute_links and href.startswith("/"):
            return self.base + href
        return href


def _jsonld(page: Page, a: Article) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "description": a.description,
        "datePublished": a.published.isoformat(),
        "dateModified": (a.modified or a.published).isoformat(),
        "author": [{"@type": "Person", "name": n} for n in a.authors],
        "publisher": {"@type": "Organization", "name": page.name,
                      "logo": {"@type": "ImageObject", "url": page.base + "/static/logo.png"}},
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.url},
        "image": [page.base + f"/static/img/{a.ident}.jpg"],
        "articleSection": a.section.capitalize(),
        "inLanguage": page.lang,
    }
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def _head(page: Page, title: str, description: str, canonical: str, a: Article | None, css: str) -> str:
    alt = "".join(
        f'\n<link rel="alternate" type="{t}" title="{h(tt)}" href="{h(page.link(href))}">'
        for t, tt, href in page.alternates
    )
    meta = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(title)}</title>",
        f'<meta name="description" content="{h(description)}">',
        f'<link rel="canonical" href="{h(canonical)}">',
        f'<meta property="og:site_name" content="{h(page.name)}">',
        f'<meta property="og:title" content="{h(title.split(" | ")[0])}">',
        f'<meta property="og:url" content="{h(canonical)}">',
        f'<meta property="og:description" content="{h(description)}">',
        '<meta name="twitter:card" content="summary_large_image">',
    ]
    if a is not None:
        meta += [
            '<meta property="og:type" content="article">',
            f'<meta property="og:image" content="{page.base}/static/img/{a.ident}.jpg">',
            f'<meta property="article:published_time" content="{a.published.isoformat()}">',
            f'<meta property="article:modified_time" content="{(a.modified or a.published).isoformat()}">',
            f'<meta property="article:section" content="{h(a.section.capitalize())}">',
            f'<meta name="author" content="{h(", ".join(a.authors))}">',
            _jsonld(page, a),
        ]
    else:
        meta.append('<meta property="og:type" content="website">')
    return (
        f'<!DOCTYPE html>\n<html lang="{page.lang}">\n<head>\n' + "\n".join(meta) + alt
        + f"\n<style>{css}</style>\n"
        + '<link rel="stylesheet" href="/static/site.css">\n<link rel="icon" href="/static/favicon.jpg">\n'
        + (f'<script src="{page.cdn}/lib/share.js" defer></script>\n' if page.cdn else "")
        + '<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}'
        + "gtag('js',new Date());gtag('config','G-DEMO0000');</script>\n</head>\n"
    )


def _body_html(a: Article, para_cls: str = "", insert=None) -> str:
    """The article body: <p>, <h2>, <blockquote>, with inline inserts after given elements."""
    out = []
    pc = f' class="{para_cls}"' if para_cls else ""
    for i, (kind, text) in enumerate(a.body):
        if kind == "h2":
            out.append(f"<h2>{h(text)}</h2>")
        elif kind == "blockquote":
            out.append(f'<blockquote class="embedded-post"><p>{h(text)}</p></blockquote>')
        else:
            out.append(f"<p{pc}>{h(text)}</p>")
        for label, title, href in a.inline.get(i, []):
            out.append(insert(label, title, href))
    return "\n".join(out)


def _fmt_long(d: datetime) -> str:
    return d.strftime("%B %d, %Y").replace(" 0", " ")


SHARE = (
    '<a class="share-x" href="https://x.com/intent/tweet?url={u}">Share on X</a> '
    '<a class="share-fb" href="https://www.facebook.com/sharer/sharer.php?u={u}">Share on Facebook</a> '
    '<a class="share-wa" href="https://api.whatsapp.com/send?text={u}">Share on WhatsApp</a>'
)

COOKIE = (
    '<div id="{id}" class="cookie-consent" role="dialog" aria-label="Cookie consent">'
    "<p>We use cookies and similar technologies to personalise content and ads, to provide social media "
    "features and to analyse our traffic. By clicking “Accept all” you agree to our use of cookies. "
    '<a href="/privacy-policy">Privacy Policy</a></p><button>Accept all</button> <button>Manage preferences</button></div>'
)


class Template(ABC):
    """Shared behaviour; subclasses supply the markup (the page kinds below)."""

    css = "body{font-family:Georgia,serif;margin:0}"
    page_size = 20
    read_more_label = "Read More:"

    def nav(self, page: Page) -> str:
        links = "".join(f'<li><a href="{h(page.link(href))}">{h(label)}</a></li>' for label, href in page.sections)
        return f'<ul class="menu">{links}<li><a href="{h(page.link("/about"))}">About us</a></li>' \
               f'<li><a href="{h(page.link("/contact"))}">Contact</a></li></ul>'

    def items_list(self, page: Page, items: list[Item], cls: str = "story-list") -> str:
        rows = "".join(
            f'<li><a href="{h(page.link(it.href))}">{h(it.title)}</a></li>' for it in items
        )
        return f'<ul class="{cls}">{rows}</ul>'

    def teasers(self, page: Page, items: list[Item]) -> str:
        return "\n".join(
            f'<div class="teaser"><h3><a href="{h(page.link(it.href))}">{h(it.title)}</a></h3>'
            f'<p class="teaser-summary">{h(it.teaser)}</p>'
            f'<span class="teaser-date">{_fmt_long(it.published)}</span></div>'
            for it in items
        )

    def pager(self, page: Page, n: int, pages: int) -> str:
        parts = []
        if n > 1:
            prev = f"?page={n - 1}" if n > 2 else "?page=1"
            parts.append(f'<a rel="prev" href="{prev}">Previous</a>')
        parts.append(f"<span>Page {n} of {pages}</span>")
        if n < pages:
            parts.append(f'<a rel="next" class="next" href="?page={n + 1}">Next</a>')
        return f'<nav class="pagination">{" ".join(parts)}</nav>'

    @abstractmethod
    def article(self, page: Page, a: Article, related: list[Item], read_next: list[Item]) -> str: ...

    @abstractmethod
    def listing(self, page: Page, heading: str, items: list[Item], n: int, pages: int,
                canonical: str) -> str: ...

    @abstractmethod
    def home(self, page: Page, top: list[Item], most: list[Item], extra: str) -> str: ...

    @abstractmethod
    def search(self, page: Page, q: str, items: list[Item], canonical: str) -> str: ...

    @abstractmethod
    def not_found(self, page: Page) -> str: ...

    def insert(self, label: str, title: str, href: str) -> str:
        return f'<p class="inline-related"><strong>{h(label)}</strong> <a href="{h(href)}">{h(title)}</a></p>'


class MarketTemplate(Template):
    """Outlet 0: a markets-and-business site, HTML5 semantic markup, wire-service articles."""

    css = ".site-header{background:#0b2545;color:#fff}.ticker{font:12px monospace}.article-content p{line-height:1.6}"

    def frame(self, page: Page, head: str, main: str, footer_heading: str = "Follow Market Pulse",
              extra_footer: str = "") -> str:
        return (
            head + "<body>\n" + COOKIE.format(id="onetrust-banner-sdk")
            + f'\n<header class="site-header"><a class="logo" href="/">{h(page.name)}</a>'
            + '<form class="site-search" action="/search"><input name="q" placeholder="Search tickers, news"></form>'
            + f'<nav class="main-nav" aria-label="Main">{self.nav(page)}</nav>'
            + '<div class="ticker">AAPL 271.40 +0.6% · MSFT 517.81 -0.3% · NVDA 202.49 +1.2% · '
            + "GOLD 4,002 +0.4% · BRENT 64.77 -0.9% · USD/INR 88.72</div></header>\n"
            + f"<main>{main}</main>\n"
            + '<footer class="site-footer">'
            + f'<h4>{h(footer_heading)}</h4><ul class="social"><li><a href="https://x.com/demo">X</a></li>'
            + '<li><a href="https://www.linkedin.com/company/demo">LinkedIn</a></li></ul>'
            + extra_footer
            + "<p>Market data provided by Demo Exchange Feeds. Quotes delayed at least 15 minutes.</p>"
            + f"<p class=\"copyright\">© 2025 {h(page.name)}. All rights reserved.</p>"
            + "</footer>\n</body>\n</html>\n"
        )

    def article(self, page: Page, a: Article, related: list[Item], read_next: list[Item]) -> str:
        f = a.furniture
        caption = a.image_caption or "Image via Shutterstock"
        read_next_block = ""
        if f.get("read_next"):
            read_next_block = (
                f'<div class="read-next"><p><strong>{h(f["read_next"][0])}</strong></p>'
                + self.items_list(page, read_next, "read-next-list") + "</div>"
            )
        foot = "".join(f'<p class="disclaimer">{h(line)}</p>' for line in f.get("article_footer", []))
        meta_lines = "".join(f'<span class="meta-line">{h(x)}</span>' for x in f.get("meta", []))
        main = (
            '<div class="layout"><article class="article">'
            f'<nav class="breadcrumb"><a href="/">Home</a> › <a href="/section/{a.section}">{h(a.section.capitalize())}</a></nav>'
            f'<header><h1 class="article-title">{h(a.title)}</h1>'
            f'<div class="byline">by <a rel="author" href="/author/{h(a.authors[0].lower().replace(" ", "-"))}">'
            f'{h(", ".join(a.authors))}</a>, {h(page.name)} Staff Writer</div>'
            f'<time datetime="{a.published.isoformat()}">{a.published.strftime("%B %d, %Y %I:%M %p")}</time>'
            f'<span class="read-time">{max(1, len(a.body) // 4)} min read</span>{meta_lines}'
            f'<div class="share-bar">{SHARE.format(u=h(a.url))}</div></header>'
            f'<figure class="lead-image"><img src="/static/img/{a.ident}.jpg" alt=""><figcaption>{h(caption)}</figcaption></figure>'
            f'<div class="article-content" itemprop="articleBody">\n{_body_html(a, insert=self.insert)}\n</div>'
            f"{a.extra_html}{read_next_block}"
            f'<footer class="article-footer">{foot}</footer>'
            "</article>"
            '<aside class="sidebar"><section class="newsletter"><h3>Get the Morning Brief</h3>'
            "<p>The day’s market-moving news, in your inbox before the opening bell.</p>"
            '<form action="/newsletter"><input type="email" placeholder="Email address"><button>Sign up</button></form></section>'
            '<section class="trending"><h3>Trending</h3>' + self.items_list(page, related) + "</section></aside></div>"
        )
        head = _head(page, f"{a.title} | {page.name}", a.description, a.url, a, self.css)
        return self.frame(page, head, main, f.get("footer_heading", ["Follow Market Pulse"])[0])

    def listing(self, page: Page, heading: str, items: list[Item], n: int, pages: int, canonical: str) -> str:
        main = f'<h1 class="section-title">{h(heading)}</h1><div class="river">{self.teasers(page, items)}</div>'
        main += self.pager(page, n, pages)
        return self.frame(page, _head(page, f"{heading} | {page.name}", f"Latest {heading} news", canonical, None, self.css), main)

    def home(self, page: Page, top: list[Item], most: list[Item], extra: str) -> str:
        main = ('<section class="top-stories"><h2>Top Stories</h2>' + self.teasers(page, top) + "</section>"
                + '<section class="most-read"><h2>Most Read</h2>' + self.items_list(page, most) + "</section>" + extra)
        return self.frame(page, _head(page, f"{page.name} – Markets, Business and World News",
                                      f"{page.name}: markets, business and world news", page.base + "/", None, self.css), main)

    def search(self, page: Page, q: str, items: list[Item], canonical: str) -> str:
        main = f'<h1>Search results for “{h(q)}”</h1><p>{len(items)} results</p>' + self.teasers(page, items)
        return self.frame(page, _head(page, f"Search: {q} | {page.name}", "Search", canonical, None, self.css), main)

    def not_found(self, page: Page) -> str:
        return self.frame(page, _head(page, f"Page not found | {page.name}", "Not found", page.base + "/", None, self.css),
                          "<h1>404 – We couldn’t find that page</h1><p>Try the search box or return home.</p>")


class BroadsheetTemplate(Template):
    """Outlet 1: a British broadsheet, nested div soup, absolute links, author box."""

    css = "#page{max-width:1100px}.masthead h1{font-size:40px}.story-body .rich-text p{margin:0 0 1em}"
    page_size = 15

    def frame(self, page: Page, head: str, content: str, footer_heading: str = "Connect with us") -> str:
        return (
            head + '<body class="broadsheet">\n<div id="page">'
            + COOKIE.format(id="cmp-banner")
            + '<div class="masthead"><div class="masthead__date">Independent journalism since 1887</div>'
            + f'<div class="masthead__logo"><a href="{h(page.base)}/">{h(page.name)}</a></div>'
            + '<div class="masthead__support"><a href="/support">Support us</a> <a href="/signin">Sign in</a></div></div>'
            + f'<div class="navigation" role="navigation">{self.nav(page)}</div>'
            + f'<div class="content-wrapper">{content}</div>'
            + f'<div class="site-footer"><div class="footer-heading">{h(footer_heading)}</div>'
            + '<div class="footer-links"><a href="/terms">Terms &amp; conditions</a> | <a href="/privacy-policy">Privacy policy</a> | '
            + '<a href="/cookies">Cookie policy</a> | <a href="/complaints">Complaints &amp; corrections</a></div>'
            + f'<div class="footer-copy">© 2025 {h(page.name)} Ltd. All rights reserved. Registered in England and Wales.</div>'
            + "</div></div>\n</body>\n</html>\n"
        )

    def article(self, page: Page, a: Article, related: list[Item], read_next: list[Item]) -> str:
        f = a.furniture
        author = a.authors[0]
        content = (
            '<div class="article-container"><div class="story-header">'
            f'<div class="kicker"><a href="{h(page.link("/" + a.section))}">{h(a.section.capitalize())}</a></div>'
            f'<h1 class="headline">{h(a.title)}</h1><div class="standfirst"><p>{h(a.description)}</p></div>'
            f'<div class="meta"><div class="byline"><span>By </span>{h(" and ".join(a.authors))}</div>'
            f'<div class="dateline">{a.published.strftime("%a %d %b %Y %H.%M %Z").strip()}</div></div>'
            f'<div class="social-share">{SHARE.format(u=h(a.url))} <a href="mailto:?subject={h(a.title)}">Email</a></div></div>'
            f'<div class="story-body"><div class="story-image"><img src="/static/img/{a.ident}.jpg" alt="">'
            f'<div class="caption">{h(a.image_caption or "Photograph: Agency pool")}</div></div>'
            f'<div class="rich-text">\n{_body_html(a, insert=self.insert)}\n</div>{a.extra_html}</div>'
            + '<div class="author-box"><div class="author-box__avatar"></div>'
            f"<p><strong>{h(author)}</strong> is a correspondent for {h(page.name)}, covering "
            f"{h(a.section)} news. Follow on X <a href=\"https://x.com/demo\">@{h(author.split()[0].lower())}</a></p></div>"
            '<div class="newsletter-promo"><h3>Sign up to First Edition</h3><p>Our free daily newsletter. '
            "Get the top stories delivered every weekday morning.</p><a href=\"/newsletters\">Sign up</a></div>"
            '<div class="related-stories"><h3>More on this story</h3>' + self.items_list(page, related) + "</div>"
            "</div>"
        )
        head = _head(page, f"{a.title} | {a.section.capitalize()} | {page.name}", a.description, a.url, a, self.css)
        return self.frame(page, head, content, f.get("footer_heading", ["Connect with us"])[0])

    def listing(self, page: Page, heading: str, items: list[Item], n: int, pages: int, canonical: str) -> str:
        c = f'<div class="section-front"><h1>{h(heading)}</h1>{self.teasers(page, items)}{self.pager(page, n, pages)}</div>'
        return self.frame(page, _head(page, f"{heading} | {page.name}", f"{heading} news and comment", canonical, None, self.css), c)

    def home(self, page: Page, top: list[Item], most: list[Item], extra: str) -> str:
        c = ('<div class="front"><div class="headlines">' + self.teasers(page, top) + "</div>"
             + '<div class="most-viewed"><h2>Most viewed</h2>' + self.items_list(page, most, "most-viewed") + "</div>" + extra + "</div>")
        return self.frame(page, _head(page, f"News, sport and opinion | {page.name}", f"Latest news from {page.name}",
                                      page.base + "/", None, self.css), c)

    def search(self, page: Page, q: str, items: list[Item], canonical: str) -> str:
        return self.frame(page, _head(page, f"Search | {page.name}", "Search", canonical, None, self.css),
                          f"<h1>Results for {h(q)}</h1>" + self.teasers(page, items))

    def not_found(self, page: Page) -> str:
        return self.frame(page, _head(page, f"Page not found | {page.name}", "Not found", page.base + "/", None, self.css),
                          "<h1>Sorry – we can’t find the page you asked for</h1>")


class KathmanduTemplate(Template):
    """Outlet 2: a South Asian daily; top bar with city and date, reading time, font controls."""

    css = ".top-bar{font-size:12px}.font-control button{border:0}.news-content p{font-size:18px}"
    page_size = 10

    def frame(self, page: Page, head: str, content: str, topbar: list[str], footer_heading: str = "Follow Us") -> str:
        top = "".join(f'<span class="top-bar__item">{h(x)}</span>' for x in topbar)
        return (
            head + "<body>\n" + COOKIE.format(id="cookie-notice")
            + f'<div class="top-bar">{top}<span class="top-bar__epaper"><a href="/epaper">E-Paper</a></span></div>'
            + f'<div class="header"><div class="logo"><a href="/">{h(page.name)}</a></div>'
            + f'<div class="main-menu">{self.nav(page)}</div></div>'
            + f'<div class="container">{content}</div>'
            + f'<div class="footer"><h3>{h(footer_heading)}</h3><div class="footer-social">'
            + '<a href="https://facebook.com/demo">Facebook</a> <a href="https://x.com/demo">X</a> '
            + '<a href="https://youtube.com/demo">YouTube</a></div>'
            + '<div class="footer-info"><p>Editor: Ram Bahadur K.C. | Registration No. 123/074-75</p>'
            + f"<p>© 2025 {h(page.name)}. All rights reserved.</p></div></div>\n</body>\n</html>\n"
        )

    def article(self, page: Page, a: Article, related: list[Item], read_next: list[Item]) -> str:
        f = a.furniture
        topbar = f.get("topbar") or ["Kathmandu", a.published.strftime("%A, %B %d, %Y").replace(" 0", " ")]
        meta = f.get("meta") or [_fmt_long(a.published), f"{max(1, len(a.body) // 5)} MIN READ"]
        font = f.get("font") or ["A", "A+", "A-"]
        caption = a.image_caption or "Photo: Courtesy"
        content = (
            '<div class="row"><div class="col-main">'
            f'<h1 class="news-title">{h(a.title)}</h1>'
            f'<div class="news-meta"><div class="author">{h(", ".join(a.authors))}</div>'
            + "".join(f'<div class="news-meta__item">{h(x)}</div>' for x in meta)
            + f'<div class="share">{SHARE.format(u=h(a.url))}</div></div>'
            f'<div class="featured-image"><img src="/static/img/{a.ident}.jpg" alt=""><p class="photo-credit">{h(caption)}</p></div>'
            '<div class="font-control">' + "".join(f"<button>{h(x)}</button>" for x in font) + "</div>"
            f'<div class="news-content">\n{_body_html(a, insert=self.insert)}\n</div>{a.extra_html}'
            f'<div class="tags"><span>Tags:</span> <a href="/tag/news">News</a> <a href="/tag/{a.section}">'
            f'{h(a.section.capitalize())}</a></div>'
            '</div><div class="col-side"><div class="widget"><h3>Related News</h3>'
            + self.items_list(page, related) + "</div>"
            + '<div class="widget"><h3>Popular</h3>' + self.items_list(page, read_next) + "</div></div></div>"
        )
        head = _head(page, f"{a.title} - {page.name}", a.description, a.url, a, self.css)
        return self.frame(page, head, content, topbar, f.get("footer_heading", ["Follow Us"])[0])

    def _topbar(self) -> list[str]:
        return ["Kathmandu", "Nepal’s independent daily"]

    def listing(self, page: Page, heading: str, items: list[Item], n: int, pages: int, canonical: str) -> str:
        c = (f'<div class="category"><h1 class="category-title">{h(heading)}</h1>'
             + self.teasers(page, items) + self.pager(page, n, pages) + "</div>")
        return self.frame(page, _head(page, f"{heading} - {page.name}", heading, canonical, None, self.css), c, self._topbar())

    def home(self, page: Page, top: list[Item], most: list[Item], extra: str) -> str:
        c = ('<div class="home"><div class="main-news">' + self.teasers(page, top) + "</div>"
             + '<div class="category-links"><h2>Sections</h2>'
             + "".join(f'<a class="section-link" href="{h(href)}">{h(label)}</a> ' for label, href in page.sections)
             + "</div>" + extra + "</div>")
        return self.frame(page, _head(page, f"{page.name} - Latest news", "Latest news", page.base + "/", None, self.css),
                          c, self._topbar())

    def search(self, page: Page, q: str, items: list[Item], canonical: str) -> str:
        return self.frame(page, _head(page, "Search", "Search", canonical, None, self.css),
                          f"<h1>{h(q)}</h1>" + self.teasers(page, items), self._topbar())

    def not_found(self, page: Page) -> str:
        return self.frame(page, _head(page, "Not found", "Not found", page.base + "/", None, self.css),
                          "<h1>404 Page Not Found</h1>", self._topbar())


class NewspaperTemplate(Template):
    """Outlet 3: a WordPress 'Newspaper' theme site; inline "Read More:" inserts, site search."""

    css = ".td-header-wrap{background:#222}.td-post-content p{margin-bottom:26px}.td-block-title{font-weight:700}"
    page_size = 20

    def frame(self, page: Page, head: str, content: str, footer_heading: str = "Stay Connected") -> str:
        return (
            head + '<body class="td-theme">\n' + COOKIE.format(id="cookie-law-info-bar")
            + '<div class="td-header-wrap"><div class="td-header-top-menu"><span class="td-date">Saturday, November 1, 2025</span>'
            + '<a href="/login">Sign in / Join</a></div>'
            + f'<div class="td-header-logo"><a href="/">{h(page.name)}</a></div>'
            + f'<div class="td-header-menu-wrap">{self.nav(page)}'
            + '<form class="td-search-form" action="/search" method="get"><input name="q"><button>Search</button></form></div></div>'
            + f'<div class="td-main-content-wrap">{content}</div>'
            + f'<div class="td-footer-wrapper"><div class="td-block-title">{h(footer_heading)}</div>'
            + '<div class="td-social-icons"><a href="https://facebook.com/demo">Facebook</a> <a href="https://instagram.com/demo">Instagram</a></div>'
            + "<p class=\"td-disclaimer\">Disclaimer: The views expressed in opinion pieces are the writers’ own and do not "
            "necessarily reflect the editorial policy of the paper.</p>"
            + f'<div class="td-sub-footer-copy">© Copyright 2025 - {h(page.name)}. All Rights Reserved.</div></div>'
            + "\n</body>\n</html>\n"
        )

    def insert(self, label: str, title: str, href: str) -> str:
        return (f'<p><strong>{h(label)}</strong> <a href="{h(href)}" target="_blank" rel="noopener">{h(title)}</a></p>')

    def article(self, page: Page, a: Article, related: list[Item], read_next: list[Item]) -> str:
        f = a.furniture
        content = (
            '<div class="td-container"><div class="td-pb-row"><div class="td-pb-span8 td-main-content">'
            '<div class="td-ss-main-content"><article class="post type-post status-publish format-standard">'
            f'<div class="td-post-header"><ul class="td-category"><li><a class="td-post-category" href="/category/{a.section}/">'
            f'{h(a.section.capitalize())}</a></li></ul>'
            f'<header class="td-post-title"><h1 class="entry-title">{h(a.title)}</h1>'
            f'<div class="td-module-meta-info"><div class="td-post-author-name"><div class="td-author-by">By</div> '
            f'<a href="/author/{h(a.authors[0].lower().replace(" ", "-"))}/">{h(a.authors[0])}</a></div>'
            f'<span class="td-post-date"><time class="entry-date updated td-module-date" datetime="{a.published.isoformat()}">'
            f'{_fmt_long(a.published)}</time></span><div class="td-post-views"><span>{(a.ident * 37) % 900 + 40}</span></div></div></header></div>'
            f'<div class="td-post-sharing-top">{SHARE.format(u=h(a.url))}</div>'
            f'<div class="td-post-featured-image"><img src="/static/img/{a.ident}.jpg" alt="" class="entry-thumb"></div>'
            f'<div class="td-post-content tagdiv-type">\n{_body_html(a, insert=self.insert)}\n</div>{a.extra_html}'
            f'<div class="td-post-sharing-bottom">{SHARE.format(u=h(a.url))}</div>'
            '<div class="td-author-name-wrap"><div class="author-box-wrap"><div class="desc">'
            f'<div class="td-author-name vcard author"><a href="/author/x/">{h(a.authors[0])}</a></div></div></div></div>'
            "</article>"
            '<div class="td_block_related_posts"><h4 class="td-related-title">RELATED ARTICLES</h4>'
            + self.items_list(page, related) + "</div>"
            '<div class="comments" id="comments"><h4>LEAVE A REPLY</h4><p>Please enter your comment!</p></div>'
            '</div></div><div class="td-pb-span4 td-main-sidebar"><div class="td_block_wrap"><h4 class="td-block-title">Most Popular</h4>'
            + self.items_list(page, read_next) + "</div></div></div></div>"
        )
        head = _head(page, f"{a.title} - {page.name}", a.description, a.url, a, self.css)
        return self.frame(page, head, content, f.get("footer_heading", ["Stay Connected"])[0])

    def listing(self, page: Page, heading: str, items: list[Item], n: int, pages: int, canonical: str) -> str:
        c = f'<div class="td-category-header"><h1 class="entry-title td-page-title">{h(heading)}</h1></div>' \
            f'<div class="td-ss-main-content">{self.teasers(page, items)}</div>{self.pager(page, n, pages)}'
        return self.frame(page, _head(page, f"{heading} Archives - {page.name}", heading, canonical, None, self.css), c)

    def home(self, page: Page, top: list[Item], most: list[Item], extra: str) -> str:
        c = ('<div class="td-container"><div class="td_block_big_grid">' + self.teasers(page, top) + "</div>"
             + '<div class="td_block_wrap"><h4 class="td-block-title">Don\'t Miss</h4>' + self.items_list(page, most) + "</div>"
             + extra + "</div>")
        return self.frame(page, _head(page, f"{page.name} - News, Politics, Business", "Latest", page.base + "/", None, self.css), c)

    def search(self, page: Page, q: str, items: list[Item], canonical: str) -> str:
        c = (f'<div class="td-container"><h1 class="entry-title td-page-title">Search results for: {h(q)}</h1>'
             f'<div class="td-search-results"><p>{len(items)} results</p>{self.teasers(page, items)}</div></div>')
        return self.frame(page, _head(page, f"You searched for {q} - {page.name}", "Search", canonical, None, self.css), c)

    def not_found(self, page: Page) -> str:
        return self.frame(page, _head(page, f"Page not found - {page.name}", "404", page.base + "/", None, self.css),
                          "<h1>Ooops... Error 404</h1><p>Sorry, but the page you are looking for doesn't exist.</p>")


class IndianDailyTemplate(Template):
    """Outlet 4: an Indian national daily; "ALSO READ" inserts, newsletter, hidden "Social Footer" heading."""

    css = ".articlebodycontent p{font-size:19px}.also-read{border-left:3px solid #c00}.sr-only{position:absolute}"
    page_size = 16

    def frame(self, page: Page, head: str, content: str, footer_heading: str = "Social Footer") -> str:
        return (
            head + "<body>\n" + COOKIE.format(id="gdpr-consent")
            + '<div class="header"><div class="top-links"><a href="/epaper">e-Paper</a> <a href="/subscribe">Subscribe</a> '
            + '<span class="font-size-controls"><button>A</button><button>A+</button><button>A-</button></span></div>'
            + f'<div class="logo"><a href="/">{h(page.name)}</a></div><div class="menu-wrap">{self.nav(page)}</div></div>'
            + f'<div class="container main">{content}</div>'
            + f'<div class="footer"><h2 class="sr-only">{h(footer_heading)}</h2>'
            + '<ul class="social-footer"><li><a href="https://facebook.com/demo">Facebook</a></li>'
            + '<li><a href="https://x.com/demo">Twitter</a></li><li><a href="https://instagram.com/demo">Instagram</a></li>'
            + '<li><a href="https://t.me/demo">Telegram</a></li></ul>'
            + '<div class="footer-menu"><a href="/about">About Us</a> <a href="/code-of-editorial-values">Code of Editorial Values</a> '
            + '<a href="/terms">Terms of Use</a></div>'
            + f'<p class="copyright">Copyright© 2025, {h(page.name)} Group. Republication or dissemination of the '
            "contents of this website is strictly prohibited without prior written consent.</p></div>\n</body>\n</html>\n"
        )

    def insert(self, label: str, title: str, href: str) -> str:
        return f'<div class="also-read"><span>{h(label)}</span> <a href="{h(href)}">{h(title)}</a></div>'

    def article(self, page: Page, a: Article, related: list[Item], read_next: list[Item]) -> str:
        f = a.furniture
        updated = ""
        if a.modified and a.modified != a.published:
            updated = f' | Updated - {a.modified.strftime("%B %d, %Y %I:%M %p")} IST'
        content = (
            '<div class="row"><div class="article-section">'
            f'<div class="breadcrumb"><a href="/">Home</a> / <a href="/{a.section}/">{h(a.section.capitalize())}</a></div>'
            f'<h1 class="title">{h(a.title)}</h1><h2 class="sub-title">{h(a.description)}</h2>'
            f'<div class="author-name"><a href="/profile/author/{h(a.authors[0].lower().replace(" ", "-"))}/">{h(", ".join(a.authors))}</a></div>'
            f'<div class="update-publish-time"><p class="publish-time">Published - {a.published.strftime("%B %d, %Y %I:%M %p")} IST{updated}</p></div>'
            f'<div class="share-bar"><span>Share</span> {SHARE.format(u=h(a.url))}</div>'
            f'<div class="picture"><img src="/static/img/{a.ident}.jpg" alt=""><p class="caption">'
            f'{h(a.image_caption or "File photo used for representation only.")}</p></div>'
            f'<div class="articlebodycontent" id="content-body-{a.ident}">\n{_body_html(a, insert=self.insert)}\n</div>{a.extra_html}'
            '<div class="comments-shares"><a href="#comments">Comments</a></div>'
            '<div class="newsletter-box"><h4>Sign up for the Morning Digest</h4><p>A daily round-up of the most important news. '
            '</p><a href="/newsletter">Subscribe</a></div>'
            f'<div class="related-topics"><h4>Related Topics</h4><a href="/topic/{a.section}/">{h(a.section)}</a> '
            '<a href="/topic/india/">India</a></div>'
            '<div class="related-stories"><h4>Related Stories</h4>' + self.items_list(page, related) + "</div>"
            '<p class="disclaimer">Comments have to be in English, and in full sentences. They cannot be abusive or personal.</p>'
            '</div><div class="right-column"><h4>Trending</h4>' + self.items_list(page, read_next) + "</div></div>"
        )
        head = _head(page, f"{a.title} - {page.name}", a.description, a.url, a, self.css)
        return self.frame(page, head, content, f.get("footer_heading", ["Social Footer"])[0])

    def listing(self, page: Page, heading: str, items: list[Item], n: int, pages: int, canonical: str) -> str:
        c = f'<h1 class="section-heading">{h(heading)}</h1><div class="story-card-list">{self.teasers(page, items)}</div>' \
            + self.pager(page, n, pages)
        return self.frame(page, _head(page, f"{heading} News - {page.name}", heading, canonical, None, self.css), c)

    def home(self, page: Page, top: list[Item], most: list[Item], extra: str) -> str:
        c = ('<div class="lead-stories">' + self.teasers(page, top) + "</div>"
             + '<div class="most-popular"><h2>Most Popular</h2>' + self.items_list(page, most) + "</div>" + extra)
        return self.frame(page, _head(page, f"{page.name}: Latest News, India News", "Latest news", page.base + "/", None, self.css), c)

    def search(self, page: Page, q: str, items: list[Item], canonical: str) -> str:
        return self.frame(page, _head(page, "Search", "Search", canonical, None, self.css),
                          f"<h1>Search: {h(q)}</h1>" + self.teasers(page, items))

    def not_found(self, page: Page) -> str:
        return self.frame(page, _head(page, "Page not found", "404", page.base + "/", None, self.css),
                          "<h1>The page you are looking for is not available</h1>")


TEMPLATES = [MarketTemplate(), BroadsheetTemplate(), KathmanduTemplate(), NewspaperTemplate(), IndianDailyTemplate()]
