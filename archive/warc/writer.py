"""Rolling WARC/1.1 writer: one gzip member per record, warcinfo first, `.open` until closed.

Built on warcio's records and writer (header block, Content-Length, record
layout). The sha1/base32 block and payload digests that replay tools check
are computed here, once per record from the bytes in hand, and handed to
warcio in the record's headers, so that warcio does not read each payload
twice more to compute them (it skips digests a record already carries).
"""

from __future__ import annotations

import fcntl
import functools
import importlib.metadata
import io
import json
import logging
import os
import random
import socket
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from isal import isal_zlib
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter as _WarcioWriter

from archive.warc.digests import sha1_digest
from archive.warc.httphead import (
    request_head,
    response_head,
    status_line_protocol,
)
from archive.warc.naming import OPEN_SUFFIX, PENDING_SUFFIX, warc_filename
from archive.warc.records import (
    REVISIT_PROFILES,
    WARC_VERSION,
    RecordLocation,
    WrittenRecords,
    format_warc_date,
)

if TYPE_CHECKING:
    from archive.exchange import HttpExchange

logger = logging.getLogger(__name__)

#: A record's WARC headers, in writing order (None: WARC-Warcinfo-ID before the first file).
WarcFields = dict[str, str | None]

WARC_FORMAT = "WARC File Format 1.1"
WARC_CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

# Paths of files that writers in this process have open: recovery must leave them alone.
_open_paths: set[str] = set()
_open_paths_lock = threading.Lock()


def open_in_this_process(path: str | os.PathLike[str]) -> bool:
    with _open_paths_lock:
        return os.path.abspath(path) in _open_paths


