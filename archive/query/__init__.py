"""Querying the archive: search, show, coverage, export, overviews, CDXJ, WACZ and replay.

Library functions take an open ``Archive``, an SQLAlchemy Engine or a Connection;
``archive.query.api`` gathers the handful a notebook needs.
"""

from archive.query.articles import ArticleView, article, resolve
from archive.query.captures import (
    CaptureInfo,
    capture,
    capture_states,
    iter_captures,
    latest_capture,
)
from archive.query.coverage import CoverageRow, coverage, plot_coverage
from archive.query.export import FIELDS as EXPORT_FIELDS
from archive.query.export import export, iter_records
from archive.query.filters import FilterError, Filters
from archive.query.fts import ParsedQuery, QuerySyntaxError, parse_query
from archive.query.overview import crawl_summaries, sites, stats
from archive.query.search import SearchHit, count, search

__all__ = [
    "ArticleView", "CaptureInfo", "CoverageRow", "EXPORT_FIELDS", "FilterError", "Filters",
    "ParsedQuery", "QuerySyntaxError", "SearchHit", "article", "capture", "capture_states",
    "count", "coverage",
    "crawl_summaries", "export", "iter_captures", "iter_records", "latest_capture", "parse_query",
    "plot_coverage",
    "resolve", "search", "sites", "stats",
]
