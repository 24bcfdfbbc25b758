"""URL canonicalisation before scheduling: the index's canonical form, plus what it removed."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from archive.urls import canonical_url

__all__ = ["canonicalize", "canonical_url"]


@lru_cache(maxsize=65536)  # listings, feeds and sitemaps repeat the same links
def canonicalize(url: str) -> tuple[str, bool]:
    """(canonical URL, whether tracking parameters were dropped).

    The canonical form is the one the index stores (archive.urls.canonical_url):
    utm_*, fbclid, gclid and similar parameters and the fragment are dropped,
    host lower-cased, query sorted.
    """
    canonical = canonical_url(url)
    if "?" not in url:
        return canonical, False
    before = {key for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    after = {key for key, _ in parse_qsl(urlsplit(canonical).query, keep_blank_values=True)}
    return canonical, bool(before - after)
