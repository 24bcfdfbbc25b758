"""HTTP message heads as bytes: built for response/request records, parsed back on reading.

Headers are kept as (bytes, bytes) pairs end to end so that any byte a server
sent (latin-1, raw UTF-8, junk) survives the round trip exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

Headers = list[tuple[bytes, bytes]]

CRLF = b"\r\n"

# The downloader has already removed the chunked transfer coding, so the body we
# store is de-chunked. Keeping `Transfer-Encoding: chunked` would make warcio,
# pywb and every other reader try to de-chunk it again and fail; the standard
# trick (also used by warcprox/pywb when they store decoded bodies) is to keep
# the original value under a name no reader acts on.
TRANSFER_ENCODING = b"transfer-encoding"
ORIG_TRANSFER_ENCODING = b"X-Archive-Orig-Transfer-Encoding"

# pywb and warcio only accept HTTP/1.0 and HTTP/1.1 status lines. An HTTP/2 or
# HTTP/3 exchange is stored with an HTTP/1.1 status line (the message semantics
# are the same) and its real protocol goes into the WARC-Protocol header.
_HTTP1 = ("HTTP/1.0", "HTTP/1.1")


def to_bytes(value: bytes | str) -> bytes:
    """Header names/values as bytes; str is taken as latin-1 when it fits (the
    classic HTTP header charset), else UTF-8."""
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def status_line_protocol(protocol: str) -> tuple[str, str | None]:
    """(protocol for the status line, value for WARC-Protocol or None)."""
    upper = (protocol or "HTTP/1.1").strip().upper()
    if upper in _HTTP1:
        return upper, None
    token = {"HTTP/2": "h2", "HTTP/2.0": "h2", "H2": "h2", "HTTP/3": "h3", "H3": "h3"}
    return "HTTP/1.1", token.get(upper, protocol.strip().lower())


def _header_lines(headers: Headers) -> bytes:
    lines = []
    for name, value in headers:
        name, value = to_bytes(name), to_bytes(value)
        if name.lower() == TRANSFER_ENCODING:
            name = ORIG_TRANSFER_ENCODING
        # A CR or LF inside a value would split the head; they cannot come off a
        # real wire inside a value, so this only guards against caller mistakes.
        value = value.replace(b"\r", b" ").replace(b"\n", b" ")
        lines.append(name + b": " + value + CRLF)
    return b"".join(lines)


def response_head(protocol: str, status: int, reason: str, headers: Headers) -> bytes:
    """`HTTP/1.1 200 OK` + all headers in their order (repeats kept) + blank line."""
    line = f"{protocol} {int(status)} ".encode("ascii") + to_bytes(reason or "")
    return line + CRLF + _header_lines(headers) + CRLF


def request_target(url: str) -> str:
    """The origin-form target of a request line: path and query, never the fragment."""
    parts = urlsplit(url)
    target = parts.path or "/"
    return f"{target}?{parts.query}" if parts.query else target


def request_head(method: str, url: str, protocol: str, headers: Headers) -> bytes:
    """Request line + headers. Scrapy hands us headers without Host because
    Twisted adds it on the wire; we add it back so the record is a valid request."""
    headers = list(headers)
    if not any(to_bytes(name).lower() == b"host" for name, _ in headers):
        host = urlsplit(url).netloc.rpartition("@")[2]
        headers.insert(0, (b"Host", host.encode("idna") if not host.isascii() else host.encode()))
    line = f"{method.upper()} {request_target(url)} {protocol}".encode()
    return line + CRLF + _header_lines(headers) + CRLF


@dataclass(frozen=True)
class HttpHead:
    """A parsed HTTP head: start line and headers exactly as stored."""

    start_line: bytes
    headers: Headers
    raw: bytes  # the head's exact bytes, blank line included

    def get(self, name: str | bytes) -> bytes | None:
        """First value of a header, case-insensitive."""
        wanted = to_bytes(name).lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    # Response start line: `HTTP/1.1 200 OK`.
    @property
    def protocol(self) -> str:
        return self._parts()[0]

    @property
    def status(self) -> int | None:
        try:
            return int(self._parts()[1])
        except ValueError:
            return None

    @property
    def reason(self) -> str:
        return self._parts()[2]

    # Request start line: `GET /path HTTP/1.1`.
    @property
    def method(self) -> str:
        return self._parts()[0]

    @property
    def target(self) -> str:
        return self._parts()[1]

    def _parts(self) -> tuple[str, str, str]:
        parts = self.start_line.decode("latin-1").split(" ", 2)
        return (parts + ["", "", ""])[:3]  # type: ignore[return-value]


def parse_http_head(block: bytes) -> tuple[HttpHead, bytes] | None:
    """Split a record block into (head, payload); None when the block has no
    complete head (an empty revisit, or a cut-off record)."""
    end = block.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        # Some foreign writers use bare LF; ours always writes CRLF.
        end, sep = block.find(b"\n\n"), 2
        if end < 0:
            return None
    raw = block[: end + sep]
    lines = raw[:end].replace(b"\r\n", b"\n").split(b"\n")
    headers: Headers = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:
            # obsolete line folding: RFC 9112 says replace it with a space
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip(b" \t"))
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            continue  # not a header line; readers such as warcio skip these too
        headers.append((name.rstrip(b" \t"), value.strip(b" \t")))
    return HttpHead(start_line=lines[0], headers=headers, raw=raw), block[end + sep :]


def protocol_from_warc(status_protocol: str, warc_protocol: str | None) -> str:
    """The exchange's real protocol: WARC-Protocol (h2, h3) wins over the status line."""
    if warc_protocol:
        token = warc_protocol.split(",")[0].strip().lower()
        if token in ("h2", "h3"):
            return f"HTTP/{token[1]}"
    return status_protocol
