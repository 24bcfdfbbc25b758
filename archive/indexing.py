"""From WARC records to index rows: one mapping shared by live crawls and `reindex`.

The live path and the rebuild path both go through these functions with values
that come from the record itself (headers as written, the metadata JSON, the
conversion text), which is what makes a reindexed database equal the live one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from archive.db.rows import ArticleRow, CaptureRow, CrawlRow, DerivedRecordRow, TopicMatchRow
from archive.exchange import TopicMatch
from archive.sites import SiteRegistry
from archive.text import content_hash as hash_text
from archive.urls import canonical_url
from archive.warc.records import RecordLocation

Headers = list[tuple[bytes, bytes]]

CRAWL_URN = "urn:crawl:"


def header_value(headers: Headers, name: str) -> str | None:
    """First value of an HTTP header as text (latin-1 keeps any byte), case-insensitive."""
    wanted = name.lower().encode("ascii")
    for key, value in headers:
        if key.lower() == wanted:
            return value.decode("latin-1").strip()
    return None


def json_safe(value: Any) -> Any:
    """What a JSON round trip makes of a value: the form both paths store.

    A value that the round trip would give back unchanged (plain str, int,
    float, bool, None, lists of them, dicts with str keys in sorted order) is
    returned as it is, without the round trip."""
    if _json_plain(value):
        return value
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _json_safe_object(fields: dict[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = json_safe(fields)  # a dict with str keys stays one
    return safe


def _json_plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return True
    if kind is list:
        return all(_json_plain(item) for item in value)
    if kind is dict:
        keys = list(value)
        return (all(type(key) is str for key in keys) and keys == sorted(keys)
                and all(_json_plain(item) for item in value.values()))
    return False


def capture_row(
    *,
    location: RecordLocation,
    record_type: str,
    url: str,
    fetched_at: datetime,
    status: int | None,
    http_headers: Headers,
    payload_digest: str | None,
    block_digest: str | None,
    ip_address: str | None,
    crawl_id: str | None,
    sites: SiteRegistry,
    refers_to_record_id: str | None = None,
    content_hash: str | None = None,
) -> CaptureRow:
    return CaptureRow(
        record_id=location.record_id,
        record_type=record_type,
        url=url,
        canonical_url=canonical_url(url),
        site=sites.name_for(url),
        fetched_at=fetched_at,
        status=status,
        content_type=header_value(http_headers, "Content-Type"),
        warc_filename=location.filename,
        warc_offset=location.offset,
        warc_length=location.length,
        payload_digest=payload_digest,
        block_digest=block_digest,
        etag=header_value(http_headers, "ETag"),
        last_modified=header_value(http_headers, "Last-Modified"),
        ip_address=ip_address,
        crawl_id=crawl_id,
        content_hash=content_hash,
        refers_to_record_id=refers_to_record_id,
    )


def derived_row(location: RecordLocation, capture_record_id: str, kind: str) -> DerivedRecordRow:
    return DerivedRecordRow(
        record_id=location.record_id,
        capture_record_id=capture_record_id,
        kind=kind,
        warc_filename=location.filename,
        warc_offset=location.offset,
        warc_length=location.length,
    )


def article_metadata(result: Any, text: str, *, topics: list[TopicMatch], crawl_id: str | None,
                     content_hash: str | None = None) -> dict[str, Any]:
    """The JSON of an article's metadata record (kind "article").

    `content_hash` is the text's `archive.text.content_hash` if the caller has it."""
    published = getattr(result, "published", None)
    modified = getattr(result, "modified", None)
    return _json_safe_object(
        {  # keys in sorted order, so that a plain dict needs no JSON round trip
            "authors": list(getattr(result, "authors", None) or []),
            "canonical_url": getattr(result, "canonical_url", None),
            "content_hash": content_hash or hash_text(text),
            "crawl_id": crawl_id,
            "description": getattr(result, "description", None),
            "kind": "article",
            "language": getattr(result, "language", None),
            "modified": modified.isoformat() if modified else None,
            "paywalled": bool(getattr(result, "paywalled", False)),
            "published": published.isoformat() if published else None,
            "site_name": getattr(result, "site_name", None),
            "tags": list(getattr(result, "tags", None) or []),
            "title": getattr(result, "title", None),
            "topics": [{"query": t.query, "score": float(t.score)} for t in topics],
        }
    )


def article_rows(
    fields: dict[str, Any], text: str, *, url: str, fetched_at: datetime, sites: SiteRegistry
) -> tuple[ArticleRow, list[TopicMatchRow]]:
    """Rows for one article from its metadata JSON and conversion text."""
    digest = fields.get("content_hash") or hash_text(text)
    published = fields.get("published")
    modified = fields.get("modified")
    article = ArticleRow(
        content_hash=digest,
        title=fields.get("title"),
        authors=list(fields.get("authors") or []),
        published=datetime.fromisoformat(published) if published else None,
        modified=datetime.fromisoformat(modified) if modified else None,
        paywalled=bool(fields.get("paywalled")),
        language=fields.get("language"),
        text=text,
        canonical_url=fields.get("canonical_url"),
        site_name=fields.get("site_name"),
        description=fields.get("description"),
        tags=list(fields.get("tags") or []),
        first_seen=fetched_at,
        last_seen=fetched_at,
        first_site=sites.name_for(url),
        first_url=url,
    )
    matches = [
        TopicMatchRow(
            query=topic["query"],
            content_hash=digest,
            score=float(topic["score"]),
            crawl_id=fields.get("crawl_id"),
        )
        for topic in fields.get("topics") or []
    ]
    return article, matches


def crawl_start_metadata(
    *, crawl_id: str, spider: str, topic: str | None, sites: list[dict[str, Any]], settings_digest: str,
    started_at: datetime,
) -> dict[str, Any]:
    return _json_safe_object(
        {
            "kind": "crawl-start",
            "crawl_id": crawl_id,
            "spider": spider,
            "topic": topic or "",
            "sites": sites,
            "settings_digest": settings_digest,
            "started_at": started_at.isoformat(),
        }
    )


def crawl_end_metadata(
    *, crawl_id: str, finished_at: datetime, stats: dict[str, Any]
) -> dict[str, Any]:
    return _json_safe_object(
        {
            "kind": "crawl-end",
            "crawl_id": crawl_id,
            "finished_at": finished_at.isoformat(),
            "stats": stats,
        }
    )


def crawl_row(fields: dict[str, Any]) -> CrawlRow:
    return CrawlRow(
        crawl_id=fields["crawl_id"],
        spider=fields["spider"],
        topic=fields.get("topic") or "",
        sites=fields.get("sites") or [],
        settings_digest=fields.get("settings_digest") or "",
        started_at=datetime.fromisoformat(fields["started_at"]),
        finished_at=None,
        stats=None,
    )