@functools.lru_cache(maxsize=1)
def _software() -> str:
    try:
        ours = importlib.metadata.version("news-archive")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        # the package object exists (we are inside it) even while it initialises
        ours = getattr(sys.modules.get("archive"), "__version__", "unknown")
    return f"news-archive/{ours} warcio/{importlib.metadata.version('warcio')}"


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def metadata_payload(fields: dict[str, Any]) -> bytes:
    """The block of a metadata record: `fields` as JSON (UTF-8, sorted keys)."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True,
                      default=_json_default).encode("utf-8")


# Record types that carry no WARC-Payload-Digest of their own (as warcio's builder).
_NO_PAYLOAD_DIGEST = _WarcioWriter.NO_PAYLOAD_DIGEST_TYPES
_EMPTY_DIGEST = sha1_digest(b"")  # e.g. every GET request's payload


class _RawHttpHead(StatusAndHeaders):
    """A warcio StatusAndHeaders that serialises to the exact bytes it was built from.

    warcio re-encodes HTTP headers as ASCII and percent-encodes anything else
    (RFC 8187) when writing; a latin-1 or raw UTF-8 header would then differ
    from what the server sent. Here the block is written byte for byte. Kept for
    correctness, not speed: warcio has no option to write an HTTP head verbatim;
    `compute_headers_buffer` is the hook its writer calls to serialise one."""

    def __init__(self, raw: bytes) -> None:
        first = raw.split(b"\r\n", 1)[0].decode("latin-1")
        protocol, _, statusline = first.partition(" ")
        super().__init__(statusline or first, [], protocol=protocol)
        self.headers_buff = raw

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        pass  # keep the raw bytes set in __init__


class _GzipMembers:
    """File wrapper for warcio: collects a record's writes and, on flush() (which
    warcio calls once at the end of each record), compresses them in one call
    into one gzip member. Nothing of a record reaches the file before its end;
    the writer hands the file's buffer to the OS once per public call.

    `position` is the file's size as written through here: the file is unbuffered, so
    its own tell() is a system call, three per record (0.08 ms a page in bench_archive)."""

    def __init__(self, fh: BinaryIO, level: int) -> None:
        self.fh = fh
        self.level = level
        self._parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> None:
        self._parts.append(data)

    def flush(self) -> None:
        if self._parts:
            data = b"".join(self._parts)
            self._parts = []
            member = isal_zlib.compress(data, self.level, 16 + isal_zlib.MAX_WBITS)
            _write_all(self.fh, member)  # on failure the caller rolls back, position with it
            self.position += len(member)

    def reset(self) -> None:
        self._parts = []


@dataclass
class _OpenFile:
    """The WARC file being written: its handle and names, and the writers on top of it."""

    fh: BinaryIO
    name: str  # final basename
    path: Path  # `<name>.open` while written
    out: _GzipMembers
    warcio: Any  # warcio's WARCWriter (untyped)


class WarcWriter:
    """Writes records to `{directory}/{prefix}-{UTC ms stamp}-{serial}-{node}-{pid}.warc.gz`.

    A file is created (as `<name>.open`) on the first write, starts with a
    warcinfo record, and is fsynced and renamed to `<name>` when it reaches
    `max_size` bytes or on close(). Rotation happens between calls only, so the
    records of one call (response + request) always share a file. Thread-safe.

    The lease: an exclusive `flock` on the `.open` file, taken before the file
    appears under that name and held until it is renamed. The kernel drops it when
    the process ends in any way (SIGKILL included), so `recover()` can tell a live
    writer's file (locked) from an abandoned one, across processes and, on file
    systems with working locks (local disks, NFSv4, CephFS, Lustre), across hosts.

    `node_id` goes into the file name (default: the host name); `hostname` into warcinfo.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        prefix: str = "archive",
        max_size: int = 1_000_000_000,
        warcinfo_fields: dict[str, Any] | None = None,
        hostname: str | None = None,
        *,
        compress_level: int = 2,
        node_id: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo_fields = dict(warcinfo_fields or {})
        self.hostname = hostname or socket.gethostname()
        self.node_id = node_id or self.hostname
        # Standard gzip members made by ISA-L (isal): its level 2 compresses HTML
        # ~15x faster than warcio's zlib level 9 and ~6x faster than zlib 6, for
        # files ~15% larger. Compression dominated the write path, and the archive
        # must keep up with >= 1,000 pages/s on one core. ISA-L levels are 0-3.
        self.compress_level = max(0, min(3, compress_level))
        self._serial = 0
        self._lock = threading.Lock()
        self._closed = False
        self._file: _OpenFile | None = None
        self._warcinfo_id: str | None = None

    # --- public API ---

    @property
    def current_filename(self) -> str | None:
        """Final basename of the file being written, None between files."""
        return self._file.name if self._file is not None else None

    def write_exchange(self, exchange: HttpExchange) -> WrittenRecords:
        """Response record (raw status line, headers, body) + concurrent request record.

        Unpacks as `(response_loc, request_loc, payload_digest)`."""
        response_id, request_id = self._new_record_id(), self._new_record_id()
        date_ = format_warc_date(exchange.fetched_at)
        protocol, warc_protocol = status_line_protocol(exchange.protocol)

        response_fields = self._fields("response", response_id, date_, exchange.url)
        if exchange.ip_address:
            response_fields["WARC-IP-Address"] = exchange.ip_address
        if warc_protocol:
            response_fields["WARC-Protocol"] = warc_protocol
        response_fields["WARC-Concurrent-To"] = request_id
        request_fields = self._fields("request", request_id, date_, exchange.url)
        if exchange.ip_address:
            request_fields["WARC-IP-Address"] = exchange.ip_address
        request_fields["WARC-Concurrent-To"] = response_id

        with self._writing():
            response = self._build(
                exchange.url, "response", response_fields,
                head=response_head(protocol, exchange.status, exchange.reason,
                                   exchange.response_headers),
                payload=exchange.body,
            )
            request = self._build(
                exchange.url, "request", request_fields,
                head=request_head(exchange.method, exchange.url, protocol,
                                  exchange.request_headers),
                payload=exchange.request_body or b"",
            )
            response_loc = self._write(response, response_id)
            request_loc = self._write(request, request_id)
        return WrittenRecords(
            response=response_loc,
            request=request_loc,
            payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
            block_digest=response.rec_headers.get_header("WARC-Block-Digest"),
        )

    def write_revisit(
        self,
        exchange: HttpExchange,
        profile: str,
        refers_to_record_id: str,
        refers_to_target_uri: str,
        refers_to_date: datetime | str,
        payload_digest: str | None,
    ) -> WrittenRecords:
        """A revisit: HTTP status line + headers of `exchange`, no body.

        `profile` is "identical-payload-digest" (needs `payload_digest`) or
        "server-not-modified" (digest of the earlier payload if known). Replay
        tools find the body through WARC-Refers-To-Target-URI/-Date and the
        payload digest, so all of them are written."""
        profile_uri = REVISIT_PROFILES.get(profile, profile)
        if profile_uri not in REVISIT_PROFILES.values():
            raise ValueError(f"unknown revisit profile {profile!r}")
        if profile_uri == REVISIT_PROFILES["identical-payload-digest"] and not payload_digest:
            raise ValueError("an identical-payload-digest revisit needs the payload digest")
        if isinstance(refers_to_date, datetime):
            refers_to_date = format_warc_date(refers_to_date)

        record_id = self._new_record_id()
        protocol, warc_protocol = status_line_protocol(exchange.protocol)
        fields = self._fields("revisit", record_id, format_warc_date(exchange.fetched_at),
                              exchange.url)
        if exchange.ip_address:
            fields["WARC-IP-Address"] = exchange.ip_address
        if warc_protocol:
            fields["WARC-Protocol"] = warc_protocol
        fields["WARC-Profile"] = profile_uri
        fields["WARC-Refers-To"] = refers_to_record_id
        fields["WARC-Refers-To-Target-URI"] = refers_to_target_uri
        fields["WARC-Refers-To-Date"] = refers_to_date
        if payload_digest:
            fields["WARC-Payload-Digest"] = payload_digest

        with self._writing():
            record = self._build(
                exchange.url, "revisit", fields,
                head=response_head(protocol, exchange.status, exchange.reason,
                                   exchange.response_headers),
                payload=b"",
            )
            location = self._write(record, record_id)
        return WrittenRecords(
            response=location,
            request=None,
            payload_digest=payload_digest,
            block_digest=record.rec_headers.get_header("WARC-Block-Digest"),
        )

    def write_conversion(self, url: str, refers_to: str, text: str,
                         date: datetime) -> RecordLocation:
        """The clean text of a captured page (text/plain; charset=utf-8)."""
        return self._write_derived("conversion", url, refers_to, text.encode("utf-8"),
                                   "text/plain; charset=utf-8", date)

    def write_metadata(self, url: str, refers_to: str | None, fields: dict[str, Any],
                       date: datetime) -> RecordLocation:
        """A JSON object about a capture, or about the crawl when `refers_to` is None
        (then `url` is e.g. "urn:crawl:<crawl_id>")."""
        return self._write_derived("metadata", url, refers_to, metadata_payload(fields),
                                   "application/json", date)

    def write_article(self, url: str, refers_to: str, text: str, fields: dict[str, Any],
                      date: datetime) -> tuple[RecordLocation, RecordLocation]:
        """`write_conversion` + `write_metadata` for one capture in one call (one
        lock, one hand-over to the OS, both records in the same file).
        Returns (conversion, metadata)."""
        date_ = format_warc_date(date)
        body = text.encode("utf-8")
        payload = metadata_payload(fields)
        with self._writing():
            conversion = self._derived_record("conversion", url, refers_to, body,
                                              "text/plain; charset=utf-8", date_)
            metadata = self._derived_record("metadata", url, refers_to, payload,
                                            "application/json", date_)
        return conversion, metadata

    def close(self) -> None:
        """Finish the current file (fsync, rename). Further writes raise ValueError."""
        with self._lock:
            self._closed = True
            self._finish_file()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- hooks (tests fix these for deterministic records) ---

    def _new_record_id(self) -> str:
        return f"<urn:uuid:{_random_uuid()}>"

    def _now(self) -> datetime:
        return datetime.now(timezone.utc)

    # --- records ---

    def _fields(self, rec_type: str, record_id: str, date_: str, url: str) -> WarcFields:
        # WARC-Type first, then the headers every index needs, in a stable order.
        return {
            "WARC-Type": rec_type,
            "WARC-Record-ID": record_id,
            "WARC-Date": date_,
            "WARC-Target-URI": url,
        }

    def _build(self, url: str, rec_type: str, fields: WarcFields, *, payload: bytes,
               head: bytes | None = None, content_type: str | None = None) -> Any:
        """warcio's record with all its headers, digests included.

        The headers come out exactly as warcio's create_warc_record + write_record
        make them when left to compute the digests (same names, same order: ours,
        then WARC-Payload-Digest, WARC-Block-Digest, Content-Type, Content-Length);
        given the digests, warcio does not read the payload to compute them, and
        it fills in Content-Length when writing."""
        fields["WARC-Warcinfo-ID"] = self._warcinfo_id
        if rec_type not in _NO_PAYLOAD_DIGEST:
            payload_digest = sha1_digest(payload) if payload else _EMPTY_DIGEST
            fields["WARC-Payload-Digest"] = payload_digest
        else:
            payload_digest = None
        if head is None:
            fields["WARC-Block-Digest"] = payload_digest or sha1_digest(payload)
        else:  # HTTP head + payload (a revisit's payload is empty)
            fields["WARC-Block-Digest"] = sha1_digest(head, payload)
        content_type = content_type or _WarcioWriter.WARC_RECORDS.get(
            rec_type, "application/warc-record")
        fields["Content-Type"] = content_type
        fields["Content-Length"] = ""  # set by warcio's writer
        warcio = self._open().warcio
        return warcio.create_warc_record(
            url, rec_type,
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type=content_type,
            warc_headers=StatusAndHeaders("", list(fields.items()), protocol=warcio.warc_version),
            http_headers=_RawHttpHead(head) if head is not None else None,
        )

    def _write_derived(self, rec_type: str, url: str, refers_to: str | None,
                       payload: bytes, content_type: str, date_: datetime) -> RecordLocation:
        date_text = format_warc_date(date_)
        with self._writing():
            return self._derived_record(rec_type, url, refers_to, payload, content_type,
                                        date_text)

    def _derived_record(self, rec_type: str, url: str, refers_to: str | None, payload: bytes,
                        content_type: str, date_: str) -> RecordLocation:
        record_id = self._new_record_id()
        fields = self._fields(rec_type, record_id, date_, url)
        if refers_to:
            fields["WARC-Refers-To"] = refers_to
        record = self._build(url, rec_type, fields, payload=payload, content_type=content_type)
        return self._write(record, record_id)

    def _write(self, record: Any, record_id: str) -> RecordLocation:  # warcio's record
        file = self._open()
        start = file.out.position
        file.warcio.write_record(record)
        return RecordLocation(file.name, start, file.out.position - start, record_id)

    # --- files ---

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One public write: lock, open a file if needed, roll back on failure,
        rotate afterwards (never in the middle of a call)."""
        with self._lock:
            if self._closed:
                raise ValueError("WarcWriter is closed")
            file = self._file if self._file is not None else self._open_file()
            start = file.out.position
            try:
                yield
                # hand the call's records to the OS: a crash of this process loses nothing
                file.fh.flush()
            except BaseException:
                self._roll_back(file, start)
                raise
            if file.out.position >= self.max_size:
                self._finish_file()

    def _open(self) -> _OpenFile:
        """The file being written (inside `_writing`, there always is one)."""
        if self._file is None:
            raise RuntimeError("no WARC file is open: write inside _writing()")
        return self._file

    def _open_file(self) -> _OpenFile:
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(1000):
            name = warc_filename(self.prefix, self._now(), self._serial, self.node_id, os.getpid())
            self._serial += 1
            final, partial = self.directory / name, self.directory / (name + OPEN_SUFFIX)
            if final.exists() or partial.exists():
                continue
            # Created under a name recovery never looks at, locked, then renamed to
            # `.open`: no other process ever sees an unlocked `.open` file of ours.
            pending = self.directory / (name + OPEN_SUFFIX + PENDING_SUFFIX)
            try:
                # "xb": never clobber a file another writer (or a crash) left behind.
                # Unbuffered: each record is one write, so a failed write (a full disk)
                # leaves nothing queued in a buffer, and the roll-back can cut it off.
                fh = open(pending, "xb", buffering=0)
            except FileExistsError:
                continue
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                if partial.exists():
                    raise FileExistsError(partial)
                os.rename(pending, partial)
            except BaseException:
                fh.close()
                pending.unlink(missing_ok=True)
                raise
            break
        else:  # pragma: no cover - needs 1000 name collisions
            raise RuntimeError(f"could not find a free WARC file name in {self.directory}")
        with _open_paths_lock:
            _open_paths.add(os.path.abspath(partial))
        out = _GzipMembers(fh, self.compress_level)
        self._file = _OpenFile(fh=fh, name=name, path=partial, out=out,
                               warcio=_WarcioWriter(out, gzip=False, warc_version=WARC_VERSION))
        try:
            self._write_warcinfo(self._file)
        except BaseException:
            # not even its warcinfo record fits (a full disk): leave no empty file behind
            self._file = None
            fh.close()
            partial.unlink(missing_ok=True)
            with _open_paths_lock:
                _open_paths.discard(os.path.abspath(partial))
            raise
        logger.debug("opened WARC file %s", partial)
        return self._file

    def _write_warcinfo(self, file: _OpenFile) -> None:
        record_id = self._new_record_id()
        fields = {
            "WARC-Type": "warcinfo",
            "WARC-Record-ID": record_id,
            "WARC-Date": format_warc_date(self._now()),
            "WARC-Filename": file.name,
        }
        info = {
            "software": _software(),
            "format": WARC_FORMAT,
            "conformsTo": WARC_CONFORMS_TO,
            "hostname": self.hostname,
            "operator": "",
            "http-header-user-agent": "",
            "robots": "",
            "isPartOf": "",
            **self.warcinfo_fields,
        }
        # Written by hand (not warcio's create_warcinfo_record) so that empty
        # fields stay present, as the contract lists them, and values stay one line.
        body = "".join(
            f"{name}: {' '.join(str(value if value is not None else '').splitlines())}\r\n"
            for name, value in info.items()
        ).encode("utf-8")
        self._warcinfo_id = None  # a warcinfo record does not point at itself
        record = file.warcio.create_warc_record(
            "", "warcinfo", payload=io.BytesIO(body), length=len(body),
            warc_content_type="application/warc-fields", warc_headers_dict=fields,
        )
        file.warcio.write_record(record)
        self._warcinfo_id = record_id

    def _finish_file(self) -> None:
        if self._file is None:
            return
        fh, partial, name = self._file.fh, self._file.path, self._file.name
        self._file = None
        try:
            fh.flush()
            os.fsync(fh.fileno())
            # renamed while the lease is still held: recovery never sees it unlocked
            os.rename(partial, self.directory / name)
        finally:
            fh.close()  # releases the lease
            with _open_paths_lock:
                _open_paths.discard(os.path.abspath(partial))
        _fsync_directory(self.directory)  # make the rename itself durable
        logger.debug("closed WARC file %s", name)

    def _roll_back(self, file: _OpenFile, start: int) -> None:
        """Cut a half-written call off the file so it stays a sequence of whole
        records. If even that fails, leave the file as `.open` for recover()."""
        file.out.reset()
        try:
            file.fh.seek(start)
            file.fh.truncate()
            file.out.position = start
        except OSError as exc:
            logger.error("could not roll back %s (%s); leaving it for recovery",
                         file.path, exc.strerror or exc)
            fh, partial = file.fh, file.path
            self._file = None
            with _open_paths_lock:
                _open_paths.discard(os.path.abspath(partial))
            try:
                fh.close()
            except OSError:
                pass


#: Record ids need uniqueness, not secrecy: a private generator seeded from the system's
#: randomness (128 random bits per id), instead of uuid4's os.urandom system call per record.
#: That call releases the GIL, and in a crawl taking it back behind the other threads (index
#: writer, process pool feeders) cost 37-52 us a record on the reactor's thread (1.3% of its
#: time in a profile of bench/bench_crawl.py; 1.2 us alone). Reseeded in a forked child, so
#: that parent and child never share a sequence; private, so that no random.seed() elsewhere
#: repeats it.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def _random_uuid() -> uuid.UUID:
    """A version-4 (random) UUID."""
    return uuid.UUID(int=_ids.getrandbits(128), version=4)


def _write_all(fh: BinaryIO, data: bytes) -> None:
    """Write all of `data` to an unbuffered file (a raw write may take only part of it)."""
    view = memoryview(data)
    while view:
        written = fh.write(view)
        if written is None or written <= 0:  # pragma: no cover - non-blocking files only
            raise OSError("short write to the WARC file")
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
