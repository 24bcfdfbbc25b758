"""A gzip-encoded body that stops before its gzip trailer is a truncated response, not a page."""

from __future__ import annotations

import zlib

from crawler.errors import FetchRefused

CHUNK = 1 << 20  # decompressed bytes per step: the check never holds more than this


def gzip_truncated(body: bytes, max_size: int = 0) -> bool:
    """True when `body` (one or more gzip members) ends before a member's end.

    Decompresses in bounded steps and throws the output away; stops (False) past
    `max_size` decompressed bytes, where HttpCompressionMiddleware refuses the body anyway.
    Data that is not gzip at all is not "truncated" (False): decoding reports that.
    """
    data = body
    total = 0
    while data:
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while data and not stream.eof:
                total += len(stream.decompress(data, CHUNK))
                data = stream.unconsumed_tail
                if max_size and total > max_size:
                    return False
        except zlib.error:
            return False
        if not stream.eof:
            return True
        data = stream.unused_data.lstrip(b"\x00")  # members may be padded with NULs
    return False


class TruncatedGzipMiddleware:
    """Downloader middleware (945: below the capture, above HttpCompressionMiddleware):
    a `Content-Encoding: gzip` body cut short is refused (`fetch/truncated`).

    Scrapy's gunzip returns whatever a truncated stream decodes to without a word, so a
    connection cut in the middle of a gzipped page gave a shortened page that was
    extracted as the article. The exchange is still archived as received (the capture
    runs first); the request ends in the spider's errback, counted once here.

    Settings: DOWNLOAD_MAXSIZE (bounds the check's decompression).
    """

    def __init__(self, stats, max_size: int) -> None:
        self.stats = stats
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.getint("DOWNLOAD_MAXSIZE", 0))

    def process_response(self, request, response):
        encoding = response.headers.get(b"Content-Encoding", b"").strip().lower()
        if encoding not in (b"gzip", b"x-gzip") or not response.body or request.method == "HEAD":
            return response
        max_size = request.meta.get("download_maxsize", self.max_size)
        if gzip_truncated(response.body, max_size):
            self.stats.inc_value("fetch/truncated")
            raise FetchRefused("fetch/truncated", f"gzip body ends before its end ({len(response.body)} B received)")
        return response
