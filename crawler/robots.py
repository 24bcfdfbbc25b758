"""robots.txt read as Google reads it: the first 500 KiB only."""

from __future__ import annotations

import logging

from scrapy.robotstxt import ProtegoRobotParser

logger = logging.getLogger(__name__)

ROBOTSTXT_MAX_SIZE = 500 * 1024  # Google's limit: "content after the maximum file size is ignored"


def capped(body: bytes, limit: int) -> bytes:
    """The first `limit` bytes of a robots.txt, cut after its last whole line."""
    if len(body) <= limit:
        return body
    cut = body.rfind(b"\n", 0, limit)
    return body[: cut + 1] if cut >= 0 else body[:limit]


class CappedRobotParser(ProtegoRobotParser):
    """Protego, given at most ROBOTSTXT_MAX_SIZE bytes (500 KiB) of a robots.txt.

    A 10 MB robots.txt cost about 500 MB of memory to parse whole. The rest of the file
    is ignored, as Google does (`robotstxt/truncated`, logged once per file).

    Settings: ROBOTSTXT_MAX_SIZE (512000).
    """

    @classmethod
    def from_crawler(cls, crawler, robotstxt_body):
        limit = crawler.settings.getint("ROBOTSTXT_MAX_SIZE", ROBOTSTXT_MAX_SIZE)
        body = robotstxt_body if isinstance(robotstxt_body, bytes) else str(robotstxt_body).encode()
        kept = capped(body, limit)
        if len(kept) < len(body):
            crawler.stats.inc_value("robotstxt/truncated")
            logger.warning("robotstxt/truncated: a robots.txt of %d bytes; only its first %d bytes are read "
                           "(ROBOTSTXT_MAX_SIZE)", len(body), len(kept))
        return super().from_crawler(crawler, kept)
