"""Discovery helpers with no Scrapy in them: feeds, sitemaps, listing links, article hints.

Everything here takes bytes or strings and returns plain tuples, so the spider stays
small and these functions are tested on their own. XML is parsed with entity
resolution and network access off, and a document that declares entities is refused
(billion-laughs style expansion never happens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = [
    "DiscoveryError",
    "Entry",
    "Sitemap",
    "feed_links",
    "looks_like_article",
    "looks_like_article_url",
    "parse_date",
    "parse_feed",
    "parse_sitemap",
]

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/rdf+xml", "application/xml", "text/xml")


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be used; `kind` says why ("malformed", "entities", ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Entry:
    """An article URL found in a feed or sitemap, with whatever it said about it."""

    url: str
    title: str = ""
    published: datetime | None = None  # publication date (news:publication_date, pubDate)
    modified: datetime | None = None  # sitemap lastmod / atom updated


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: `index` lists child sitemaps, otherwise `entries` are pages."""

    index: bool
    entries: list[Entry]
    news: bool = False  # a Google News sitemap (news:news elements)


# --------------------------------------------------------------------------- XML

_DOCTYPE_ENTITY = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE | re.DOTALL)


def _parse_xml(body: bytes) -> etree._Element:
    if _DOCTYPE_ENTITY.search(body[:65536]):
        raise DiscoveryError("entities", "XML entity declarations refused (possible entity expansion attack)")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
        remove_pis=True, recover=False, load_dtd=False,
    )
    try:
        root = etree.fromstring(body.lstrip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        # Salvage what a lenient parse can give, but report the document as malformed.
        recovering = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False,
        )
        try:
            root = etree.fromstring(body.lstrip(), parser=recovering)
        except etree.XMLSyntaxError:
            root = None
        raise DiscoveryError("malformed", f"not well-formed XML: {exc}") from _Salvage(root)
    if root is None:
        raise DiscoveryError("malformed", "empty XML document")
    return root


class _Salvage(Exception):
    """Carries the elements a recovering parse found, as the cause of a DiscoveryError."""

    def __init__(self, root) -> None:
        super().__init__("salvaged")
        self.root = root


def salvaged_root(error: DiscoveryError):
    """The root a lenient parse recovered from a malformed document, if any."""
    cause = error.__cause__
    return cause.root if isinstance(cause, _Salvage) else None


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(element) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def parse_date(value: str | None) -> datetime | None:
    """ISO 8601 (sitemaps, Atom) or RFC 822 (RSS) date, as tz-aware UTC; None if unusable."""
    if not value:
        return None
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


# --------------------------------------------------------------------------- feeds


def parse_feed(body: bytes, base_url: str) -> list[Entry]:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed.

    Raises DiscoveryError for a document that is not a feed; for a malformed one the
    error's `salvaged_root()` may still hold entries (use `entries_from_feed_root`).
    """
    root = _parse_xml(body)
    return entries_from_feed_root(root, base_url)


def entries_from_feed_root(root, base_url: str) -> list[Entry]:
    kind = _local(root.tag)
    if kind not in ("rss", "feed", "rdf", "channel"):
        raise DiscoveryError("malformed", f"not a feed (root element <{kind}>)")
    entries: list[Entry] = []
    for element in root.iter():
        name = _local(element.tag)
        if name not in ("item", "entry"):
            continue
        url, title, published, modified = "", "", None, None
        for child in element:
            cname = _local(child.tag)
            if cname == "link":
                href = child.get("href")
                if href is not None:
                    if child.get("rel", "alternate") == "alternate" and not url:
                        url = href.strip()
                elif not url:
                    url = _text(child)
            elif cname == "guid" and not url and child.get("isPermaLink", "true") == "true":
                guid = _text(child)
                if guid.startswith("http"):
                    url = guid
            elif cname == "title":
                title = _text(child)
            elif cname in ("pubdate", "published", "date", "issued"):
                published = published or parse_date(_text(child))
            elif cname in ("updated", "modified"):
                modified = modified or parse_date(_text(child))
        if url:
            entries.append(Entry(urljoin(base_url, url), title, published or modified, modified))
    return entries


# --------------------------------------------------------------------------- sitemaps


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A sitemap index or urlset, including Google News fields (news:title,
    news:publication_date). Raises DiscoveryError when unusable."""
    root = _parse_xml(body)
    return sitemap_from_root(root, base_url)


def sitemap_from_root(root, base_url: str) -> Sitemap:
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError("malformed", f"not a sitemap (root element <{kind}>)")
    index = kind == "sitemapindex"
    entries: list[Entry] = []
    news = False
    for element in root:
        if _local(element.tag) not in ("url", "sitemap"):
            continue
        loc, title, published, modified = "", "", None, None
        for child in element:
            cname = _local(child.tag)
            if cname == "loc":
                loc = _text(child)
            elif cname == "lastmod":
                modified = parse_date(_text(child))
            elif cname == "news":
                news = True
                for sub in child.iter():
                    sname = _local(sub.tag)
                    if sname == "title":
                        title = _text(sub)
                    elif sname == "publication_date":
                        published = parse_date(_text(sub))
        if loc:
            entries.append(Entry(urljoin(base_url, loc), title, published, modified))
    return Sitemap(index=index, entries=entries, news=news)


