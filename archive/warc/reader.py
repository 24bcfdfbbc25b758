"""Read WARC records back: every record of a file in order, or one record by location.

Damage is reported as WarcFormatError(file, offset, reason) so that callers
(verify, reindex) can log it and go on with the next file.

Why our own gzip member walk (gzipmembers.py) under warcio's record parser, and not
warcio's ArchiveIterator: not speed, damage. Measured with warcio 1.8.1 (Python 3.11.7)
by `python bench/bench_warc_read.py FILE [--damage]` (FILE: the WARC of a demo crawl,
`scrapy crawl topic -a topic=... -a sites=demo`, 517 records, 0.70 MB) and
`python bench/bench_warc_read.py --synthetic 2000` (4001 records, 44.6 MB), reading
offset, length, headers and payload of every record:

- speed is a tie: demo WARC 0.047 CPU-s ours vs 0.043 warcio; synthetic 0.54 vs 0.61.
- a flipped bit inside one response: ours reports its offset, skips to the next whole
  record and reads 516 of 517; warcio stops after 46 with ArchiveLoadFailed, no offset,
  and has no way to resume, so the other 470 records are lost to reindex and verify.
- a file cut inside its last record (a crash): ours reports "truncated gzip member" at
  its offset; warcio yields the cut response as a record (337 payload bytes) without
  an error, even with check_digests="raise": a short page would be indexed as whole.
- garbage appended: both read all 517; ours names the offset, warcio raises without one.

tests/test_warc_reader.py (test_warcio_alone_*) re-checks the two warcio findings, so an
upgrade that fixes them fails there: then re-measure and switch.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warcio.recordloader import ArcWarcRecordLoader

from archive.warc.codings import decode_content
from archive.warc.gzipmembers import MemberError, iter_members, next_member
from archive.warc.httphead import HttpHead, parse_http_head, protocol_from_warc
from archive.warc.naming import OPEN_SUFFIX, WARC_SUFFIX, final_name
from archive.warc.records import RecordLocation, WarcFormatError, parse_warc_date

HTTP_RECORD_TYPES = ("response", "request", "revisit")

# warcio parses the WARC header block (utf-8 with a latin-1 fallback, folded
# lines); the HTTP head we parse ourselves, from bytes, to keep every byte.
_loader = ArcWarcRecordLoader(verify_http=False, arc2warc=False)


@dataclass(frozen=True)
class WarcRecord:
    """One record: its WARC headers, its HTTP head (if it has one) and payload."""

    location: RecordLocation
    rec_type: str
    warc_headers: list[tuple[str, str]]
    http: HttpHead | None
    payload: bytes  # the block after the HTTP head; the whole block otherwise

    def header(self, name: str, default: str | None = None) -> str | None:
        """First value of a WARC header, case-insensitive."""
        wanted = name.lower()
        for key, value in self.warc_headers:
            if key.lower() == wanted:
                return value
        return default

    @property
    def block(self) -> bytes:
        """The record block exactly as stored (what WARC-Block-Digest covers)."""
        return self.http.raw + self.payload if self.http else self.payload

    @property
    def record_id(self) -> str:
        return self.location.record_id

    @property
    def target_uri(self) -> str | None:
        return self.header("WARC-Target-URI")

    @property
    def date(self) -> datetime | None:
        value = self.header("WARC-Date")
        return parse_warc_date(value) if value else None

    @property
    def payload_digest(self) -> str | None:
        return self.header("WARC-Payload-Digest")

    @property
    def block_digest(self) -> str | None:
        return self.header("WARC-Block-Digest")

    @property
    def refers_to(self) -> str | None:
        return self.header("WARC-Refers-To")

    @property
    def ip_address(self) -> str | None:
        return self.header("WARC-IP-Address")

    # --- the archived HTTP response (response and revisit records) ---

    @property
    def protocol(self) -> str | None:
        if self.http is None or not self._is_response():
            return None
        return protocol_from_warc(self.http.protocol, self.header("WARC-Protocol"))

    @property
    def status(self) -> int | None:
        return self.http.status if self.http is not None and self._is_response() else None

    @property
    def reason(self) -> str | None:
        return self.http.reason if self.http is not None and self._is_response() else None

    @property
    def http_headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.http.headers) if self.http else []

    @property
    def raw_payload(self) -> bytes:
        """The body as received: still compressed when Content-Encoding is set."""
        return self.payload

    def decoded_payload(self, max_size: int | None = None) -> bytes:
        """The body with its Content-Encoding undone (see codings.decode_content)."""
        coding = self.http.get(b"Content-Encoding") if self.http else None
        return decode_content(self.payload, coding, max_size=max_size)

    def text(self) -> str:
        """The payload of a conversion or metadata record as text (they are UTF-8)."""
        return self.payload.decode("utf-8")

    def _is_response(self) -> bool:
        return self.http is not None and self.rec_type in ("response", "revisit")


def iter_records(path: str | os.PathLike[str], *, max_record_size: int | None = None,
                 start: int = 0, on_damage: Callable[[WarcFormatError], None] | None = None,
                 ) -> Iterator[WarcRecord]:
    """Every record of one `.warc.gz` (or `.warc.gz.open`) file, in order, from byte `start`.

    Without `on_damage`, raises WarcFormatError at the first damaged record, after
    yielding all the good ones before it. With it, each damaged stretch is reported
    to `on_damage` once (its reason says how many bytes were skipped) and reading
    goes on at the next whole record."""
    path = Path(path)
    filename = final_name(path.name)
    with open(path, "rb") as fh:
        position: int | None = start
        while position is not None:
            fh.seek(position)
            try:
                for member in iter_members(fh, max_member_size=max_record_size):
                    try:
                        yield _parse(str(path), filename, member.offset, member.length,
                                     member.data)
                    except WarcFormatError as exc:
                        if on_damage is None:
                            raise
                        on_damage(exc)  # a whole gzip member, but not a WARC record: next
                return
            except MemberError as exc:
                if on_damage is None:
                    raise WarcFormatError(str(path), exc.offset, exc.reason) from None
                position = next_member(fh, exc.offset)
                end = position if position is not None else os.fstat(fh.fileno()).st_size
                tail = ("to the next whole record" if position is not None
                        else "to the end of the file")
                on_damage(WarcFormatError(
                    str(path), exc.offset,
                    f"{exc.reason}; skipped {end - exc.offset} bytes {tail}"))


def read_record(directory: str | os.PathLike[str], location: RecordLocation) -> WarcRecord:
    """The one record at `location` (falls back to the `.open` file while it is
    still being written). Raises WarcFormatError if what is there does not match."""
    path = Path(directory) / location.filename
    if not path.exists() and (Path(directory) / (location.filename + OPEN_SUFFIX)).exists():
        path = Path(directory) / (location.filename + OPEN_SUFFIX)
    with open(path, "rb") as fh:
        fh.seek(location.offset)
        data = fh.read(location.length)
    if len(data) < location.length:
        raise WarcFormatError(str(path), location.offset,
                              f"file ends {location.length - len(data)} bytes into the record")
    try:
        member = next(iter_members(io.BytesIO(data)), None)
    except MemberError as exc:
        raise WarcFormatError(str(path), location.offset, exc.reason) from None
    if member is None or member.length != location.length:
        raise WarcFormatError(str(path), location.offset,
                              "location does not span exactly one gzip member")
    record = _parse(str(path), location.filename, location.offset, member.length, member.data)
    if location.record_id and record.record_id != location.record_id:
        raise WarcFormatError(str(path), location.offset,
                              f"expected record {location.record_id}, found {record.record_id}")
    return record


def warc_files(directory: str | os.PathLike[str], *, include_open: bool = False) -> list[Path]:
    """The WARC files of a directory in name (= creation time) order."""
    suffixes = (WARC_SUFFIX, WARC_SUFFIX + OPEN_SUFFIX) if include_open else (WARC_SUFFIX,)
    return sorted(p for p in Path(directory).iterdir() if p.name.endswith(suffixes) and p.is_file())


def _parse(file: str, filename: str, offset: int, length: int, data: bytes | None) -> WarcRecord:
    """One decompressed gzip member -> WarcRecord, checking it holds exactly one record."""
    if data is None:  # iter_members keeps the data unless told not to
        raise WarcFormatError(file, offset, "gzip member read without its data")
    stream = io.BytesIO(data)
    try:
        parsed = _loader.parse_record_stream(stream, known_format="warc", no_record_parse=True)
    except EOFError:
        raise WarcFormatError(file, offset, "empty gzip member") from None
    except Exception as exc:  # warcio: ArchiveLoadFailed, parser errors
        raise WarcFormatError(file, offset, f"not a WARC record: {exc}") from None

    declared = parsed.rec_headers.get_header("Content-Length")
    if declared is None or not declared.strip().isdigit():
        raise WarcFormatError(file, offset, "WARC record without a valid Content-Length")
    block = parsed.raw_stream.read()
    if len(block) != int(declared):
        raise WarcFormatError(file, offset,
                              f"record block is {len(block)} bytes, Content-Length says {declared}")
    if data[stream.tell():].strip(b"\r\n"):
        raise WarcFormatError(file, offset, "gzip member holds more than one record")

    record_id = parsed.rec_headers.get_header("WARC-Record-ID") or ""
    http, payload = None, block
    target = parsed.rec_headers.get_header("WARC-Target-URI") or ""
    if parsed.rec_type in HTTP_RECORD_TYPES and target.startswith(("http:", "https:")) and block:
        split = parse_http_head(block)
        if split is None and parsed.rec_type != "revisit":
            raise WarcFormatError(file, offset, "HTTP head is not terminated by a blank line")
        if split is not None:
            http, payload = split
    return WarcRecord(
        location=RecordLocation(filename, offset, length, record_id),
        rec_type=parsed.rec_type or "",
        warc_headers=list(parsed.rec_headers.headers),
        http=http,
        payload=payload,
    )
