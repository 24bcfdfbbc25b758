"""Which configured site a URL belongs to: one answer for the crawler, the index and `reindex`.

A site is described by the record a crawl stores in its crawl-start metadata and in
``crawls.sites``: ``{"name": ..., "url": ..., "hosts": [...]}`` (``hosts`` optional).
Its domains are the host of ``url`` and of each listed host, without a leading ``www.``;
a URL belongs to the site when its host is one of those domains or a subdomain of one
(``www.example.com``, ``news.example.com`` for a site at ``https://example.com/`` or at
``https://www.example.com/``). When two sites claim a host, the longer (more specific)
domain wins, then the first site listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from archive.urls import url_host

__all__ = ["SiteRegistry", "site_domain"]


def site_domain(host: str) -> str:
    """The domain a host stands for: lower case, no port, no leading ``www.``."""
    host = host.strip().lower().rstrip(".")
    if "://" in host or "/" in host:
        host = url_host(host if "://" in host else f"http://{host}")
    elif ":" in host and not host.startswith("["):
        host = host.split(":", 1)[0]
    return host.removeprefix("www.")


class SiteRegistry:
    """Maps URLs (or host names) to the name of their configured site.

    Built from site records (dicts with ``name``, ``url`` and optional ``hosts``), as
    the sites file gives them and as the crawl-start record keeps them.
    """

    def __init__(self, sites: Iterable[Mapping[str, Any]] = ()) -> None:
        self.records: list[dict[str, Any]] = []
        self._domains: list[tuple[str, int, str]] = []  # (domain, order, name)
        for order, site in enumerate(sites):
            name = str(site.get("name") or "").strip()
            url = str(site.get("url") or "")
            if not name or not url:
                continue
            hosts = [str(h) for h in site.get("hosts") or ()]
            record: dict[str, Any] = {"name": name, "url": url}
            if hosts:
                record["hosts"] = hosts
            self.records.append(record)
            for host in (url_host(url), *hosts):
                domain = site_domain(host)
                if domain and not any(d == domain and n == name for d, _, n in self._domains):
                    self._domains.append((domain, order, name))
        # Most specific domain first; among equals, the site listed first.
        self._domains.sort(key=lambda entry: (-len(entry[0]), entry[1]))
        self._by_host: dict[str, str | None] = {}

    def __len__(self) -> int:
        return len(self.records)

    @property
    def names(self) -> list[str]:
        return [record["name"] for record in self.records]

    def domains(self, name: str | None = None) -> list[str]:
        """The domains of one site (or of all sites), most specific first."""
        return [d for d, _, n in self._domains if name is None or n == name]

    def site_for_host(self, host: str) -> str | None:
        """The site name for a host name, or None when no configured site covers it."""
        host = host.lower().rstrip(".")
        try:
            return self._by_host[host]
        except KeyError:
            pass
        found = None
        for domain, _, name in self._domains:
            if host == domain or host.endswith("." + domain):
                found = name
                break
        self._by_host[host] = found
        return found

    def site_for(self, url: str) -> str | None:
        """The site name for a URL, or None when no configured site covers its host."""
        return self.site_for_host(url_host(url))

    def name_for(self, url: str) -> str:
        """What the index stores as a URL's site: the site's name, else the bare host."""
        host = url_host(url)
        return self.site_for_host(host) or host
