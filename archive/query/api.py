"""A small Python API for notebooks and scripts.

    from archive.query import api
    arch = api.open_archive("archive-data")            # or any Engine / Archive
    hits = api.search(arch, '"defence framework"', site="The Hindu")
    view = api.article(arch, hits[0].content_hash)     # or a URL
    for capture in api.captures(arch, content_hash=view.content_hash): ...
    frame = api.dataframe(arch, "defence", since="2025-10-01")   # needs pandas

Every function takes an open ``Archive``, an SQLAlchemy Engine or Connection.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from archive.errors import ArchiveError
from archive.query.articles import ArticleView
from archive.query.articles import article as _article
from archive.query.captures import CaptureInfo, iter_captures
from archive.query.export import iter_records
from archive.query.filters import Filters
from archive.query.search import SearchHit
from archive.query.search import search as _search

if TYPE_CHECKING:
    import pandas as pd

    from archive import Archive

When = str | date | datetime | None


def open_archive(
    directory: str | os.PathLike[str] = "archive-data",
    database_url: str | None = None,
    *,
    upgrade: bool = False,
) -> Archive:
    """Open an archive folder (and its database: SQLite inside it unless ``database_url``)."""
    from archive import Archive

    return Archive.open(directory, database_url, upgrade=upgrade)


def search(
    source: Any,
    query: str,
    *,
    site: str | Iterable[str] | None = None,
    since: When = None,
    until: When = None,
    topic: str | None = None,
    lang: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """Full-text search, best first, with highlighted snippets (see archive.query.fts)."""
    filters = Filters.make(site=site, since=since, until=until, topic=topic, lang=lang)
    return _search(source, query, filters, limit=limit, offset=offset)


def article(source: Any, ref: str) -> ArticleView:
    """An article by content hash, unique hash prefix or URL; raises RecordNotFound."""
    return _article(source, ref)


def captures(
    source: Any,
    *,
    url: str | None = None,
    content_hash: str | None = None,
    site: str | None = None,
    crawl_id: str | None = None,
) -> Iterator[CaptureInfo]:
    """Captures, oldest first, optionally of one URL, article, site or crawl (streamed)."""
    return iter_captures(source, url=url, content_hash=content_hash, site=site, crawl_id=crawl_id)


def articles(
    source: Any,
    query: str | None = None,
    *,
    site: str | Iterable[str] | None = None,
    since: When = None,
    until: When = None,
    topic: str | None = None,
    lang: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every matching article as an export record (streamed; see archive.query.export.FIELDS)."""
    filters = Filters.make(site=site, since=since, until=until, topic=topic, lang=lang)
    return iter_records(source, filters, query=query)


def dataframe(
    source: Any,
    query: str | None = None,
    *,
    site: str | Iterable[str] | None = None,
    since: When = None,
    until: When = None,
    topic: str | None = None,
    lang: str | None = None,
    limit: int | None = 1000,
    text: bool = False,
) -> pd.DataFrame:
    """A pandas DataFrame: search hits (with score and snippet) when ``query`` is given,
    otherwise article records. ``text=True`` keeps the full clean text column."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional for the library
        raise ArchiveError("dataframe() needs pandas: pip install pandas") from None
    filters = Filters.make(site=site, since=since, until=until, topic=topic, lang=lang)
    if query:
        hits = _search(source, query, filters, limit=limit or 1000)
        rows = [hit.as_dict() for hit in hits]
        if text:
            for row in rows:
                row["text"] = _article(source, row["content_hash"]).text
    else:
        rows = []
        for record in iter_records(source, filters):
            if not text:
                record.pop("text")
            rows.append(record)
            if limit is not None and len(rows) >= limit:
                break
    frame = pd.DataFrame(rows)
    for column in ("published", "first_seen", "last_seen"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
