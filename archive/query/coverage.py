"""Coverage of a topic: per site and per day, how many articles, first and last seen; and a plot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from archive.db.models import articles, captures
from archive.errors import ArchiveError
from archive.query.filters import Filters
from archive.query.search import matching_conditions
from archive.query.source import connection

Period = Literal["day", "week", "month"]
PERIODS = ("day", "week", "month")


@dataclass
class CoverageRow:
    """Articles a site carried in one period (day, week or month)."""

    site: str
    period: date  # the day, the Monday of the week, or the first of the month
    articles: int
    first_seen: datetime  # earliest capture at this site of any of these articles
    last_seen: datetime

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def period_start(day: date, by: Period) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def coverage(
    source: Any,
    filters: Filters | None = None,
    *,
    query: str | None = None,
    by: Period = "day",
) -> list[CoverageRow]:
    """Per site and period: articles (by published date, else first capture there), first/last seen.

    An article captured at several sites (syndication) counts once for each.
    Rows are sorted by site, then period.
    """
    if by not in PERIODS:
        raise ArchiveError(f"coverage period must be one of {', '.join(PERIODS)}, not {by!r}")
    filters = filters or Filters()
    site = sa.func.coalesce(captures.c.site, sa.literal_column("''"))
    with connection(source) as conn:
        stmt = (
            sa.select(
                site.label("site"),
                articles.c.content_hash,
                articles.c.published,
                sa.func.min(captures.c.fetched_at).label("first_seen"),
                sa.func.max(captures.c.fetched_at).label("last_seen"),
            )
            .select_from(captures.join(articles, articles.c.content_hash == captures.c.content_hash))
            .where(*matching_conditions(conn, query, filters))
            .group_by(site, articles.c.content_hash, articles.c.published)
        )
        if filters.sites:
            stmt = stmt.where(sa.func.lower(captures.c.site).in_([s.lower() for s in filters.sites]))
        groups: dict[tuple[str, date], CoverageRow] = {}
        for row in conn.execute(stmt.execution_options(yield_per=5000)):
            first = _utc(row.first_seen)
            last = _utc(row.last_seen)
            when = _utc(row.published) if row.published is not None else first
            key = (row.site or "(unknown)", period_start(when.date(), by))
            found = groups.get(key)
            if found is None:
                groups[key] = CoverageRow(key[0], key[1], 1, first, last)
            else:
                found.articles += 1
                found.first_seen = min(found.first_seen, first)
                found.last_seen = max(found.last_seen, last)
    return [groups[key] for key in sorted(groups)]


def _utc(value: datetime | str) -> datetime:
    # The models hand back tz-aware UTC; aggregates (min/max) on SQLite come back as text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        from datetime import timezone

        value = value.replace(tzinfo=timezone.utc)
    return value


def plot_coverage(
    rows: list[CoverageRow], path: str | Path, *, title: str | None = None, by: Period = "day"
) -> Path:
    """Draw coverage as a PNG (or any format matplotlib knows by the file suffix).

    Top: articles per period, stacked by site. Bottom: a timeline with one row
    per site, a dot per period sized by its article count.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    path = Path(path)
    check_plot_path(path)
    if not rows:
        raise ArchiveError("nothing to plot: no articles match")
    sites = sorted({r.site for r in rows})
    periods = sorted({r.period for r in rows})
    counts = {(r.site, r.period): r.articles for r in rows}
    width = {"day": 0.8, "week": 5.6, "month": 24}[by]

    fig, (bars, timeline) = plt.subplots(
        2, 1, figsize=(11, 3 + 0.45 * len(sites) + 3), sharex=True,
        gridspec_kw={"height_ratios": [3, max(1.5, 0.45 * len(sites))]},
    )
    colours = plt.get_cmap("tab20")
    bottom = [0] * len(periods)
    for index, site in enumerate(sites):
        heights = [counts.get((site, p), 0) for p in periods]
        bars.bar(periods, heights, width=width, bottom=bottom, label=site,
                 color=colours(index % 20))
        bottom = [b + h for b, h in zip(bottom, heights)]
    bars.set_ylabel(f"articles per {by}")
    bars.legend(loc="upper left", fontsize="small", ncol=2 if len(sites) > 6 else 1)
    bars.set_title(title or "Coverage")
    bars.grid(axis="y", alpha=0.3)

    largest = max(r.articles for r in rows)
    for index, site in enumerate(sites):
        site_rows = [r for r in rows if r.site == site]
        timeline.scatter(
            [r.period for r in site_rows], [index] * len(site_rows),
            s=[40 + 260 * r.articles / largest for r in site_rows],
            color=colours(index % 20), alpha=0.8, zorder=3,
        )
        for r in site_rows:
            timeline.annotate(str(r.articles), (r.period, index), ha="center", va="center",
                              fontsize=7, zorder=4)
    timeline.set_yticks(range(len(sites)), sites)
    timeline.set_ylim(-0.7, len(sites) - 0.3)
    timeline.invert_yaxis()
    timeline.grid(axis="x", alpha=0.3)
    # matplotlib's date locators and formatters have unannotated constructors
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    timeline.xaxis.set_major_locator(locator)
    timeline.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
    )
    if len(periods) == 1:
        only = datetime.combine(periods[0], datetime.min.time())
        timeline.set_xlim(only - timedelta(days=3), only + timedelta(days=3))
    fig.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise ArchiveError(f"cannot write the plot to {path}: {exc.strerror or exc}") from exc
    finally:
        plt.close(fig)
    return path


def check_plot_path(path: str | Path) -> None:
    """Raise ArchiveError unless matplotlib can draw to ``path``'s format (by its suffix)."""
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = Path(path).suffix.lower().lstrip(".")
    known = FigureCanvasBase.get_supported_filetypes()
    if suffix and suffix not in known:
        raise ArchiveError(
            f"cannot draw a .{suffix} file: use one of " + ", ".join(f".{s}" for s in sorted(known))
        )
