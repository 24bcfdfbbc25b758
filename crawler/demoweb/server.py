"""The HTTP side of the demo web: pre-rendered resources served by one threaded server per outlet."""

from __future__ import annotations

import gzip
import hashlib
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

SLOW_SECONDS = 6.0


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """Deterministic gzip (mtime 0) so generation 2 is byte-identical."""
    return gzip.compress(data, compresslevel=level, mtime=0)


@dataclass
class Resource:
    """One pre-rendered response."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    last_modified: float | None = None  # epoch seconds
    etag: str | None = None  # computed from the body when None and status == 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    gzip_ok: bool = False  # offer a gzip representation when the client accepts it
    content_encoding: str | None = None  # body is already encoded (gzip bomb): always sent as is
    behaviour: str | None = None  # "flaky" (500 once), "slow", "reset"
    cache_control: str = "max-age=300"
    gzip_body: bytes | None = None
    _lm_header: str | None = None

    def __post_init__(self) -> None:
        if self.etag is None and self.status == 200:
            self.etag = f'"{hashlib.sha1(self.body).hexdigest()[:20]}"'
        if self.last_modified is not None:
            self._lm_header = formatdate(self.last_modified, usegmt=True)
        if self.gzip_ok and self.gzip_body is None and self.content_encoding is None:
            self.gzip_body = gzip_bytes(self.body)


class Outlet:
    """Routing table of one outlet: static resources, paginated listings and an optional search."""

    def __init__(self, name: str, server_header: str) -> None:
        self.name = name
        self.server_header = server_header
        self.resources: dict[str, Resource] = {}
        self.listings: dict[str, list[Resource]] = {}
        self.search: Callable[[str], Resource] | None = None
        self.not_found: Resource = Resource(b"<h1>Not found</h1>", status=404)
        self.hits = 0
        self._flaky_seen: set[str] = set()
        self._lock = threading.Lock()
        self.stop_event = threading.Event()

    def route(self, target: str) -> Resource:
        if target.startswith(("http://", "https://")):  # absolute-form request target
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        target = target.split("#", 1)[0]
        path, _, query = target.partition("?")
        path = unquote(path) or "/"
        pages = self.listings.get(path)
        if pages is not None:
            raw = parse_qs(query).get("page", ["1"])[0]
            try:
                n = int(raw)
            except ValueError:
                return self.not_found
            return pages[n - 1] if 1 <= n <= len(pages) else self.not_found
        if path == "/search" and self.search is not None:
            return self.search(parse_qs(query).get("q", [""])[0])
        return self.resources.get(path, self.not_found)

    def first_time(self, path: str) -> bool:
        with self._lock:
            if path in self._flaky_seen:
                return False
            self._flaky_seen.add(path)
            return True


def _accepts_gzip(value: str | None) -> bool:
    if not value:
        return False
    for part in value.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "x-gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _etag_matches(header: str, etag: str) -> bool:
    tag = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _method_not_allowed(self) -> None:
        self._write(405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")], b"Method Not Allowed\n", False)

    do_POST = do_PUT = do_DELETE = _method_not_allowed

    def _write(self, status: int, headers: list[tuple[str, str]], body: bytes, head: bool) -> None:
        outlet = self.server.outlet
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
        lines = [f"HTTP/1.1 {status} {reason}", f"Server: {outlet.server_header}",
                 f"Date: {formatdate(usegmt=True)}"]
        lines += [f"{k}: {v}" for k, v in headers]
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not head and status != 304:
            data += body
        self.wfile.write(data)

    def _serve(self, head: bool) -> None:
        outlet = self.server.outlet
        outlet.hits += 1
        res = outlet.route(self.path)
        path = self.path.split("?", 1)[0]
        if res.behaviour == "flaky" and outlet.first_time(path):
            body = b"<html><body><h1>500 Internal Server Error</h1><p>upstream timed out</p></body></html>\n"
            self._write(500, [("Content-Type", "text/html"), ("Cache-Control", "no-store")], body, head)
            return
        if res.behaviour == "slow":
            if outlet.stop_event.wait(SLOW_SECONDS):
                self.close_connection = True
                return
        if res.behaviour == "reset":
            head_bytes = (f"HTTP/1.1 200 OK\r\nServer: {outlet.server_header}\r\nContent-Type: text/html; charset=utf-8\r\n"
                          f"Content-Length: {len(res.body)}\r\n\r\n").encode()
            self.wfile.write(head_bytes + res.body[: len(res.body) // 4])
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.server.mark_reset(self.connection)
            self.close_connection = True
            return

        headers = [("Content-Type", res.content_type)]
        etag = res.etag
        body = res.body
        use_gzip = res.gzip_body is not None and _accepts_gzip(self.headers.get("Accept-Encoding"))
        if res.content_encoding:
            headers.append(("Content-Encoding", res.content_encoding))
        elif use_gzip and res.gzip_body is not None:
            body = res.gzip_body
            headers.append(("Content-Encoding", "gzip"))
            etag = f"W/{etag}" if etag else None  # as nginx does when it compresses
        if res.gzip_body is not None:
            headers.append(("Vary", "Accept-Encoding"))
        if res.status == 200:
            if etag:
                headers.append(("ETag", etag))
            if res._lm_header:
                headers.append(("Last-Modified", res._lm_header))
            headers.append(("Cache-Control", res.cache_control))
        headers.extend(res.headers)

        if res.status == 200 and self._not_modified(res, etag):
            keep = [(k, v) for k, v in headers if k in ("ETag", "Last-Modified", "Cache-Control", "Vary")]
            self._write(304, keep, b"", head)
            return
        self._write(res.status, headers, body, head)

    def _not_modified(self, res: Resource, etag: str | None) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return bool(etag and _etag_matches(inm, etag))
        ims = self.headers.get("If-Modified-Since")
        if ims and res.last_modified is not None:
            try:
                since = parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            return int(res.last_modified) <= since
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], outlet: Outlet) -> None:
        self.outlet = outlet
        self._conns: set[socket.socket] = set()
        self._resets: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: avoid it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]  # what TCPServer put in server_address
        self.server_name, self.server_port = host, port

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._conn_lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def mark_reset(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._resets.add(conn)

    def shutdown_request(self, request) -> None:
        with self._conn_lock:
            reset = request in self._resets
            self._resets.discard(request)
        if reset:  # SO_LINGER 0 + close without shutdown(): the peer gets a RST
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ValueError)):  # client went away, reset, timeout
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class OutletServer:
    """Runs one outlet's server in a background thread."""

    def __init__(self, outlet: Outlet, host: str, port: int) -> None:
        self.outlet = outlet
        self.httpd = _Server((host, port), outlet)
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.outlet.stop_event.clear()
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"demoweb-{self.outlet.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.outlet.stop_event.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()
        self.httpd.close_connections()
