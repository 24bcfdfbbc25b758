"""One summary per site at the end of a crawl: fetched, found, on topic, new, unchanged, errors."""

from __future__ import annotations

import logging

from scrapy import signals

logger = logging.getLogger(__name__)

COLUMNS = ("pages_fetched", "articles_fetched", "articles_found", "on_topic", "new", "updated", "unchanged",
           "duplicate", "skipped_known")  # fmt: skip


class SiteSummaryExtension:
    """Log a per-site table at spider_closed and store it in the stats as `summary/<site>`.

    Reads the `site/<name>/...` counters that the capture middleware, the spider and the
    index pipeline keep. The sites are the spider's `archive_sites` (name, url) plus any
    site name seen in the stats.
    """

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def summaries(self, site_names: list[str]) -> dict[str, dict]:
        stats = self.stats.get_stats()
        names = list(site_names)
        for key in stats:
            if key.startswith("site/"):
                name = key[5:].split("/", 1)[0]
                if name not in names:
                    names.append(name)
        out: dict[str, dict] = {}
        for name in names:
            prefix = f"site/{name}/"
            row = {column: int(stats.get(prefix + column, 0) or 0) for column in COLUMNS}
            row["errors"] = {
                key[len(prefix) + len("errors/"):]: value
                for key, value in sorted(stats.items())
                if key.startswith(prefix + "errors/")
            }
            out[name] = row
        return out

    def spider_closed(self, spider, reason) -> None:
        names = [site["name"] for site in getattr(spider, "archive_sites", []) or []]
        summaries = self.summaries(names)
        lines = [f"Crawl summary ({reason}):"]
        for name, row in summaries.items():
            errors = ", ".join(f"{kind}={count}" for kind, count in row["errors"].items()) or "none"
            lines.append(
                f"  {name}: pages fetched {row['pages_fetched']}, "
                f"articles found {row['articles_found'] or row['articles_fetched']}, "
                f"on topic {row['on_topic']}, new {row['new']} (updated {row['updated']}), "
                f"unchanged {row['unchanged']} (+{row['skipped_known']} not rechecked), "
                f"duplicate {row['duplicate']}; "
                f"errors: {errors}"
            )
            self.stats.set_value(f"summary/{name}", row)
        logger.info("\n".join(lines))
