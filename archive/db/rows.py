"""The rows the index writer takes: one frozen dataclass per table, named like its columns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class CrawlRow:
    crawl_id: str
    spider: str
    topic: str
    sites: list[Any]
    settings_digest: str
    started_at: datetime
    finished_at: datetime | None = None
    stats: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CaptureRow:
    record_id: str
    record_type: str  # "response" | "revisit"
    url: str
    canonical_url: str
    site: str | None = None
    fetched_at: datetime
    status: int | None = None
    content_type: str | None = None
    warc_filename: str
    warc_offset: int
    warc_length: int
    payload_digest: str | None = None
    block_digest: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    ip_address: str | None = None
    crawl_id: str | None = None
    content_hash: str | None = None
    refers_to_record_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DerivedRecordRow:
    record_id: str
    capture_record_id: str
    kind: str  # "conversion" | "metadata"
    warc_filename: str
    warc_offset: int
    warc_length: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ArticleRow:
    content_hash: str
    title: str | None = None
    authors: list[Any] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    paywalled: bool = False
    language: str | None = None
    text: str
    canonical_url: str | None = None
    site_name: str | None = None
    description: str | None = None
    tags: list[Any] = field(default_factory=list)
    first_seen: datetime
    last_seen: datetime
    first_site: str | None = None
    first_url: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TopicMatchRow:
    query: str
    content_hash: str
    score: float
    crawl_id: str | None = None


def field_names(row_class: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(row_class))


CRAWL_FIELDS = field_names(CrawlRow)
CAPTURE_FIELDS = field_names(CaptureRow)
DERIVED_FIELDS = field_names(DerivedRecordRow)
ARTICLE_FIELDS = field_names(ArticleRow)
