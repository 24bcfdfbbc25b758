"""A hostile little web on loopback, for the crawler's end-to-end tests of bad servers.

One outlet (`host`) whose pages misbehave on purpose, and an "inside" host (`inside_host`,
on a different loopback network) standing for a machine the crawler must never reach: it
is listed in the sites file and redirected to, and counts every request it gets.

    with HostileWeb() as web:
        sites = web.write_sites_yaml(tmp / "sites.yaml")
        ...
        web.hits["/retry-long"]  # requests the outlet answered, by path

Cases (paths on the outlet):
- Retry-After: /news/retry-short (503, Retry-After: 1, then the article), /news/retry-long
  (429, Retry-After: 3600, always);
- a chain of sitemap indexes /sitemaps/chain-0.xml -> chain-1.xml -> ... (CHAIN_LENGTH deep),
  the last one listing /news/deep-sitemap-article;
- /robots.txt larger than 500 KiB: `Disallow: /news/early-private` at its start,
  `Disallow: /news/late-private` after 500 KiB (ignored, as Google does);
- /news/truncated-gzip: Content-Encoding gzip, the stream cut in half (Content-Length of
  what is sent, so the transport sees a whole response);
- /news/huge-header: a 100 KB response header;
- /news/to-inside: 302 to the inside host; /news/to-ftp: 302 to an ftp: URL;
- the home page links every case, an ftp: and a file: URL.
"""

from __future__ import annotations

import gzip
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

CHAIN_LENGTH = 40  # sitemap indexes in the chain
ROBOTS_PADDING = 600 * 1024  # bytes of comments before the late rule
ARTICLE_TEXT = " ".join(
    f"Paragraph {n}: the port authority said the new berths would open in spring, and that "
    f"shipping lines had already booked most of the first season's slots." for n in range(12))


def article(title: str) -> bytes:
    paragraphs = "".join(f"<p>{title}. {ARTICLE_TEXT}</p>" for _ in range(2))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<article><h1>{title}</h1><time datetime='2025-11-20'>20 November 2025</time>"
            f"{paragraphs}</article></body></html>").encode()


class HostileWeb:
    """The outlet on `host` (127.0.0.x) and the inside host on 127.0.1.x, one free port."""

    def __init__(self, host: str = "127.0.0.90", inside_host: str = "127.0.1.90") -> None:
        self.host = host
        self.inside_host = inside_host
        self.hits: Counter[str] = Counter()  # outlet paths requested
        self.inside_hits: Counter[str] = Counter()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> HostileWeb:
        outlet = ThreadingHTTPServer((self.host, 0), self._handler(inside=False))
        self.port = outlet.server_address[1]
        inside = ThreadingHTTPServer((self.inside_host, self.port), self._handler(inside=True))
        for server in (outlet, inside):
            server.daemon_threads = True
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> HostileWeb:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def write_sites_yaml(self, path) -> Path:
        sites = [
            {"name": "Hostile Times", "url": self.url("/"), "sitemaps": [self.url("/sitemaps/chain-0.xml")],
             "article_pattern": "^/news/"},
            {"name": "Inside Intranet", "url": self.url("/", self.inside_host)},
        ]
        path = Path(path)
        path.write_text(yaml.safe_dump({"sites": sites}, sort_keys=False), encoding="utf-8")
        return path

    # ------------------------------------------------------------------ pages

    def home(self) -> bytes:
        links = ["/news/retry-short", "/news/retry-long", "/news/truncated-gzip", "/news/huge-header",
                 "/news/to-inside", "/news/to-ftp", "/news/early-private", "/news/late-private",
                 "/news/plain-article", f"ftp://{self.host}:{self.port}/news/ftp-article",
                 "file:///etc/passwd"]
        items = "".join(f"<li><a href='{href}'>Story {n}: port news</a></li>" for n, href in enumerate(links))
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>Hostile Times</title></head>"
                f"<body><h1>Hostile Times</h1><ul>{items}</ul></body></html>").encode()

    def robots(self) -> bytes:
        early = "User-agent: *\nDisallow: /news/early-private\n"
        padding = "".join(f"# line {n:08d} of padding that a crawler should not have to read\n"
                          for n in range(ROBOTS_PADDING // 64))
        return (early + padding + "Disallow: /news/late-private\n").encode()

    def sitemap(self, n: int) -> bytes:
        if n + 1 < CHAIN_LENGTH:
            inner = f"<sitemap><loc>{self.url(f'/sitemaps/chain-{n + 1}.xml')}</loc></sitemap>"
            return (f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex "
                    f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{inner}</sitemapindex>").encode()
        inner = f"<url><loc>{self.url('/news/deep-sitemap-article')}</loc></url>"
        return (f"<?xml version='1.0' encoding='UTF-8'?><urlset "
                f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{inner}</urlset>").encode()

    def _handler(self, inside: bool):
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
                     headers: tuple[tuple[str, str], ...] = ()) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?", 1)[0]
                if inside:
                    web.inside_hits[path] += 1
                    self.send(200, article("Inside secret"))
                    return
                web.hits[path] += 1
                if path == "/":
                    self.send(200, web.home())
                elif path == "/robots.txt":
                    self.send(200, web.robots(), "text/plain")
                elif path.startswith("/sitemaps/chain-"):
                    self.send(200, web.sitemap(int(path.rsplit("-", 1)[1].split(".")[0])), "application/xml")
                elif path == "/news/retry-short":
                    if web.hits[path] == 1:
                        self.send(503, b"busy", "text/plain", (("Retry-After", "1"),))
                    else:
                        self.send(200, article("Retried after a short wait"))
                elif path == "/news/retry-long":
                    self.send(429, b"slow down", "text/plain", (("Retry-After", "3600"),))
                elif path == "/news/truncated-gzip":
                    whole = gzip.compress(article("Cut in half"))
                    self.send(200, whole[: len(whole) // 2], headers=(("Content-Encoding", "gzip"),))
                elif path == "/news/huge-header":
                    self.send(200, article("Huge header"), headers=(("X-Padding", "a" * 100_000),))
                elif path == "/news/to-inside":
                    self.send(302, b"", headers=(("Location", web.url("/secret", web.inside_host)),))
                elif path == "/news/to-ftp":
                    self.send(302, b"", headers=(("Location", f"ftp://{web.host}:{web.port}/file"),))
                elif path.startswith("/news/"):
                    self.send(200, article(path.rsplit("/", 1)[1].replace("-", " ").capitalize()))
                else:
                    self.send(404, b"not found", "text/plain")

        return Handler
