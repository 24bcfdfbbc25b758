"""archive.sites.SiteRegistry: one answer to "which site is this URL", live and in reindex."""

from archive.sites import SiteRegistry

SITES = [
    {"name": "The Example Times", "url": "https://www.example.com/"},
    {"name": "Example Sport", "url": "https://sport.example.com/"},
    {"name": "Other Post", "url": "http://127.0.0.3:8080/", "hosts": ["feeds.other-cdn.net", "www.otherpost.org"]},
]


def test_www_and_subdomains_belong_to_the_site():
    registry = SiteRegistry(SITES)
    for url in ("https://www.example.com/a", "https://example.com/b", "http://news.example.com/c",
                "https://WWW.Example.COM:443/d"):
        assert registry.site_for(url) == "The Example Times", url


def test_the_most_specific_domain_wins():
    registry = SiteRegistry(SITES)
    assert registry.site_for("https://sport.example.com/x") == "Example Sport"
    assert registry.site_for("https://live.sport.example.com/x") == "Example Sport"


def test_listed_hosts_and_ip_hosts():
    registry = SiteRegistry(SITES)
    assert registry.site_for("http://127.0.0.3:8080/2025/a") == "Other Post"
    assert registry.site_for("http://feeds.other-cdn.net/rss") == "Other Post"
    assert registry.site_for("http://otherpost.org/") == "Other Post"
    assert registry.site_for("http://127.0.0.33/") is None
    assert registry.site_for("http://notexample.com/") is None


def test_unknown_hosts_are_stored_as_bare_hosts():
    registry = SiteRegistry(SITES)
    assert registry.name_for("https://cdn.elsewhere.net/x.css") == "cdn.elsewhere.net"
    assert registry.name_for("https://news.example.com/") == "The Example Times"


def test_records_round_trip_to_the_same_answers():
    registry = SiteRegistry(SITES)
    again = SiteRegistry(registry.records)  # what reindex rebuilds from the crawl-start record
    for url in ("https://example.com/", "http://feeds.other-cdn.net/", "https://sport.example.com/"):
        assert again.site_for(url) == registry.site_for(url)
    assert registry.records[2]["hosts"] == ["feeds.other-cdn.net", "www.otherpost.org"]
    assert "hosts" not in registry.records[0]
