"""Publication and modification dates from the article's own markup, before any other date on the page.

Order for ``published`` (the first source that gives a valid date wins):
  1. the article's JSON-LD node ``datePublished`` (not an image's, a teaser's or the
     site's: structured.py picks the node of the article type), else ``dateCreated``;
  2. article <meta> tags (``article:published_time``, ``datePublished``, Dublin Core ...);
  3. the visible dateline: a <time> or itemprop="datePublished" element marked as the
     publication time (its datetime or content attribute, else its text);
  4. htmldate's day (its own heuristics over the whole page) as the last resort.
``modified`` comes from ``dateModified`` / ``article:modified_time`` / ``og:updated_time`` /
an itemprop="dateModified" element and is kept only when it is not on a day before
``published`` (the same day is kept: pages often write the two a few seconds apart).
Dates are ISO 8601, or RFC 2822 as feeds write them ("19 Nov 2019 05:44 GMT"); dates in the
future (after ``now``) are refused. A naive timestamp keeps the day as written (midnight
UTC); a zoned one is in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timezone
from email.utils import parsedate_to_datetime

from lxml.html import HtmlElement

from archive.extract.structured import JsonObject, Structured

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
EARLIEST_YEAR = 1995
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "datepublished", "publishdate", "pubdate",
    "publish-date", "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "date", "dc.date",
)
MODIFIED_META = ("article:modified_time", "og:article:modified_time", "article:modified", "datemodified", "og:updated_time",
                 "dcterms.modified", "last-modified", "lastmod")
_VISIBLE = (
    "//*[@itemprop='datePublished']"
    " | //time[@pubdate][@datetime]"
    " | //time[contains(@class,'publish') or contains(@class,'pubdate') or contains(@class,'dateline')][@datetime]"
)
_VISIBLE_MODIFIED = "//*[@itemprop='dateModified']"


def parse_timestamp(value: object, now: datetime) -> datetime | None:
    """An ISO 8601 date or timestamp as a UTC datetime; None when invalid, too old or in the future."""
    if not isinstance(value, str):
        return None
    stamp = _iso(value) or _rfc2822(value)
    if stamp is None or stamp.year < EARLIEST_YEAR or stamp > now:
        return None
    return stamp


def _iso(value: str) -> datetime | None:
    match = _ISO.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        if hour is None or zone is None:
            stamp = datetime.combine(date(int(year), int(month), int(day)), time(0, 0), tzinfo=timezone.utc)
        else:
            zone = zone if zone == "Z" else zone[:3] + ":" + zone[-2:]
            stamp = datetime.fromisoformat(
                f"{year}-{int(month):02d}-{int(day):02d}T{int(hour):02d}:{minute}:{second or '00'}"
                + ("+00:00" if zone == "Z" else zone)
            ).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # OverflowError: 9999-12-31T23:00-01:00 is past year 9999 in UTC
        return None
    return stamp


def _rfc2822(value: str) -> datetime | None:
    """'Tue, 19 Nov 2019 05:44:00 +0100', '19 Nov 2019 05:44 GMT' (dates as e-mail and RSS write them)."""
    if not value[:1].isalnum():
        return None
    try:
        stamp = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if stamp.tzinfo is None:  # "-0000": the zone is unknown, the day is as written
        return datetime.combine(stamp.date(), time(0, 0), tzinfo=timezone.utc)
    try:
        return stamp.astimezone(timezone.utc)
    except OverflowError:
        return None


def _first(values: Iterable[object], now: datetime) -> datetime | None:
    for value in values:
        stamp = parse_timestamp(value, now)
        if stamp is not None:
            return stamp
    return None


def _node_values(node: JsonObject | None, *keys: str) -> list[object]:
    if not node:
        return []
    values: list[object] = []
    for key in keys:
        value = node.get(key)
        values.extend(value if isinstance(value, list) else [value])
    return values


def published_date(tree: HtmlElement, data: Structured, htmldate_day: str | None, now: datetime) -> datetime | None:
    stamp = _first(_node_values(data.article, "datePublished", "dateCreated"), now)
    if stamp is None:
        stamp = _first((v for key in PUBLISHED_META for v in data.meta.get(key, ())), now)
    if stamp is None:
        stamp = _first((_element_value(element) for element in tree.xpath(_VISIBLE)[:5]), now)
    if stamp is None and htmldate_day:
        stamp = parse_timestamp(htmldate_day, now)
    return stamp


def modified_date(tree: HtmlElement, data: Structured, published: datetime | None, now: datetime) -> datetime | None:
    stamp = _first(_node_values(data.article, "dateModified"), now)
    if stamp is None:
        stamp = _first((v for key in MODIFIED_META for v in data.meta.get(key, ())), now)
    if stamp is None:
        stamp = _first((_element_value(element) for element in tree.xpath(_VISIBLE_MODIFIED)[:5]), now)
    if stamp is None or (published is not None and stamp.date() < published.date()):
        return None  # a day before the publication: another page's, or a template's
    return stamp


def _element_value(element: HtmlElement) -> str:
    """A marked-up date: its datetime or content attribute, else its text."""
    return str(element.get("datetime") or element.get("content") or element.text_content()).strip()


def is_paywalled(data: Structured) -> bool:
    """True when the page marks its text as not free (schema.org isAccessibleForFree, content tier)."""
    nodes = [data.article] if data.article else []
    if data.article:
        parts = data.article.get("hasPart")
        nodes.extend(p for p in (parts if isinstance(parts, list) else [parts]) if isinstance(p, dict))
    for node in nodes:
        value = node.get("isAccessibleForFree")
        if value is False or (isinstance(value, str) and value.strip().casefold() in ("false", "no", "0")):
            return True
    tier = (data.meta_first("article:content_tier") or "").casefold()
    return tier in ("locked", "premium", "paid")
