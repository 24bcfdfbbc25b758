"""Bad input as data: one stats key per kind of failure, and the exception we raise for them."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class FetchRefused(IgnoreRequest):
    """A response the crawler refuses (redirect loop, ...); already counted under `kind`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


_BY_CLASS = {
    "DownloadTimeoutError": "fetch/timeout",
    "TimeoutError": "fetch/timeout",
    "TCPTimedOutError": "fetch/timeout",
    "ConnectionLost": "fetch/connection_reset",
    "ConnectionDone": "fetch/connection_reset",
    "ConnectionResetError": "fetch/connection_reset",
    "ResponseFailed": "fetch/connection_reset",
    "ResponseNeverReceived": "fetch/connection_reset",
    "ResponseDataLossError": "fetch/connection_reset",
    "DownloadFailedError": "fetch/connection_reset",
    "_DataLoss": "fetch/connection_reset",
    "PotentialDataLoss": "fetch/connection_reset",
    "DownloadConnectionRefusedError": "fetch/connection_refused",
    "ConnectionRefusedError": "fetch/connection_refused",
    "ConnectError": "fetch/connection_refused",
    "CannotResolveHostError": "fetch/dns_error",
    "DNSLookupError": "fetch/dns_error",
}


def classify(exc: BaseException) -> str:
    """The stats key for a failed request (`fetch/timeout`, `fetch/robots_denied`, ...)."""
    if isinstance(exc, FetchRefused):
        return exc.kind
    name = type(exc).__name__
    message = str(exc)
    if name == "HttpError":
        response = getattr(exc, "response", None)
        return f"fetch/http_{getattr(response, 'status', 'error')}"
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in message:
            return "fetch/robots_denied"
        if "decompression" in message or "decompressed" in message:
            return "fetch/decompression_bomb"
        if "redirections" in message or "redirect" in message:
            return "fetch/redirect_too_many"
        if "offsite" in message.lower():
            return "fetch/offsite"
        return "fetch/ignored"
    if name == "DownloadCancelledError" or "max size" in message or "maxsize" in message:
        return "fetch/oversized"
    if name in _BY_CLASS:
        return _BY_CLASS[name]
    # ResponseFailed wraps the real reasons in .reasons
    for reason in getattr(exc, "reasons", ()) or ():
        inner = getattr(reason, "value", None)
        if inner is not None and type(inner).__name__ in _BY_CLASS:
            return _BY_CLASS[type(inner).__name__]
    return f"fetch/error_{name.lower()}"
