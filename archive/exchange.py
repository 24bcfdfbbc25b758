"""Plain data passed between the crawler and the archive: one HTTP exchange and what became of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archive.warc.records import RecordLocation

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class HttpExchange:
    """A request and its response as they crossed the wire (body not decompressed)."""

    url: str
    method: str
    request_headers: Headers
    request_body: bytes
    protocol: str  # "HTTP/1.1", "HTTP/1.0", "HTTP/2"
    status: int
    reason: str
    response_headers: Headers
    body: bytes
    ip_address: str | None
    fetched_at: datetime  # tz-aware UTC


@dataclass(frozen=True)
class CaptureRef:
    """Where a response or revisit record went, and what the index needs to link to it."""

    record_id: str
    url: str
    fetched_at: datetime
    location: RecordLocation
    payload_digest: str | None
    record_type: str = "response"  # or "revisit"
    refers_to_record_id: str | None = None
    content_hash: str | None = None  # set for revisits of a known article


@dataclass(frozen=True)
class PreviousCapture:
    """The latest capture of a URL: what a conditional request and a revisit need."""

    record_id: str
    url: str
    fetched_at: datetime
    status: int | None
    etag: str | None
    last_modified: str | None
    payload_digest: str | None
    content_hash: str | None


@dataclass(frozen=True)
class TopicMatch:
    query: str
    score: float


@dataclass(frozen=True)
class StoredResponse:
    """An archived HTTP response read back from its WARC record."""

    url: str
    protocol: str
    status: int
    reason: str
    headers: Headers
    raw_body: bytes  # as received: still compressed if Content-Encoding was set
    body: bytes  # content-decoded
    extra: dict[str, Any] = field(default_factory=dict)
