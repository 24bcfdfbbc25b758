"""Links and hints on pages: what looks like an article, a listing's next page, a site's furniture."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

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
