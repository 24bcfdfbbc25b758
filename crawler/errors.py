"""Bad input as data: one stats key per kind of failure, and the exception we raise for them."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from twisted.internet import error as net
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived
from twisted.web.client import PartialDownloadError


class FetchRefused(IgnoreRequest):
    """A request or response the crawler refuses (redirect loop, robots.txt, ...), of kind `kind`.

    `counted`: the raiser counted `kind` already. Scrapy's refusals (crawler.middlewares.refusals)
    are not: the errback counts them, as a page's or as a requisite's."""

    def __init__(self, kind: str, message: str, *, counted: bool = True) -> None:
        super().__init__(message)
        self.kind = kind
        self.counted = counted


# Most specific first: isinstance decides, never the message text.
_BY_TYPE: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError), "fetch/timeout"),
    ((DownloadConnectionRefusedError, net.ConnectionRefusedError, net.ConnectError), "fetch/connection_refused"),
    ((CannotResolveHostError, net.DNSLookupError), "fetch/dns_error"),
    (DownloadCancelledError, "fetch/oversized"),  # DOWNLOAD_MAXSIZE reached while downloading
    # fewer body bytes than Content-Length said, or a chunked body cut short (DOWNLOAD_FAIL_ON_DATALOSS)
    (ResponseDataLossError, "fetch/truncated"),
    ((DownloadFailedError, ResponseFailed, ResponseNeverReceived, PartialDownloadError,
      net.ConnectionLost, net.ConnectionDone, ConnectionResetError), "fetch/connection_reset"),
)


def classify(exc: BaseException) -> str:
    """The stats key for a failed request (`fetch/timeout`, `fetch/robots_denied`, ...)."""
    if isinstance(exc, FetchRefused):
        return exc.kind
    if _head_cut(exc):
        return "fetch/bad_response_head"
    if isinstance(exc, HttpError):
        return f"fetch/http_{getattr(exc.response, 'status', 'error')}"
    if isinstance(exc, IgnoreRequest):
        if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
            return "fetch/decompression_bomb"
        return "fetch/ignored"
    for types, kind in _BY_TYPE:
        if isinstance(exc, types):
            return kind
    # ResponseFailed and friends wrap the real reasons (Failures) in .reasons
    for reason in getattr(exc, "reasons", ()) or ():
        inner = getattr(reason, "value", None)
        if isinstance(inner, BaseException):
            return classify(inner)
    return f"fetch/error_{type(exc).__name__.lower()}"


def _head_cut(exc: BaseException) -> bool:
    """A response that ended before its head (status line and headers) was whole.

    Twisted ends a response *body* cut short with a data-loss reason (ResponseDataLossError
    here) and a response that never began with ResponseNeverReceived; a bare ResponseFailed
    means the head itself was cut off or refused. The usual cause is a header line over
    Twisted's 16 KiB line limit, at which its parser closes the connection."""
    cause = exc.__cause__ if isinstance(exc, DownloadFailedError) else exc
    return isinstance(cause, ResponseFailed) and not isinstance(cause, ResponseNeverReceived)


def describe(exc: BaseException) -> str:
    """A one-line, whole message for a failed request (no cut numbers)."""
    cause = exc.__cause__
    if isinstance(exc, IgnoreRequest) and isinstance(cause, _DecompressionMaxSizeExceeded):
        return (f"decompressed body exceeded DOWNLOAD_MAXSIZE ({cause.max_size} B; "
                f"{cause.decompressed_size} B decompressed when stopped)")
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + " ..."
