"""Value types shared by the WARC writer and reader: record locations, WARC dates, errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from archive.errors import ArchiveError

WARC_VERSION = "1.1"

# WARC/1.1 revisit profiles (section 6.7 of the spec), by their short names.
REVISIT_PROFILES = {
    "identical-payload-digest": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
    "server-not-modified": "http://netpreserve.org/warc/1.1/revisit/server-not-modified",
}


@dataclass(frozen=True)
class RecordLocation:
    """Where one record lives: seek to `offset` in `filename` and read `length` bytes
    (one whole gzip member). `filename` is the final basename, without ".open"."""

    filename: str
    offset: int
    length: int
    record_id: str  # "<urn:uuid:...>"


@dataclass(frozen=True)
class WrittenRecords:
    """What a response or revisit write produced.

    Unpacks as the 3-tuple `(response, request, payload_digest)`; `request` is
    None for a revisit. `block_digest` is the response/revisit record's own.
    """

    response: RecordLocation
    request: RecordLocation | None
    payload_digest: str | None
    block_digest: str

    def __iter__(self) -> Iterator[RecordLocation | str | None]:
        return iter((self.response, self.request, self.payload_digest))


class WarcFormatError(ArchiveError):
    """A WARC file is corrupt, truncated or not a WARC file at all."""

    def __init__(self, file: str, offset: int, reason: str) -> None:
        super().__init__(f"{file}: offset {offset}: {reason}")
        self.file = str(file)
        self.offset = offset
        self.reason = reason


@lru_cache(maxsize=256)  # a capture's records and its article's share one date
def format_warc_date(when: datetime) -> str:
    """WARC-Date with microseconds (WARC/1.1 allows fractions); rejects naive datetimes
    because guessing their zone would silently shift the capture time."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"WARC dates need a timezone-aware datetime, got naive {when!r}")
    # isoformat of a UTC datetime ends in "+00:00"; WARC writes "Z"
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_warc_date(value: str) -> datetime:
    """A WARC-Date (with or without fraction, 'Z' suffix) as a tz-aware UTC datetime."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
