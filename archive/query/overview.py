"""Overviews of an archive: totals (stats), per-site and per-crawl summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from archive.db.dialects import backend
from archive.db.models import articles, captures, crawls, topic_matches, topics
from archive.query.source import connection

WARC_SUFFIXES = (".warc.gz", ".warc")


@dataclass
class SiteSummary:
    site: str
    articles: int
    captures: int
    first_capture: datetime | None
    last_capture: datetime | None
    crawls: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CrawlSummary:
    crawl_id: str
    spider: str
    topic: str | None
    sites: int
    started_at: datetime
    finished_at: datetime | None
    captures: int
    articles: int
    stats: dict[str, Any] | None

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["duration_s"] = self.duration_s
        return data


def warc_files(directory: str | Path) -> list[Path]:
    """Closed WARC files under ``directory`` (``*.warc.gz`` / ``*.warc``), sorted by path."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES)
    )


def stats(source: Any, directory: str | Path | None = None) -> dict[str, Any]:
    """Totals: articles, captures by kind, crawls, sites, topics, dates, languages, sizes."""
    with connection(source) as conn:
        def one(stmt: sa.Select[Any]) -> Any:
            return conn.execute(stmt).scalar_one()

        by_type: dict[str, int] = dict(
            conn.execute(
                sa.select(captures.c.record_type, sa.func.count()).group_by(captures.c.record_type)
            ).all()
        )
        dates = conn.execute(
            sa.select(
                sa.func.min(captures.c.fetched_at), sa.func.max(captures.c.fetched_at),
            )
        ).one()
        published = conn.execute(
            sa.select(sa.func.min(articles.c.published), sa.func.max(articles.c.published))
        ).one()
        language = sa.func.coalesce(articles.c.language, sa.literal_column("'?'"))
        languages: dict[str, int] = dict(
            conn.execute(
                sa.select(language, sa.func.count())
                .group_by(language)
                .order_by(sa.func.count().desc(), language)
            ).all()
        )
        result: dict[str, Any] = {
            "articles": one(sa.select(sa.func.count()).select_from(articles)),
            "captures": sum(by_type.values()),
            "responses": by_type.get("response", 0),
            "revisits": by_type.get("revisit", 0),
            "captures_with_article": one(
                sa.select(sa.func.count()).where(captures.c.content_hash.is_not(None))
            ),
            "crawls": one(sa.select(sa.func.count()).select_from(crawls)),
            "sites": one(sa.select(sa.func.count(sa.distinct(captures.c.site)))),
            "topics": one(sa.select(sa.func.count()).select_from(topics)),
            "topic_matches": one(sa.select(sa.func.count()).select_from(topic_matches)),
            "warc_files_indexed": one(sa.select(sa.func.count(sa.distinct(captures.c.warc_filename)))),
            "first_capture": dates[0],
            "last_capture": dates[1],
            "earliest_published": published[0],
            "latest_published": published[1],
            "languages": languages,
            "database": conn.engine.url.render_as_string(hide_password=True),
            "database_bytes": database_size(conn),
        }
    if directory is not None:
        files = warc_files(directory)
        result["directory"] = str(directory)
        result["warc_files"] = len(files)
        result["warc_bytes"] = sum(f.stat().st_size for f in files)
    return result


def database_size(conn: sa.Connection) -> int | None:
    """Bytes the archive's tables take: the SQLite file (+ WAL), or the PostgreSQL relations."""
    return backend(conn).database_size(conn)


def sites(source: Any) -> list[SiteSummary]:
    """One row per site: distinct articles, captures, first and last capture, crawls."""
    site = sa.func.coalesce(captures.c.site, sa.literal_column("''"))
    stmt = (
        sa.select(
            site.label("site"),
            sa.func.count(sa.distinct(captures.c.content_hash)).label("articles"),
            sa.func.count().label("captures"),
            sa.func.min(captures.c.fetched_at).label("first_capture"),
            sa.func.max(captures.c.fetched_at).label("last_capture"),
            sa.func.count(sa.distinct(captures.c.crawl_id)).label("crawls"),
        )
        .group_by(site)
        .order_by(sa.text("articles DESC"), site)
    )
    with connection(source) as conn:
        return [SiteSummary(**row._asdict()) for row in conn.execute(stmt)]


def crawl_summaries(source: Any) -> list[CrawlSummary]:
    """One row per crawl, newest first, with its capture and article counts."""
    per_crawl = (
        sa.select(
            captures.c.crawl_id,
            sa.func.count().label("captures"),
            sa.func.count(sa.distinct(captures.c.content_hash)).label("articles"),
        )
        .group_by(captures.c.crawl_id)
        .subquery()
    )
    stmt = (
        sa.select(
            crawls.c.crawl_id, crawls.c.spider, crawls.c.topic, crawls.c.sites,
            crawls.c.started_at, crawls.c.finished_at, crawls.c.stats,
            sa.func.coalesce(per_crawl.c.captures, 0).label("captures"),
            sa.func.coalesce(per_crawl.c.articles, 0).label("articles"),
        )
        .outerjoin(per_crawl, per_crawl.c.crawl_id == crawls.c.crawl_id)
        .order_by(crawls.c.started_at.desc())
    )
    with connection(source) as conn:
        return [
            CrawlSummary(
                crawl_id=row.crawl_id, spider=row.spider, topic=row.topic,
                sites=len(row.sites or []), started_at=row.started_at,
                finished_at=row.finished_at, captures=row.captures, articles=row.articles,
                stats=row.stats,
            )
            for row in conn.execute(stmt)
        ]
