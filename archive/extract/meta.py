"""Page metadata: title, authors, publication date, language, canonical URL, site name, tags."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from archive.extract.authors import page_authors
from archive.extract.dates import is_paywalled, modified_date, published_date
from archive.extract.structured import Structured, structured_data

if TYPE_CHECKING:
    from trafilatura.settings import Document

logger = logging.getLogger(__name__)

_COPYRIGHT_YEAR = re.compile(r"(?:©|&copy;|\(c\)|copyright)\s*(?:\d{4}\s*[-–]\s*)?((?:19|20)\d{2})", re.IGNORECASE)
_ISO_TIMESTAMP = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_LANG = re.compile(r"^([a-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")
_WORD = re.compile(r"[^\W\d_]+")
EXTENSIVE_DATE_SEARCH = True
"""htmldate's whole-page text search (dateparser over free text). It costs about a quarter of
the extraction time of a page without dated markup, and only runs for those (the article's
own structured data, meta and <time> come first); it is kept for the dates that only the
running text gives, which htmldate's own evaluation counts on."""
LANGUAGE_SAMPLE_CHARS = 5_000
"""Enough words (~800) for stop-word shares to settle; more only costs time."""


@dataclass
class PageMeta:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    html_language: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    modified: datetime | None = None
    paywalled: bool = False
    structured: Structured = field(default_factory=Structured)  # page_metadata always sets it


def _trafilatura_metadata(
    tree: HtmlElement, url: str | None, date_config: dict[str, Any] | None
) -> Document:
    """trafilatura's extract_metadata without the parts we do ourselves or do not keep.

    Skipped: its author search over the markup (authors.py reads bylines itself), the
    category/tag search over links (tags come from <meta> and JSON-LD), the licence, and
    htmldate when ``date_config`` is None (the article's own markup gave the date). Those
    were about half of the metadata time on the benchmark pages.
    """
    from htmldate import find_date
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )

    doc = examine_meta(tree)
    try:
        doc = extract_meta_json(tree, doc)
    except Exception as exc:  # noqa: BLE001 - bugs in trafilatura's JSON-LD reader
        logger.debug("JSON metadata failed for %s: %r", url, exc)
    if not doc.title:
        doc.title = _markup_title(tree, extract_title(tree))
    if not doc.url:
        doc.url = extract_url(tree, url)
    if date_config is not None:
        doc.date = find_date(tree, url=doc.url, **date_config)
    if not doc.sitename:
        doc.sitename = extract_sitename(tree)
    if doc.sitename:
        doc.sitename = doc.sitename.lstrip("@")
    elif doc.url:
        match = META_URL.match(doc.url)
        if match:
            doc.sitename = match[1]
    return doc


def _markup_title(tree: HtmlElement, found: str | None) -> str | None:
    """trafilatura's title from the markup (no meta tag gave one), except a lone <h1> that
    shares no word with the page's <title>: that <h1> is a logo, a section or a site name
    ("Allergies Health Center", "About This Site"), and <title> names the page."""
    h1s = tree.findall(".//h1")
    if not found or len(h1s) != 1 or " ".join(h1s[0].text_content().split()) != " ".join(found.split()):
        return found
    element = tree.find(".//head//title")
    page_title = " ".join(element.text_content().split()) if element is not None else ""
    if page_title and not shares_words(found, page_title):
        return page_title
    return found


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def shares_words(a: str, b: str) -> bool:
    """Any word in common (case-folded); for Chinese, Japanese and Korean, any two characters in a row."""
    words_a, words_b = set(_WORD.findall(a.casefold())), set(_WORD.findall(b.casefold()))
    if words_a & words_b:
        return True
    if _CJK.search(a) and _CJK.search(b):
        pairs = {a[i : i + 2] for i in range(len(a) - 1) if _CJK.match(a[i])}
        return any(b[i : i + 2] in pairs for i in range(len(b) - 1))
    return False


def page_metadata(tree: HtmlElement, url: str | None, now: datetime) -> PageMeta:
    """Metadata from meta tags, JSON-LD and the markup (trafilatura + htmldate underneath)."""
    today = now.astimezone(timezone.utc).date()
    data = structured_data(tree)
    own_date = published_date(tree, data, None, now)
    # htmldate only when the article's own markup has no date
    date_config = None if own_date is not None else {
        "extensive_search": EXTENSIVE_DATE_SEARCH,
        "original_date": True,
        "outputformat": "%Y-%m-%d",
        "max_date": today.isoformat(),
    }
    try:
        doc = _trafilatura_metadata(tree, url, date_config)
    except Exception as exc:  # noqa: BLE001 - metadata is best effort, the text matters more
        logger.debug("metadata extraction failed for %s: %s", url, exc)
        doc = None
    meta = PageMeta(structured=data, published=own_date, paywalled=is_paywalled(data))
    meta.headings = [" ".join(h.text_content().split()) for h in tree.iter("h1")][:5]
    if doc is None:
        meta.authors = page_authors(tree, data, None, None)
        meta.modified = modified_date(tree, data, meta.published, now)
        return meta
    meta.title = strip_site_suffix(_clean(doc.title), _clean(doc.sitename), meta.headings)
    meta.description = _clean(doc.description)
    meta.site_name = _clean(doc.sitename)
    meta.authors = page_authors(tree, data, meta.site_name, doc.author)
    meta.tags = _dedup(
        part for tag in [*(doc.tags or []), *(doc.categories or [])] for part in str(tag).split(",")
    )
    meta.canonical_url = _canonical(doc.url, url)
    meta.published = own_date or _published(tree, doc.date, now)
    meta.modified = modified_date(tree, data, meta.published, now)
    meta.html_language = html_language(tree)
    return meta


