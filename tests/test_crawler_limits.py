"""The small parsers behind the crawler's limits: Retry-After, robots.txt cap, truncated gzip,
non-public addresses, an unclean JOBDIR."""

from __future__ import annotations

import gzip
import ipaddress
from datetime import datetime, timezone

import pytest
from scrapy.exceptions import NotConfigured

from crawler.middlewares.addresses import forbidden, parse_networks
from crawler.middlewares.retry import retry_after_seconds
from crawler.middlewares.truncated import gzip_truncated
from crawler.robots import capped
from crawler.scheduler import RUNNING_MARK, discard_unclean_state


def test_retry_after_delta_seconds_and_http_date():
    now = datetime(2025, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(b"Thu, 20 Nov 2025 12:01:30 GMT", now) == 90.0
    assert retry_after_seconds(b"Thu, 20 Nov 2025 11:00:00 GMT", now) == 0.0  # in the past: now
    for bad in (None, b"", b"soon", b"-5", b"1e9"):
        assert retry_after_seconds(bad, now) is None


def test_robots_txt_cut_after_its_last_whole_line_within_the_cap():
    body = b"User-agent: *\nDisallow: /a\n" + b"# pad\n" * 100
    assert capped(body, 10_000) == body
    cut = capped(body, 40)
    assert cut == b"User-agent: *\nDisallow: /a\n# pad\n# pad\n" and len(cut) == 39


def test_gzip_truncated_only_when_the_stream_stops_early():
    whole = gzip.compress(b"<html>" + b"x" * 200_000 + b"</html>")
    assert not gzip_truncated(whole)
    assert not gzip_truncated(whole + gzip.compress(b"second member"))
    assert gzip_truncated(whole[:-4]) and gzip_truncated(whole[: len(whole) // 2])
    assert not gzip_truncated(b"plain text, not gzip")
    assert not gzip_truncated(whole[:-4], max_size=1000)  # past the size cap: decoding refuses it anyway


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.5", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1",
                                     "224.0.0.1"])
def test_non_public_addresses_are_forbidden(address):
    assert forbidden(ipaddress.ip_address(address))


def test_public_addresses_are_not_and_networks_parse():
    assert not forbidden(ipaddress.ip_address("93.184.216.34"))
    assert not forbidden(ipaddress.ip_address("2606:2800:220:1::1"))
    assert [str(n) for n in parse_networks(["127.0.0.0/8", " 10.1.0.0/16 "])] == ["127.0.0.0/8", "10.1.0.0/16"]
    with pytest.raises(NotConfigured, match="not a network"):
        parse_networks(["localhost"])


def test_unclean_jobdir_state_is_dropped_clean_one_kept(tmp_path):
    (tmp_path / "requests.queue").mkdir()
    (tmp_path / "requests.seen").write_text("ab\n")
    assert not discard_unclean_state(tmp_path)  # closed cleanly: no mark, kept
    assert (tmp_path / "requests.seen").exists()
    (tmp_path / RUNNING_MARK).write_text("123\n")
    assert discard_unclean_state(tmp_path)
    assert not any(tmp_path.iterdir())
