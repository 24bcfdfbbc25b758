"""Walk the gzip members of a `.warc.gz`: exact boundaries, strict about damage.

Each WARC record is its own gzip member, so member boundaries are record
boundaries. zlib tells us precisely where a member ends (`eof` +
`unused_data`), which is what both the reader (offsets) and crash recovery
(where the last complete record ends) need. A member that stops before its
gzip trailer is reported as truncated, never passed off as a short record.

warcio's ArchiveIterator does neither (it yields a cut record as whole and cannot go on
past a corrupt member); the measurements are in archive/warc/reader.py's docstring.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
_READ = 1 << 16


@dataclass(frozen=True)
class Member:
    offset: int
    length: int  # compressed bytes, header and trailer included
    data: bytes | None  # decompressed bytes, or None when not kept


class MemberError(Exception):
    """The stream stops being valid gzip at `offset` (start of the bad member)."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason


def iter_members(fh: BinaryIO, *, keep_data: bool = True,
                 max_member_size: int | None = None) -> Iterator[Member]:
    """Yield each gzip member from the current position of `fh` to its end.

    Raises MemberError at the first member that is not gzip, is corrupt, is cut
    off, or (with `max_member_size`) decompresses to more than that many bytes.
    """
    offset = fh.tell()
    pending = b""
    while True:
        while len(pending) < len(GZIP_MAGIC):
            more = fh.read(_READ)
            if not more:
                break
            pending += more
        if not pending:
            return
        if not pending.startswith(GZIP_MAGIC):
            raise MemberError(
                offset, "not gzip data (each WARC record must be its own gzip member)")

        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parts: list[bytes] = []
        size = 0
        consumed = 0
        while True:
            try:
                out = decompressor.decompress(pending)
            except zlib.error as exc:
                raise MemberError(offset, f"corrupt gzip data: {exc}") from None
            size += len(out)
            if max_member_size is not None and size > max_member_size:
                raise MemberError(offset, f"record larger than {max_member_size} bytes")
            if keep_data:
                parts.append(out)
            if decompressor.eof:
                leftover = decompressor.unused_data
                consumed += len(pending) - len(leftover)
                pending = leftover
                break
            consumed += len(pending)
            pending = fh.read(_READ)
            if not pending:
                raise MemberError(offset, f"truncated gzip member ({consumed} bytes, no end)")
        yield Member(offset, consumed, b"".join(parts) if keep_data else None)
        offset += consumed


MEMBER_START = GZIP_MAGIC + b"\x08"  # gzip magic + deflate: where a record can begin


def next_member(fh: BinaryIO, after: int) -> int | None:
    """The offset of the first whole gzip member that starts after byte `after`, or None.

    Used to go on past damage: each candidate start (gzip magic) is tried by
    decompressing one member from it, so that a magic number inside compressed
    data is passed over."""
    position = after + 1
    while True:
        fh.seek(position)
        window = fh.read(_READ)
        if not window:
            return None
        found = window.find(MEMBER_START)
        if found < 0:
            # keep the last bytes: a start may straddle two windows
            position += max(1, len(window) - len(MEMBER_START) + 1)
            continue
        start = position + found
        fh.seek(start)
        try:
            next(iter_members(fh, keep_data=False), None)
        except MemberError:
            position = start + 1
            continue
        return start
