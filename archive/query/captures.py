"""Captures and the records derived from them: lookups by record id, URL (canonicalised), article or crawl."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archive.db.dialects import backend
from archive.db.models import captures, derived_records
from archive.db.rows import DERIVED_FIELDS, DerivedRecordRow
from archive.query.source import connection
from archive.urls import canonical_url


@dataclass
class CaptureInfo:
    """Where and when one response (or revisit) was archived, and what it carried."""

    record_id: str
    record_type: str
    url: str
    canonical_url: str
    site: str | None
    fetched_at: datetime
    status: int | None
    content_type: str | None
    warc_filename: str
    warc_offset: int
    warc_length: int
    payload_digest: str | None
    crawl_id: str | None
    content_hash: str | None
    refers_to_record_id: str | None
    block_digest: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    ip_address: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


CAPTURE_INFO_FIELDS = tuple(f.name for f in fields(CaptureInfo))
_COLUMNS = tuple(captures.columns[name] for name in CAPTURE_INFO_FIELDS)
_NEWEST_FIRST = (captures.c.fetched_at.desc(), captures.c.id.desc())


def _info(row: sa.RowMapping) -> CaptureInfo:
    return CaptureInfo(**row)


def _of_url(url: str) -> sa.ColumnElement[bool]:
    """A capture of ``url``: at that exact URL or at its canonical form."""
    return sa.or_(captures.c.url == url, captures.c.canonical_url == canonical_url(url))


def iter_captures(
    source: Any,
    *,
    url: str | None = None,
    content_hash: str | None = None,
    site: str | None = None,
    crawl_id: str | None = None,
    batch_size: int = 1000,
) -> Iterator[CaptureInfo]:
    """Captures, oldest first, optionally only those of a URL, an article, a site or a crawl."""
    stmt = sa.select(*_COLUMNS).order_by(captures.c.fetched_at, captures.c.id)
    if url is not None:
        stmt = stmt.where(_of_url(url))
    if content_hash is not None:
        stmt = stmt.where(captures.c.content_hash == content_hash)
    if site is not None:
        stmt = stmt.where(sa.func.lower(captures.c.site) == site.lower())
    if crawl_id is not None:
        stmt = stmt.where(captures.c.crawl_id == crawl_id)
    with connection(source) as conn:
        for row in conn.execute(stmt.execution_options(yield_per=batch_size)).mappings():
            yield _info(row)


def capture(source: Any, record_id: str) -> CaptureInfo | None:
    """The capture whose WARC record id is ``record_id``."""
    with connection(source) as conn:
        row = conn.execute(
            sa.select(*_COLUMNS).where(captures.c.record_id == record_id)
        ).mappings().first()
    return _info(row) if row is not None else None


def latest_capture(source: Any, url: str) -> CaptureInfo | None:
    """The newest capture of ``url`` (exact or canonical form); ties go to the one indexed last."""
    with connection(source) as conn:
        row = conn.execute(
            sa.select(*_COLUMNS).where(_of_url(url)).order_by(*_NEWEST_FIRST).limit(1)
        ).mappings().first()
    return _info(row) if row is not None else None


def capture_states(source: Any, *, batch_size: int = 1000) -> Iterator[CaptureInfo]:
    """The latest capture of every canonical URL (streamed, in no particular order).

    Ties on fetched_at go to the capture indexed last. An incremental crawl
    starts from these.
    """
    with connection(source) as conn:
        stmt = backend(conn).latest_per(_COLUMNS, captures.c.canonical_url, _NEWEST_FIRST)
        for row in conn.execute(stmt.execution_options(yield_per=batch_size)).mappings():
            yield _info(row)


def iter_derived(source: Any, *, batch_size: int = 1000) -> Iterator[DerivedRecordRow]:
    """Every conversion and metadata record, in insertion order (streamed)."""
    stmt = (
        sa.select(*(derived_records.c[name] for name in DERIVED_FIELDS))
        .order_by(derived_records.c.id)
    )
    with connection(source) as conn:
        for row in conn.execute(stmt.execution_options(yield_per=batch_size)).mappings():
            yield DerivedRecordRow(**row)
