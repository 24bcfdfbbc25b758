"""Shared helpers for the tests/test_warc_*.py files (holds no tests itself)."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

from warcio.archiveiterator import ArchiveIterator

from archive.exchange import HttpExchange
from archive.warc.writer import WarcWriter

FETCHED_AT = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)

HTML = (
    "<!doctype html><html><head><meta charset=utf-8><title>Défense</title></head>"
    "<body><article><h1>Défense framework</h1><p>Body text.</p></article></body></html>"
).encode()


def make_exchange(url: str = "https://news.example/world/defence-framework?id=7", **changes):
    fields = dict(
        url=url,
        method="GET",
        request_headers=[
            (b"User-Agent", b"news-archive-test/1.0"),
            (b"Accept", b"text/html,*/*;q=0.8"),
            (b"Accept-Encoding", b"gzip, br"),
        ],
        request_body=b"",
        protocol="HTTP/1.1",
        status=200,
        reason="OK",
        response_headers=[
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Set-Cookie", b"a=1; Path=/"),
            (b"Set-Cookie", b"b=2; Path=/"),
            (b"ETag", b'"v1"'),
        ],
        body=HTML,
        ip_address="192.0.2.10",
        fetched_at=FETCHED_AT,
    )
    fields.update(changes)
    return HttpExchange(**fields)


class FixedWarcWriter(WarcWriter):
    """Deterministic record ids and clock, for whole-record comparisons."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ids = itertools.count(1)

    def _new_record_id(self) -> str:
        return f"<urn:uuid:00000000-0000-4000-8000-{next(self._ids):012d}>"

    def _now(self) -> datetime:
        return datetime(2024, 1, 1, 0, 0, 0, 1000, tzinfo=timezone.utc)


def warcio_records(path):
    """Every record of a file as warcio sees it: (record, offset, length, block bytes),
    with warcio checking the digests as it reads."""
    out = []
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh, check_digests="raise")
        for record in iterator:
            raw = record.raw_stream.read()
            out.append((record, iterator.get_record_offset(), iterator.get_record_length(), raw))
    return out
