"""A test-only Scrapy DNS resolver: names from the TEST_DNS_HOSTS setting resolve to loopback.

    -s TWISTED_DNS_RESOLVER=loopback_dns.LoopbackResolver
    -s 'TEST_DNS_HOSTS={"www.outlet1.test": "127.0.0.1", "news.outlet1.test": "127.0.0.1"}'

Every other name goes to the default resolver, so the machine's /etc/hosts is never edited.
"""

from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer


class LoopbackResolver(CachingThreadedResolver):
    def __init__(self, reactor, cache_size: int, timeout: float, hosts: dict[str, str]) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.hosts = {name.lower(): address for name, address in hosts.items()}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        return cls(reactor, settings.getint("DNSCACHE_SIZE"), settings.getfloat("DNS_TIMEOUT"),
                   settings.getdict("TEST_DNS_HOSTS"))

    def getHostByName(self, name: str, timeout=()):
        address = self.hosts.get(name.lower())
        if address is not None:
            return defer.succeed(address)
        return super().getHostByName(name, timeout)
