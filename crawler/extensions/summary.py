"""At the end of a crawl: one summary line per site, and where the WARC files and the index are."""

from __future__ import annotations

import logging
import pprint
from pathlib import Path
from typing import Any

from scrapy import signals

from crawler.state import CrawlState

logger = logging.getLogger(__name__)

#: What happened to the article pages fetched from a site; they add up to `articles_fetched`
#: (once the crawl has finished: nothing is in flight then).
OUTCOMES = ("new", "updated", "unchanged", "duplicate", "not_modified", "not_article", "extract_failed")
COLUMNS = ("pages_fetched", "articles_fetched", *OUTCOMES, "on_topic", "skipped_known")


class SiteSummaryExtension:
    """Log a per-site summary at spider_closed and store each site's row as `summary/<site>`.

    Reads the `site/<name>/...` counters of the capture middleware (pages_fetched), the
    spider (articles_fetched, not_modified, skipped_known, errors/...), the extraction
    pipeline (not_article, extract_failed) and the index pipeline (new, updated, unchanged,
    duplicate, on_topic). Then says where the WARC files and the database are. Scrapy's
    own stats dump is off (STATS_DUMP = False in settings.default); at LOG_LEVEL=DEBUG
    the whole stats dict is logged here instead, or set `-s STATS_DUMP=True`.
    """

    def __init__(self, stats, state: CrawlState) -> None:
        self.stats = stats
        self.state = state

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler.stats, CrawlState.from_crawler(crawler))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def summaries(self, site_names: list[str]) -> dict[str, dict]:
        stats = self.stats.get_stats()
        out: dict[str, dict] = {}
        for name in site_names:  # other hosts (CDNs of page requisites) have the requisites line
            prefix = f"site/{name}/"
            row: dict[str, Any] = {column: int(stats.get(prefix + column, 0) or 0) for column in COLUMNS}
            row["errors"] = {
                key[len(prefix) + len("errors/"):]: value
                for key, value in sorted(stats.items())
                if key.startswith(prefix + "errors/")
            }
            out[name] = row
        return out

    def spider_closed(self, spider, reason) -> None:
        summaries = self.summaries(self.state.registry.names)
        lines = [f"Crawl summary ({reason}):"]
        for name, row in summaries.items():
            errors = ", ".join(f"{kind}={count}" for kind, count in row["errors"].items()) or "none"
            outcomes = " + ".join(f"{row[o]} {o.replace('_', ' ')}" for o in OUTCOMES)
            lines.append(
                f"  {name}: pages fetched {row['pages_fetched']}; "
                f"articles fetched {row['articles_fetched']} = {outcomes}; "
                f"on topic {row['on_topic']}; known and not rechecked {row['skipped_known']}; "
                f"errors: {errors}"
            )
            self.stats.set_value(f"summary/{name}", row)
        requisites = {key[len("requisites/"):]: value for key, value in self.stats.get_stats().items()
                      if key.startswith("requisites/") and not key.startswith("requisites/kind/")}
        if requisites:
            lines.append(
                "  Page requisites: {requested} requested, {fetched} archived, {deduplicated} already "
                "requested, {skipped_known} archived recently; refused: robots {refused_robots}, size "
                "{refused_size}, type {refused_type}; failed {failed}".format_map(_Zero(requisites)))
        files = sorted(self.state.warc_files)
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        lines.append(f"WARC files: {Path(self.state.directory).resolve()}"
                     + (f" ({len(files)} written: {shown})" if files else " (none written)"))
        lines.append(f"Database: {self.state.database}")
        logger.info("\n".join(lines))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Scrapy stats:\n%s", pprint.pformat(self.stats.get_stats()))


class _Zero(dict):
    """format_map() mapping where a counter never incremented reads 0."""

    def __missing__(self, key: str) -> int:
        return 0
