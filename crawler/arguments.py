"""The topic spider's `-a` arguments, validated once (and the sites file loaded once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scrapy.exceptions import UsageError

from crawler.sites import Site, SitesFileError, load_sites

DEMO = "demo"


@dataclass(frozen=True)
class TopicArguments:
    topic: str
    query: Any  # archive.topic.TopicQuery
    sites: tuple[Site, ...]
    sites_file: str
    since: datetime | None = None
    min_score: float | None = None  # None: TOPIC_MIN_SCORE
    depth: int | None = None  # None: TOPIC_DEPTH_LIMIT


def parse_arguments(topic=None, sites=None, since=None, min_score=None, depth=None) -> TopicArguments:
    """Validate `-a topic= sites= since= min_score= depth=`; UsageError says what is wrong.

    `sites=demo` is resolved by `scrapy crawl` (crawler.commands.crawl starts the demo web
    and passes the sites file it writes), so here it is an error."""
    from archive.topic import TopicQueryError, parse_topic

    if not topic:
        raise UsageError("missing -a topic='QUERY' (e.g. -a topic='\"defence framework\" AND India')")
    if not sites:
        raise UsageError("missing -a sites=FILE.yaml (or -a sites=demo)")
    try:
        query = parse_topic(topic)
    except TopicQueryError as exc:
        raise UsageError(f"invalid topic query:\n{exc}") from None
    numbers: dict[str, Any] = {}
    for name, value, kind in (("min_score", min_score, float), ("depth", depth, int)):
        if value not in (None, ""):
            try:
                numbers[name] = kind(value)
            except (TypeError, ValueError):
                raise UsageError(f"-a {name}={value!r} is not a number") from None
    when = _parse_since(since)
    if str(sites) == DEMO:
        raise UsageError("-a sites=demo is served by `scrapy crawl topic` (it starts the demo web); "
                         "elsewhere pass the sites file that `python -m crawler.demoweb --sites-out` writes")
    try:
        loaded = tuple(load_sites(sites))
    except SitesFileError as exc:
        raise UsageError(f"invalid sites file:\n{exc}") from None
    return TopicArguments(topic=str(topic), query=query, sites=loaded, sites_file=str(sites), since=when,
                          **numbers)


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"since={value!r} is not a date (expected YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
