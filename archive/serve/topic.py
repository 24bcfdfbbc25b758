"""A topic's page: coverage per outlet over time (an SVG chart), who published first, its stories.

Served by `archive serve` at /topic and written by `archive report` as one
self-contained HTML file (the stylesheet inlined, the chart as inline SVG).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from archive.db.models import articles, captures, topics
from archive.query.coverage import CoverageRow, coverage
from archive.query.filters import Filters
from archive.query.search import matching_conditions
from archive.query.source import connection
from archive.stories.read import StorySummary, stories, utc

CHART_LEFT, CHART_ROW, CHART_DAY_MAX, CHART_WIDTH = 180, 28, 36, 900


@dataclass
class OutletFirst:
    """An outlet's earliest article on the topic."""

    site: str
    when: datetime  # published, else its first capture at this outlet
    content_hash: str
    title: str | None
    url: str | None
    articles: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Chart:
    width: int
    height: int
    rows: list[dict[str, Any]]  # {site, y}
    dots: list[dict[str, Any]]  # {x, y, r, count, site, day}
    ticks: list[dict[str, Any]]  # {x, label}


@dataclass
class TopicPage:
    query: str
    mode: str  # "topic": a crawl's topic query; "search": full-text query
    filters: Filters
    coverage: list[CoverageRow]
    firsts: list[OutletFirst]
    stories: list[StorySummary]
    chart: Chart | None = None
    generated: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def articles(self) -> int:
        return sum(f.articles for f in self.firsts)


def topic_page(source: Any, query: str, filters: Filters | None = None, *,
               story_limit: int = 50) -> TopicPage:
    """The topic page data. ``query`` names a topic the crawls recorded (case-insensitive),
    else it is a full-text query (search syntax)."""
    filters = filters or Filters()
    with connection(source) as conn:
        recorded = conn.execute(
            sa.select(topics.c.query).where(sa.func.lower(topics.c.query) == query.strip().lower())
        ).scalar()
        if recorded:
            filters = Filters(sites=filters.sites, since=filters.since, until=filters.until,
                              topic=recorded, language=filters.language)
            text_query, mode = None, "topic"
        else:
            text_query, mode = query, "search"
        rows = coverage(conn, filters, query=text_query)
        firsts = _firsts(conn, filters, text_query)
        found = stories(conn, filters, query=text_query, min_articles=1, limit=story_limit)
    found = [s for s in found if s.articles > 1 or len(s.outlets) > 1]
    return TopicPage(query=recorded or query, mode=mode, filters=filters, coverage=rows,
                     firsts=firsts, stories=found, chart=chart(rows),
                     generated=datetime.now().astimezone())


def _firsts(conn: sa.Connection, filters: Filters, text_query: str | None) -> list[OutletFirst]:
    site = captures.c.site
    stmt = (
        sa.select(site, articles.c.content_hash, articles.c.title, articles.c.published,
                  sa.func.min(captures.c.fetched_at).label("fetched"),
                  sa.func.min(captures.c.url).label("url"))
        .select_from(captures.join(articles, articles.c.content_hash == captures.c.content_hash))
        .where(*matching_conditions(conn, text_query, filters), site.is_not(None))
        .group_by(site, articles.c.content_hash, articles.c.title, articles.c.published)
    )
    if filters.sites:
        stmt = stmt.where(sa.func.lower(site).in_([s.lower() for s in filters.sites]))
    best: dict[str, OutletFirst] = {}
    for row in conn.execute(stmt):
        fetched = utc(datetime.fromisoformat(row.fetched) if isinstance(row.fetched, str)
                      else row.fetched)
        when = row.published or fetched
        found = best.get(row.site)
        if found is None or (when, row.content_hash) < (found.when, found.content_hash):
            count = found.articles + 1 if found else 1
            best[row.site] = OutletFirst(row.site, when, row.content_hash, row.title, row.url, count)
        else:
            found.articles += 1
    return sorted(best.values(), key=lambda f: (f.when, f.site))


def chart(rows: list[CoverageRow]) -> Chart | None:
    """Geometry of the coverage timeline: one row per outlet, one dot per day sized by count."""
    if not rows:
        return None
    sites = sorted({r.site for r in rows})
    first, last = min(r.period for r in rows), max(r.period for r in rows)
    if (last - first).days < 6:  # a short story still gets a week of context
        pad = (6 - (last - first).days + 1) // 2
        first, last = first - timedelta(days=pad), last + timedelta(days=pad)
    days = (last - first).days + 1
    step = max(4, min(CHART_DAY_MAX, (CHART_WIDTH - CHART_LEFT - 40) // days))
    width = CHART_LEFT + step * days + 40
    height = CHART_ROW * len(sites) + 50
    largest = max(r.articles for r in rows)
    y_of = {s: 20 + CHART_ROW * i + CHART_ROW // 2 for i, s in enumerate(sites)}

    def x_of(day: date) -> int:
        return CHART_LEFT + step * (day - first).days + step // 2

    dots = [{"x": x_of(r.period), "y": y_of[r.site], "count": r.articles, "site": r.site,
             "day": r.period.isoformat(), "r": round(3 + 9 * (r.articles / largest) ** 0.5, 1)}
            for r in rows]
    every = max(1, (days + 7) // 8)
    ticks = [{"x": x_of(first + timedelta(days=d)), "label": (first + timedelta(days=d)).isoformat()}
             for d in range(0, days, every)]
    return Chart(width, height, [{"site": s, "y": y} for s, y in y_of.items()], dots, ticks)


def render_report(source: Any, query: str, filters: Filters | None = None) -> str:
    """The topic page as one self-contained HTML document (for `archive report`)."""
    from archive.serve.app import STATIC_DIR, templates

    page = topic_page(source, query, filters)
    css = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
    return templates().get_template("topic.html").render(
        page=page, standalone=True, inline_css=css, url_for=None)
