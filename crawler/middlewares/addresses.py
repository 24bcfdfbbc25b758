"""Where the crawler may go: public HTTP(S) hosts only, unless settings allow more."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError

from crawler.errors import FetchRefused

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = ("http", "https")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def forbidden(address: Address) -> bool:
    """Loopback, private, link-local (169.254.169.254, the cloud metadata service),
    shared, reserved, multicast, unspecified: anything not globally routable."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def parse_networks(values) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError as exc:
            raise NotConfigured(f"ARCHIVE_ALLOWED_NETWORKS: {value!r} is not a network ({exc})") from exc
    return networks


class AddressPolicyMiddleware:
    """Downloader middleware: refuse non-HTTP schemes and hosts that resolve to addresses
    that are not public, before anything is sent.

    The sites file, a link, a redirect or a sitemap may name `file:`, `ftp:` or a host
    whose name resolves to 127.0.0.1, 10.x, 192.168.x, fd00::/8 or 169.254.169.254 (the
    metadata service of cloud machines): the crawler must not be a way into the network it
    runs in. The host name is resolved with the reactor's resolver, the one Scrapy connects
    with (and caches: DNS_RESOLVER), so the address checked is the address used.
    Refusals raise FetchRefused and are counted per request (`fetch/refused_address`,
    `fetch/refused_scheme`) and logged once per host or scheme. A redirect passes through
    here again, so a redirect to a private host is refused the same way.

    Settings: ARCHIVE_ALLOW_PRIVATE_ADDRESSES (False: True turns the address check off),
    ARCHIVE_ALLOWED_NETWORKS ([]: networks allowed although not public, e.g. "127.0.0.0/8"
    for a local test web).
    """

    def __init__(self, stats, allowed_networks, reactor=None) -> None:
        self.stats = stats
        self.allowed_networks = allowed_networks
        self._reactor = reactor
        self._decided: dict[str, str | None] = {}  # host -> why refused (None: allowed)
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if settings.getbool("ARCHIVE_ALLOW_PRIVATE_ADDRESSES", False):
            raise NotConfigured("ARCHIVE_ALLOW_PRIVATE_ADDRESSES is on")
        return cls(crawler.stats, parse_networks(settings.getlist("ARCHIVE_ALLOWED_NETWORKS", [])))

    async def process_request(self, request):
        parts = urlsplit(request.url)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            self._refuse("fetch/refused_scheme", f"scheme {scheme}:", request.url,
                         f"not HTTP(S): {request.url}")
        host = (parts.hostname or "").lower()
        if host not in self._decided:
            self._decided[host] = await self._check(host)
        why = self._decided[host]
        if why is not None:
            self._refuse("fetch/refused_address", host, request.url, why)
        return None

    async def _check(self, host: str) -> str | None:
        """None when `host` may be fetched, else why not."""
        address: Address | None
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = await self._resolve(host)
        if address is None:
            return None  # cannot resolve: the download fails with the DNS error, counted as such
        if forbidden(address) and not any(address in network for network in self.allowed_networks):
            return f"{host} resolves to {address}, not a public address (ARCHIVE_ALLOWED_NETWORKS)"
        return None

    async def _resolve(self, host: str) -> Address | None:
        reactor = self._reactor
        if reactor is None:
            from twisted.internet import reactor
        try:
            answer = await maybe_deferred_to_future(reactor.resolve(host))
        except DNSLookupError:
            return None
        try:
            return ipaddress.ip_address(answer)
        except ValueError:
            return None

    def _refuse(self, kind: str, key: str, url: str, why: str) -> None:
        self.stats.inc_value(kind)
        if key not in self._logged:
            self._logged.add(key)
            logger.warning("%s: %s (requests for it are refused)", kind, why)
        raise FetchRefused(kind, f"{why}: {url}")
