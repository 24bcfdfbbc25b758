"""Discovery surfaces: robots.txt, RSS and Atom feeds, sitemaps (index, news, plain), and broken ones."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime
from html import escape

from .templates import Item


def x(text: str) -> str:
    return escape(str(text), quote=True)


def _utc(d: datetime) -> str:
    return d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def robots(disallow_search: bool, sitemaps: list[str]) -> bytes:
    lines = ["# robots.txt", "User-agent: GPTBot", "Disallow: /", "", "User-agent: *",
             "Disallow: /private/", "Disallow: /cgi-bin/", "Disallow: /account/"]
    if disallow_search:
        lines.append("Disallow: /search")
    lines.append("Allow: /")
    lines.append("")
    lines += [f"Sitemap: {u}" for u in sitemaps]
    return ("\n".join(lines) + "\n").encode()


def rss(title: str, site_url: str, feed_url: str, lang: str, items: list[tuple[Item, str, list[str]]]) -> bytes:
    """items: (item, absolute url, authors)."""
    newest = max((it.published for it, _u, _a in items), default=datetime(2025, 11, 1, tzinfo=timezone.utc))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{x(title)}</title>",
        f"<link>{x(site_url)}</link>",
        f"<description>Latest news from {x(title)}</description>",
        f"<language>{lang.lower()}</language>",
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>",
        f'<atom:link href="{x(feed_url)}" rel="self" type="application/rss+xml"/>',
    ]
    for it, url, authors in items:
        out.append(
            f"<item><title>{x(it.title)}</title><link>{x(url)}</link>"
            f'<guid isPermaLink="true">{x(url)}</guid><pubDate>{format_datetime(it.published)}</pubDate>'
            + "".join(f"<dc:creator>{x(a)}</dc:creator>" for a in authors)
            + f"<category>{x(it.section.capitalize())}</category>"
            f"<description>{x(it.teaser)}</description></item>"
        )
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out).encode()


def atom(title: str, site_url: str, feed_url: str, items: list[tuple[Item, str, list[str]]]) -> bytes:
    newest = max((it.published for it, _u, _a in items), default=datetime(2025, 11, 1, tzinfo=timezone.utc))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">',
        f"<title>{x(title)}</title>",
        f"<id>{x(site_url)}</id>",
        f"<updated>{newest.isoformat()}</updated>",
        f'<link rel="self" type="application/atom+xml" href="{x(feed_url)}"/>',
        f'<link rel="alternate" type="text/html" href="{x(site_url)}"/>',
    ]
    for it, url, authors in items:
        out.append(
            f'<entry><title type="text">{x(it.title)}</title><link rel="alternate" href="{x(url)}"/>'
            f"<id>{x(url)}</id><published>{it.published.isoformat()}</published>"
            f"<updated>{it.published.isoformat()}</updated>"
            + "".join(f"<author><name>{x(a)}</name></author>" for a in authors)
            + f'<category term="{x(it.section)}"/><summary type="text">{x(it.teaser)}</summary></entry>'
        )
    out += ["</feed>", ""]
    return "\n".join(out).encode()


def sitemap_index(entries: list[tuple[str, datetime]]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    out += [f"<sitemap><loc>{x(u)}</loc><lastmod>{_utc(d)}</lastmod></sitemap>" for u, d in entries]
    out += ["</sitemapindex>", ""]
    return "\n".join(out).encode()


def news_sitemap(publication: str, lang: str, entries: list[tuple[str, str, datetime]]) -> bytes:
    """entries: (url, title, published)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">']
    for url, title, published in entries:
        out.append(
            f"<url><loc>{x(url)}</loc><news:news><news:publication><news:name>{x(publication)}</news:name>"
            f"<news:language>{lang[:2]}</news:language></news:publication>"
            f"<news:publication_date>{published.isoformat()}</news:publication_date>"
            f"<news:title>{x(title)}</news:title></news:news></url>"
        )
    out += ["</urlset>", ""]
    return "\n".join(out).encode()


def plain_sitemap(entries: list[tuple[str, datetime]]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    out += [f"<url><loc>{x(u)}</loc><lastmod>{_utc(d)}</lastmod><changefreq>monthly</changefreq></url>"
            for u, d in entries]
    out += ["</urlset>", ""]
    return "\n".join(out).encode()


def malformed_rss(title: str, site_url: str, first: tuple[str, str]) -> bytes:
    """Starts as a valid RSS feed with one good item, then breaks: bare '&', mismatched and unclosed tags."""
    url, item_title = first
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{x(title)} – Latest & Breaking</title>\n<link>{x(site_url)}</link>\n"
        f"<item><title>{x(item_title)}</title><link>{x(url)}</link></item>\n"
        "<item><title>Markets & more: <b>what to watch</title><link>" + site_url + "news/half-written-sto"
        "\n<item><description><![CDATA[unterminated\n"
    ).encode()


def malformed_sitemap(first_url: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<url><loc>{x(first_url)}</loc><lastmod>2025-11-01</lastmod></url>\n"
        "<url><loc>http://<<broken>></loc><lastmod>2025-13-45</lastmod>\n<url><loc>"
    ).encode()


def entity_expansion_sitemap(base: str) -> bytes:
    """The 'billion laughs' document: ten levels of ten-fold entity expansion in a <loc>."""
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        ents.append(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [\n' + "\n".join(ents) + "\n]>\n"
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<url><loc>{x(base)}news/&lol9;</loc><lastmod>2025-11-01</lastmod></url>\n</urlset>\n"
    ).encode()
