"""Storage of the per-site boilerplate learner: segment counts and pages seen per site."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from archive.db.dialects import backend
from archive.db.engine import connect
from archive.db.models import site_pages, site_segments

#: segment_hash -> (segment, page_count)
Segments = dict[str, tuple[str, int]]
#: segment_hash -> (segment, page_count_increment, seen_at)
SegmentUpdates = Mapping[str, tuple[str, int, datetime]]


def load_site_segments(engine: Engine, site: str) -> tuple[int, Segments]:
    """How many pages of ``site`` were learned from, and every segment with its page count."""
    with connect(engine) as conn:
        pages = conn.execute(
            sa.select(site_pages.c.pages).where(site_pages.c.site == site)
        ).scalar_one_or_none()
        rows = conn.execute(
            sa.select(
                site_segments.c.segment_hash, site_segments.c.segment, site_segments.c.page_count
            ).where(site_segments.c.site == site)
        )
        segments = {digest: (segment, count) for digest, segment, count in rows}
    return pages or 0, segments


def save_site_segments(
    engine: Engine, site: str, pages: int, updates: SegmentUpdates
) -> None:
    """Add ``pages`` new pages and each segment's page-count increment, in one transaction.

    Counts are added to what is stored (so concurrent learners do not lose
    each other's counts); a new segment is inserted with its increment;
    first_seen keeps the earliest and last_seen the latest ``seen_at``.
    """
    insert, clean = backend(engine).insert, backend(engine).clean
    with connect(engine, begin=True) as conn:
        if pages:
            stmt = insert(site_pages)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["site"],
                    set_={"pages": site_pages.c.pages + stmt.excluded.pages},
                ),
                {"site": site, "pages": pages},
            )
        if updates:
            stmt = insert(site_segments)
            new = stmt.excluded
            table = site_segments.c
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["site", "segment_hash"],
                    set_={
                        "page_count": table.page_count + new.page_count,
                        "first_seen": sa.case(
                            (new.first_seen < table.first_seen, new.first_seen),
                            else_=table.first_seen,
                        ),
                        "last_seen": sa.case(
                            (new.last_seen > table.last_seen, new.last_seen),
                            else_=table.last_seen,
                        ),
                    },
                ),
                clean([
                    {
                        "site": site,
                        "segment_hash": digest,
                        "segment": segment,
                        "page_count": increment,
                        "first_seen": seen_at,
                        "last_seen": seen_at,
                    }
                    for digest, (segment, increment, seen_at) in sorted(updates.items())
                ]),
            )