_TITLE_SEPARATOR = re.compile(r"\s+(?:[-|–—:·•]|::)\s+")


def strip_site_suffix(title: str | None, site_name: str | None, headings: list[str]) -> str | None:
    """The headline without the " - Site Name" (or " | Section | Site") that many
    outlets append to <title> and og:title: the part before a separator that is the
    page's own <h1>, else the title without a last part that names the site."""
    if not title:
        return title
    separators = list(_TITLE_SEPARATOR.finditer(title))
    for separator in separators:
        head = title[: separator.start()].strip()
        if head in headings:
            return head
    if separators and site_name:
        last = separators[-1]
        if title[last.end():].strip().casefold() == site_name.casefold():
            return title[: last.start()].strip() or title
    return title


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value or None


def _dedup(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        cleaned = _clean(value)
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return list(seen.values())


def _canonical(found: str | None, url: str | None) -> str | None:
    candidate = urljoin(url, found) if (url and found) else (found or url)
    if not candidate:
        return None
    parts = urlsplit(candidate)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return url if url and urlsplit(url).scheme in ("http", "https") else None
    return candidate


def _published(tree: HtmlElement, found: str | None, now: datetime) -> datetime | None:
    """htmldate's day, refined to a timestamp from the page's own markup when it agrees."""
    if not found:
        return None
    try:
        day = date.fromisoformat(found[:10])
    except ValueError:
        return None
    if day.month == 1 and day.day == 1 and day.year in copyright_years(tree):
        return None  # htmldate's last resort is the copyright year: that is not a publication date
    result = datetime.combine(day, time(0, 0), tzinfo=timezone.utc)
    stamp = _markup_timestamp(tree)
    if stamp is not None and stamp.date() == day:
        result = stamp
    if result > now:
        return None
    return result


def copyright_years(tree: HtmlElement) -> set[int]:
    years = set()
    for text in tree.xpath("//footer//text() | //*[contains(@class,'copyright')]//text() | //body//text()[contains(., '©') or contains(translate(., 'COPYRIGHT', 'copyright'), 'copyright')]"):
        for match in _COPYRIGHT_YEAR.finditer(str(text)):
            years.add(int(match.group(1)))
    return years


def _markup_timestamp(tree: HtmlElement) -> datetime | None:
    """A full publication timestamp from <meta> or JSON-LD, in UTC, if the page gives one."""
    values = tree.xpath(
        "//meta[@property='article:published_time' or @name='article:published_time' or "
        "@itemprop='datePublished' or @name='pubdate' or @name='publishdate']/@content"
        " | //*[@itemprop='datePublished']/@datetime"
    )
    for script in tree.xpath("//script[@type='application/ld+json']/text()")[:10]:
        match = re.search(r'"datePublished"\s*:\s*"([^"]{10,40})"', script)
        if match:
            values.append(match.group(1))
    for value in values:
        value = str(value).strip()
        if not _ISO_TIMESTAMP.match(value):
            continue
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        if stamp.tzinfo is None:
            continue  # a wall-clock time without zone cannot be placed in UTC
        try:
            return stamp.astimezone(timezone.utc)
        except OverflowError:  # 9999-12-31T23:00-01:00 is past year 9999 in UTC
            continue
    return None


def html_language(tree: HtmlElement) -> str | None:
    """The language declared by <html lang>, Content-Language or og:locale (ISO 639 code)."""
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    candidates += tree.xpath("//meta[@http-equiv='content-language' or @http-equiv='Content-Language']/@content")
    candidates += tree.xpath("//meta[@property='og:locale']/@content")
    for value in candidates:
        if not value:
            continue
        match = _LANG.match(str(value).strip().split(",")[0].strip().lower())
        if match:
            return match.group(1)
    return None


@lru_cache(maxsize=1)
def _stopword_index() -> dict[str, tuple[str, ...]]:
    """word -> ISO 639-1 codes whose jusText stoplist has it (built once per process)."""
    from justext import get_stoplist
    from trafilatura.settings import JUSTEXT_LANGUAGES

    index: dict[str, list[str]] = {}
    for code, name in JUSTEXT_LANGUAGES.items():
        if code == "no":
            continue  # same list as "nb"
        try:
            words = get_stoplist(name)
        except ValueError:
            continue
        for word in {w.lower() for w in words}:
            index.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in index.items()}


def detect_language(text: str, declared: str | None) -> str | None:
    """Language of the text by stop-word share (jusText's lists); the declared one breaks near-ties."""
    tokens = _WORD.findall(text[:LANGUAGE_SAMPLE_CHARS])
    if len(tokens) < 20:
        return declared
    index = _stopword_index()
    scores: Counter[str] = Counter()
    for word, n in Counter(map(str.lower, tokens)).items():  # map: lower-cased in C
        for code in index.get(word, ()):
            scores[code] += n
    if not scores:
        return declared
    best, top = scores.most_common(1)[0]
    if declared is not None and declared in scores and scores[declared] >= 0.85 * top:
        return declared
    if top < 0.15 * len(tokens):
        return declared  # no language's function words dominate (e.g. CJK without spaces)
    return best
