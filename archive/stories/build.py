"""Assigning new articles to stories: signatures, candidates, links, merges (see archive.stories)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from archive.db.engine import connect
from archive.db.models import article_links, articles, story_articles, story_buckets
from archive.query.source import engine_of
from archive.stories.signature import (
    EMPTY,
    TERM_PERMUTATIONS,
    TEXT_PERMUTATIONS,
    Signature,
    article_signature,
)

logger = logging.getLogger(__name__)

NEAR_DUPLICATE = 0.5
SAME_STORY = 0.15
ENTITY_RATIO = 0.8
WINDOW = timedelta(hours=72)
MIN_TERMS = 15
STORIES_LOCK = 0x5354_4F52_4945_53  # PostgreSQL advisory lock key of the story updater

KNOWN_BANDS = {(NEAR_DUPLICATE, TEXT_PERMUTATIONS): (14, 4)}
"""datasketch's MinHashLSH(threshold, num_perm) (bands, rows), for the default threshold:
datasketch finds them by numerical integration, and ``import datasketch`` loads scipy for
it (about 1 s of CPU and 50 MB at every crawl's close). tests/test_stories.py checks the
entry against datasketch."""


def band_ranges(threshold: float, num_perm: int = TEXT_PERMUTATIONS) -> list[tuple[int, int]]:
    """The (start, end) slices of the LSH bands datasketch chooses for ``threshold``."""
    known = KNOWN_BANDS.get((threshold, num_perm))
    if known is None:
        from datasketch import MinHashLSH

        planner = MinHashLSH(threshold=threshold, num_perm=num_perm)
        return list(planner.hashranges)
    bands, rows = known
    return [(band * rows, (band + 1) * rows) for band in range(bands)]


@dataclass
class StoryUpdate:
    """What one `update` did."""

    articles: int = 0
    near_duplicates: int = 0
    same_story: int = 0
    stories_created: int = 0
    stories_merged: int = 0
    empty: int = 0  # articles without words (they stay alone)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def add(self, other: StoryUpdate) -> None:
        for key, value in other.__dict__.items():
            setattr(self, key, getattr(self, key) + value)


class _Stories:
    """Union-find over story ids; the root of a set is its smallest id."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, story: int) -> int:
        root = story
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while story != root:
            story, self.parent[story] = self.parent.get(story, story), root
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        low, high = min(ra, rb), max(ra, rb)
        self.parent[high] = low
        self.parent.setdefault(low, low)
        return True


@dataclass
class _Known:
    """A story member the batch compares against (stored, or new in this batch)."""

    article_id: int
    content_hash: str
    story_id: int
    time: datetime
    signature: Signature


class StoryBuilder:
    """Computes signatures and links new articles into stories (method: archive.stories).

    ``near_duplicate``, ``same_story``: similarity thresholds; ``entity_ratio``: how much
    of the term similarity the entity similarity must reach; ``window``: how
    far apart two write-ups of one event may be; ``min_terms``: fewer content
    words than this gives near-duplicate links only; ``batch_size``: articles
    per transaction.
    """

    def __init__(
        self,
        *,
        near_duplicate: float = NEAR_DUPLICATE,
        same_story: float = SAME_STORY,
        entity_ratio: float = ENTITY_RATIO,
        window: timedelta = WINDOW,
        min_terms: int = MIN_TERMS,
        batch_size: int = 500,
    ) -> None:
        if not 0 < near_duplicate <= 1 or not 0 < same_story <= 1:
            raise ValueError("similarity thresholds must be in (0, 1]")
        self.near_duplicate = near_duplicate
        self.same_story = same_story
        self.entity_ratio = entity_ratio
        self.window = window
        self.min_terms = min_terms
        self.batch_size = batch_size
        # datasketch's bands and rows for the threshold (the buckets live in story_buckets)
        self.hashranges = band_ranges(near_duplicate)

    # --- signatures ---

    def signature(self, title: str | None, text: str) -> Signature:
        return article_signature(title, text)

    def buckets(self, signature: Signature) -> list[int]:
        """The LSH buckets of a text signature: one signed 64-bit key per band (none without words)."""
        keys: list[int] = []
        if not signature.shingle_count:
            return keys
        for band, (start, end) in enumerate(self.hashranges):
            digest = hashlib.blake2b(
                band.to_bytes(2, "big") + signature.text[start:end].byteswap().tobytes(),
                digest_size=8,
            ).digest()
            keys.append(int.from_bytes(digest, "big", signed=True))
        return keys

    # --- updating ---

    def update(self, source: Any, *, limit: int | None = None,
               signatures: Mapping[str, Signature] | None = None) -> StoryUpdate:
        """Link every article that has no story yet, in order of their story time (so that
        each batch reads only a narrow window of stored signatures); returns the counts.

        ``signatures``: signatures computed ahead (``article_signature``), by content hash;
        an article without one has its signatures computed here."""
        engine = engine_of(source)
        total = StoryUpdate()
        when = sa.func.coalesce(articles.c.published, articles.c.first_seen)
        with connect(engine) as conn:
            pending = list(conn.execute(
                sa.select(articles.c.id)
                .select_from(articles.outerjoin(
                    story_articles, story_articles.c.content_hash == articles.c.content_hash))
                .where(story_articles.c.content_hash.is_(None))
                .order_by(when, articles.c.id)
                .limit(limit)
            ).scalars().all())
        for start in range(0, len(pending), self.batch_size):
            # begin=True: SQLite's write lock taken up front, so that an update running
            # beside a crawl's index writer waits for it instead of failing "locked"
            with connect(engine, begin=True) as conn:
                total.add(self._batch(conn, pending[start:start + self.batch_size], signatures or {}))
        if total.articles:
            logger.info("stories: %d article(s) linked: %d near-duplicate(s), %d same-story link(s), "
                        "%d new stor(ies), %d merge(s)", total.articles, total.near_duplicates,
                        total.same_story, total.stories_created, total.stories_merged)
        return total

    def _batch(self, conn: sa.Connection, ids: list[int], ahead: Mapping[str, Signature]) -> StoryUpdate:
        report = StoryUpdate()
        if conn.dialect.name == "postgresql":
            # One updater at a time (several crawl nodes may close at once); rows another
            # updater linked meanwhile are skipped by the query below.
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(STORIES_LOCK)))
        rows = list(conn.execute(
            sa.select(articles.c.id, articles.c.content_hash, articles.c.title, articles.c.text,
                      articles.c.published, articles.c.first_seen)
            .select_from(articles.outerjoin(
                story_articles, story_articles.c.content_hash == articles.c.content_hash))
            .where(articles.c.id.in_(ids), story_articles.c.content_hash.is_(None))
        ).all())
        rows.sort(key=lambda r: ((r.published or r.first_seen), r.id))
        if not rows:
            return report
        new = []
        for row in rows:
            signature = ahead.get(row.content_hash) or self.signature(row.title, row.text or "")
            when = row.published or row.first_seen
            new.append((row, signature, when, self.buckets(signature)))
        stored_by_bucket = self._bucket_members(conn, {b for item in new for b in item[3]})
        known = self._load(conn, {i for ids in stored_by_bucket.values() for i in ids},
                           [item[2] for item in new])
        hash_of = {k.article_id: k.content_hash for k in known.values()}
        window = [k for k in known.values() if k.signature.term_count >= self.min_terms]
        # room for the batch up front: growing the arrays per article (np.vstack) copied the
        # whole stored window once per article, quadratic in a large archive's window
        capacity = len(window) + len(new)
        window_times = np.empty(capacity, dtype=np.float64)
        window_terms = np.empty((capacity, TERM_PERMUTATIONS), dtype=np.uint32)
        window_names = np.empty((capacity, TERM_PERMUTATIONS), dtype=np.uint32)
        for index, stored in enumerate(window):
            window_times[index] = stored.time.timestamp()
            window_terms[index] = stored.signature.terms
            window_names[index] = stored.signature.names

        stories = _Stories()
        batch_by_bucket: dict[int, list[int]] = {}
        batch_known: list[_Known] = []
        links: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        bucket_rows: list[dict[str, Any]] = []
        horizon = self.window.total_seconds()
        for row, signature, when, keys in new:
            report.articles += 1
            if not signature.shingle_count:
                report.empty += 1
            linked: dict[str, tuple[str, float, float, int]] = {}
            # near-duplicates: stored and in-batch articles sharing a bucket
            candidates: set[int] = set()
            for key in keys:
                candidates.update(stored_by_bucket.get(key, ()))
                candidates.update(batch_by_bucket.get(key, ()))
            for other_id in candidates:
                other_hash = hash_of.get(other_id)
                if other_hash is None or other_hash == row.content_hash:
                    continue
                other = known.get(other_hash)
                if other is None:
                    continue
                text_sim = _similarity(signature.text, other.signature.text)
                if text_sim >= self.near_duplicate:
                    linked[other_hash] = ("near-duplicate", text_sim,
                                          _similarity(signature.terms, other.signature.terms),
                                          other.story_id)
            # same story: term similarity within the time window
            if signature.term_count >= self.min_terms and len(window):
                close = np.nonzero(np.abs(window_times[:len(window)] - when.timestamp()) <= horizon)[0]
                if len(close):
                    sims = (window_terms[close] == signature.terms).mean(axis=1)
                    names = ((window_names[close] == signature.names)
                             & (signature.names != EMPTY)).mean(axis=1)
                    same = (sims >= self.same_story) & (names >= self.entity_ratio * sims)
                    for index in close[same]:
                        other = window[index]
                        if other.content_hash in linked or other.content_hash == row.content_hash:
                            continue
                        term_sim = float(sims[np.searchsorted(close, index)])
                        linked[other.content_hash] = (
                            "same-story", _similarity(signature.text, other.signature.text),
                            term_sim, other.story_id)
            story_id = row.id
            stories.find(story_id)
            touched = {stories.find(other[3]) for other in linked.values()}
            for other_story in touched:
                stories.union(story_id, other_story)
            if touched:
                report.stories_merged += max(0, len(touched) - 1)
            else:
                report.stories_created += 1
            for other_hash, (kind, text_sim, term_sim, _story) in linked.items():
                links.append({"content_hash": row.content_hash, "other_hash": other_hash,
                              "kind": kind, "text_similarity": round(text_sim, 4),
                              "term_similarity": round(term_sim, 4)})
                if kind == "near-duplicate":
                    report.near_duplicates += 1
                else:
                    report.same_story += 1
            mine = _Known(row.id, row.content_hash, story_id, when, signature)
            known[row.content_hash] = mine
            hash_of[row.id] = row.content_hash
            batch_known.append(mine)
            for key in keys:
                batch_by_bucket.setdefault(key, []).append(row.id)
                bucket_rows.append({"bucket": key, "article_id": row.id})
            if signature.term_count >= self.min_terms:
                window_times[len(window)] = when.timestamp()
                window_terms[len(window)] = signature.terms
                window_names[len(window)] = signature.names
                window.append(mine)
            members.append({"content_hash": row.content_hash, "story_id": story_id,
                             "story_time": when, "text_signature": signature.text.tobytes(),
                             "term_signature": signature.terms.tobytes(),
                             "entity_signature": signature.names.tobytes(),
                             "terms": signature.term_count})
        # Stored stories that this batch merged into another get their new id.
        in_batch = {k.content_hash for k in batch_known}
        stored_ids = {k.story_id for k in known.values() if k.content_hash not in in_batch}
        for old in sorted(stored_ids):
            root = stories.find(old)
            if root != old:
                conn.execute(story_articles.update().where(story_articles.c.story_id == old)
                             .values(story_id=root))
        for member in members:
            member["story_id"] = stories.find(member["story_id"])
        conn.execute(story_articles.insert(), members)
        if bucket_rows:
            conn.execute(story_buckets.insert(), bucket_rows)
        if links:
            conn.execute(article_links.insert(), links)
        return report

    def _bucket_members(self, conn: sa.Connection, keys: set[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        ordered = sorted(keys)
        for start in range(0, len(ordered), 2000):
            chunk = ordered[start:start + 2000]
            for bucket, article_id in conn.execute(
                sa.select(story_buckets.c.bucket, story_buckets.c.article_id)
                .where(story_buckets.c.bucket.in_(chunk))
            ):
                found.setdefault(bucket, []).append(article_id)
        return found

    def _load(self, conn: sa.Connection, ids: set[int], times: list[datetime]) -> dict[str, _Known]:
        """Stored members: the near-duplicate candidates, and every member within the window
        of the batch's times (read in spans, so a batch spread over years reads little)."""
        known: dict[str, _Known] = {}
        joined = story_articles.join(articles,
                                     articles.c.content_hash == story_articles.c.content_hash)
        columns = (articles.c.id, story_articles.c.content_hash, story_articles.c.story_id,
                   story_articles.c.story_time, story_articles.c.text_signature,
                   story_articles.c.term_signature, story_articles.c.entity_signature,
                   story_articles.c.terms)
        ordered = sorted(ids)
        for start in range(0, len(ordered), 2000):
            for row in conn.execute(sa.select(*columns).select_from(joined).where(
                    articles.c.id.in_(ordered[start:start + 2000]))):
                known[row.content_hash] = _known(row)
        for low, high in _spans(sorted(times), self.window):
            for row in conn.execute(sa.select(*columns).select_from(joined).where(
                    story_articles.c.story_time >= low - self.window,
                    story_articles.c.story_time <= high + self.window,
                    story_articles.c.terms >= self.min_terms)):
                if row.content_hash not in known:
                    known[row.content_hash] = _known(row)
        return known


def _known(row: Any) -> _Known:
    return _Known(row.id, row.content_hash, row.story_id, row.story_time, Signature(
        text=np.frombuffer(row.text_signature, dtype=np.uint32),
        terms=np.frombuffer(row.term_signature, dtype=np.uint32),
        names=np.frombuffer(row.entity_signature, dtype=np.uint32),
        term_count=row.terms,
    ))


def _spans(times: list[datetime], gap: timedelta) -> list[tuple[datetime, datetime]]:
    """Sorted times grouped into spans whose neighbours are at most ``gap`` apart."""
    spans: list[tuple[datetime, datetime]] = []
    for when in times:
        if spans and when - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], when)
        else:
            spans.append((when, when))
    return spans


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash signatures of one scheme and seed."""
    return float(np.count_nonzero(a == b)) / len(a)


def update_stories(source: Any, **options: Any) -> StoryUpdate:
    """Link the articles that have no story yet, with the default method (archive.stories)."""
    return StoryBuilder(**options).update(source)


def clear_stories(conn: sa.Connection) -> None:
    """Forget every signature, bucket and link (before a rebuild with other thresholds)."""
    conn.execute(article_links.delete())
    conn.execute(story_buckets.delete())
    conn.execute(story_articles.delete())
