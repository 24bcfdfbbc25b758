"""The canonical form of a URL, shared by the crawler's dedup and the index."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urldefrag, urlsplit

from courlan import normalize_url


@lru_cache(maxsize=4096)  # pure; the same URLs come back (redirects, revisits, reindex)
def canonical_url(url: str) -> str:
    """Lower-cased scheme and host, default port, sorted query, tracking
    parameters (utm_*, fbclid, gclid, ...) and the fragment dropped.

    courlan does the work; a URL it cannot parse is returned without its fragment.
    """
    try:
        return urldefrag(normalize_url(url))[0]
    except (ValueError, AttributeError):
        return urldefrag(url)[0]


@lru_cache(maxsize=4096)  # pure; every capture looks up the hosts of all configured sites
def url_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""