# --------------------------------------------------------------------------- pages

_JSONLD_ARTICLE = re.compile(
    rb'"@type"\s*:\s*\[?\s*"(?:News|Reportage|Analysis|Opinion|Report|Satirical|Scholarly|Tech)?'
    rb'(?:Article|BlogPosting|LiveBlogPosting)"'
)
_OG_ARTICLE = re.compile(
    rb'<meta\b[^>]*?(?:property|name)\s*=\s*["\']og:type["\'][^>]*?content\s*=\s*["\']article'
    rb'|<meta\b[^>]*?content\s*=\s*["\']article["\'][^>]*?(?:property|name)\s*=\s*["\']og:type["\']',
    re.IGNORECASE,
)
_DATE_PATH = re.compile(r"/(?:19|20)\d\d[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){3,}")
_ARTICLE_ID = re.compile(r"(?:\d{4,}|(?:^|[_-])[0-9a-f]{8,})(?:\.[a-z]{2,5})?$", re.IGNORECASE)
_NOT_PAGE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|mjs|json|pdf|zip|gz|mp[34]|mov|avi|woff2?|ttf|xml|rss)$",
    re.IGNORECASE,
)


def looks_like_article(body: bytes) -> bool:
    """JSON-LD (News)Article or og:type=article in the page: a cheap byte scan, no parsing."""
    return bool(_JSONLD_ARTICLE.search(body) or _OG_ARTICLE.search(body))


def looks_like_article_url(url: str, pattern: re.Pattern[str] | None = None) -> bool:
    """The site's article URL pattern when given (searched in the URL and in its path),
    else a dated path, a long slug or a numeric id."""
    path = urlsplit(url).path
    if pattern is not None:
        return bool(pattern.search(url) or pattern.search(path))
    if _DATE_PATH.search(path):
        return True
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    return bool(_SLUG.fullmatch(last.removesuffix(".html").removesuffix(".htm")) or _ARTICLE_ID.search(last))


_UTILITY = re.compile(
    r"^/(?:about|about-us|contact|contact-us|privacy|privacy-policy|terms|terms-of-use|terms-and-conditions"
    r"|cookies?|cookie-policy|login|log-in|signin|sign-in|signup|sign-up|register|account|my-account|subscribe"
    r"|subscription|subscriptions|newsletters?|epaper|e-paper|support|help|faq|complaints|careers|jobs|advertise"
    r"|advertising|code-of-[a-z-]+|corrections|sitemap|accessibility|editorial-policy|ethics|donate|shop|store"
    r"|apps?|podcasts?|video|videos|games|puzzles|crosswords?|weather-widget)(?:[/.?]|$)",
    re.IGNORECASE,
)


_PAGE_PARAM = re.compile(r"(?:^|&)(?:page|p|pg|offset|start)=\d+(?:&|$)", re.IGNORECASE)
_PAGE_PATH = re.compile(r"/(?:page/)?\d{1,4}/?$")


def is_pagination(current: str, link: str) -> bool:
    """`link` is another page of the listing at `current` (?page=N or /page/N)."""
    a, b = urlsplit(current), urlsplit(link)
    if a.netloc != b.netloc:
        return False
    if a.path == b.path and _PAGE_PARAM.search(b.query):
        return True
    base = _PAGE_PATH.sub("", a.path.rstrip("/"))
    return bool(_PAGE_PATH.search(b.path)) and _PAGE_PATH.sub("", b.path.rstrip("/")) == base


def site_allows(site, url: str) -> bool:
    """The site's allow/deny regexes, each searched in the URL and in its path."""
    path = urlsplit(url).path
    if site.allow_patterns and not any(p.search(url) or p.search(path) for p in site.allow_patterns):
        return False
    return not any(p.search(url) or p.search(path) for p in site.deny_patterns)


def is_utility_url(url: str) -> bool:
    """Site furniture pages (about, contact, privacy, login, subscribe...): never lead to articles."""
    return bool(_UTILITY.match(urlsplit(url).path or "/"))


def is_page_url(url: str) -> bool:
    """False for obvious non-HTML resources (images, scripts, archives...)."""
    return not _NOT_PAGE.search(urlsplit(url).path)


def feed_links(root, base_url: str) -> list[str]:
    """Feeds announced with <link rel="alternate" type="application/rss+xml|atom+xml">.

    `root` is an lxml element (a parsel selector's `.root`)."""
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        href = (link.get("href") or "").strip()
        if href and "alternate" in rel and ("rss" in kind or "atom" in kind):
            found.append(urljoin(base_url, href))
    return found


def page_links(root, base_url: str) -> list[tuple[str, str]]:
    """(absolute URL, anchor text) of every <a href> on a page, in document order."""
    links: list[tuple[str, str]] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        text = " ".join("".join(anchor.itertext()).split()) or anchor.get("title") or ""
        try:
            links.append((urljoin(base_url, href), text))
        except ValueError:
            continue
    return links


def canonical_link(root, base_url: str) -> str | None:
    """The page's <link rel="canonical" href>, absolute, if any."""
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            if href:
                return urljoin(base_url, href)
    return None
