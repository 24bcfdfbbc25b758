"""Reading stories: the list (with filters), one story in full (members, timeline, diffs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from archive.db.models import article_links, articles, captures, story_articles
from archive.errors import ArchiveError, RecordNotFound
from archive.query.articles import resolve, text_diff
from archive.query.filters import Filters
from archive.query.search import matching_conditions
from archive.query.source import connection

MAX_LIMIT = 1000
MAX_DIFFS = 25  # diffs shown for one story (a wire story copied by hundreds of sites)


@dataclass
class StorySummary:
    """One story: its size, outlets, and who had it first."""

    story_id: int
    title: str | None  # of the earliest member
    articles: int
    outlets: list[str]
    first_published: datetime | None  # earliest published date of a member
    first_seen: datetime  # earliest capture of any member
    last_seen: datetime
    earliest_publisher: str | None  # site of the member published (else captured) first
    earliest_url: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class StoryMember:
    """One article of a story, with where and when it was captured."""

    content_hash: str
    title: str | None
    published: datetime | None
    first_seen: datetime
    sites: list[str]
    urls: list[str]
    first_site: str | None
    first_url: str | None

    @property
    def when(self) -> datetime:
        return self.published or self.first_seen

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ArticleLinkView:
    """Why two members are in one story."""

    content_hash: str  # the later-indexed article
    other_hash: str
    kind: str  # "near-duplicate" | "same-story"
    text_similarity: float
    term_similarity: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TimelineEvent:
    when: datetime
    event: str  # "published" | "captured"
    site: str | None
    url: str | None
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class StoryView:
    """A story in full: summary, members oldest first, links, timeline, and version diffs."""

    summary: StorySummary
    members: list[StoryMember]
    links: list[ArticleLinkView]
    timeline: list[TimelineEvent]
    diffs: list[dict[str, Any]] = field(default_factory=list)  # {from_hash, to_hash, kind, diff}

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.summary.as_dict(),
            "members": [m.as_dict() for m in self.members],
            "links": [link.as_dict() for link in self.links],
            "timeline": [e.as_dict() for e in self.timeline],
            "diffs": self.diffs,
        }


def stories(
    source: Any,
    filters: Filters | None = None,
    *,
    query: str | None = None,
    min_articles: int = 2,
    limit: int = 50,
    offset: int = 0,
) -> list[StorySummary]:
    """Stories with at least one member matching the filters (and full-text ``query``),
    newest first (by their earliest member's time). ``min_articles`` counts the whole story."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ArchiveError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0 or min_articles < 1:
        raise ArchiveError("offset must be >= 0 and min_articles >= 1")
    filters = filters or Filters()
    with connection(source) as conn:
        matched = (
            sa.select(story_articles.c.story_id)
            .select_from(story_articles.join(
                articles, articles.c.content_hash == story_articles.c.content_hash))
            .where(*matching_conditions(conn, query, filters))
        )
        start = sa.func.min(story_articles.c.story_time)
        ids = conn.execute(
            sa.select(story_articles.c.story_id)
            .where(story_articles.c.story_id.in_(matched))
            .group_by(story_articles.c.story_id)
            .having(sa.func.count() >= min_articles)
            .order_by(start.desc(), story_articles.c.story_id.desc())
            .limit(limit).offset(offset)
        ).scalars().all()
        summaries = _summaries(conn, list(ids))
    return [summaries[i] for i in ids]


def story_of(source: Any, ref: str) -> int:
    """The story id of an article (content hash, unique prefix or URL); raises RecordNotFound."""
    with connection(source) as conn:
        content_hash = resolve(conn, ref)
        found = conn.execute(sa.select(story_articles.c.story_id)
                             .where(story_articles.c.content_hash == content_hash)).scalar()
    if found is None:
        raise RecordNotFound(f"article {content_hash[:12]} is not in a story yet "
                             "(run `archive stories --update`)")
    return int(found)


def story(source: Any, story_id: int, *, diffs: bool = True) -> StoryView:
    """One story by id; raises RecordNotFound."""
    with connection(source) as conn:
        summaries = _summaries(conn, [story_id])
        if story_id not in summaries:
            raise RecordNotFound(f"no story {story_id}")
        members = _members(conn, [story_id])[story_id]
        hashes = [m.content_hash for m in members]
        links = [
            ArticleLinkView(r.content_hash, r.other_hash, r.kind, r.text_similarity, r.term_similarity)
            for r in conn.execute(
                sa.select(article_links).where(article_links.c.content_hash.in_(hashes))
                .order_by(article_links.c.content_hash, article_links.c.other_hash))
        ]
        timeline = []
        for m in members:
            if m.published:
                timeline.append(TimelineEvent(m.published, "published", m.first_site, m.first_url,
                                              m.content_hash))
        for row in conn.execute(
            sa.select(captures.c.fetched_at, captures.c.site, captures.c.url, captures.c.content_hash)
            .where(captures.c.content_hash.in_(hashes))
        ):
            timeline.append(TimelineEvent(row.fetched_at, "captured", row.site, row.url,
                                          row.content_hash))
        timeline.sort(key=lambda e: (e.when, e.event != "published", e.site or ""))
        found_diffs = _diffs(conn, members, links) if diffs else []
    return StoryView(summaries[story_id], members, links, timeline, found_diffs)


# --- internals ---


def _members(conn: sa.Connection, story_ids: list[int]) -> dict[int, list[StoryMember]]:
    by_story: dict[int, list[StoryMember]] = {i: [] for i in story_ids}
    if not story_ids:
        return by_story
    rows = conn.execute(
        sa.select(story_articles.c.story_id, articles.c.content_hash, articles.c.title,
                  articles.c.published, articles.c.first_seen, articles.c.first_site,
                  articles.c.first_url)
        .select_from(story_articles.join(
            articles, articles.c.content_hash == story_articles.c.content_hash))
        .where(story_articles.c.story_id.in_(story_ids))
    ).all()
    seen: dict[str, tuple[set[str], set[str]]] = {r.content_hash: (set(), set()) for r in rows}
    hashes = list(seen)
    for start in range(0, len(hashes), 2000):
        for c in conn.execute(sa.select(captures.c.content_hash, captures.c.site, captures.c.url)
                              .where(captures.c.content_hash.in_(hashes[start:start + 2000]))):
            if c.site:
                seen[c.content_hash][0].add(c.site)
            seen[c.content_hash][1].add(c.url)
    for r in rows:
        sites, urls = seen[r.content_hash]
        by_story[r.story_id].append(StoryMember(
            r.content_hash, r.title, r.published, r.first_seen, sorted(sites), sorted(urls),
            r.first_site, r.first_url))
    for members in by_story.values():
        members.sort(key=lambda m: (m.when, m.first_seen, m.content_hash))
    return by_story


def _summaries(conn: sa.Connection, story_ids: list[int]) -> dict[int, StorySummary]:
    result = {}
    for story_id, members in _members(conn, story_ids).items():
        if not members:
            continue
        first = members[0]
        outlets = sorted({s for m in members for s in m.sites})
        published = [m.published for m in members if m.published]
        result[story_id] = StorySummary(
            story_id=story_id,
            title=first.title,
            articles=len(members),
            outlets=outlets,
            first_published=min(published) if published else None,
            first_seen=min(m.first_seen for m in members),
            last_seen=max(m.first_seen for m in members),
            earliest_publisher=first.first_site,
            earliest_url=first.first_url,
        )
    return result


def _diffs(conn: sa.Connection, members: list[StoryMember],
           links: list[ArticleLinkView]) -> list[dict[str, Any]]:
    """Diffs between versions: near-duplicate pairs, and texts seen at one URL (older first)."""
    order = {m.content_hash: i for i, m in enumerate(members)}
    pairs: dict[tuple[str, str], str] = {}
    for link in links:
        if link.kind == "near-duplicate":
            a, b = sorted((link.content_hash, link.other_hash), key=lambda h: order[h])
            pairs[(a, b)] = "near-duplicate"
    by_url: dict[str, list[str]] = {}
    for m in members:
        for url in m.urls:
            by_url.setdefault(url, []).append(m.content_hash)
    for hashes in by_url.values():
        hashes.sort(key=lambda h: order[h])
        for a, b in zip(hashes, hashes[1:]):
            pairs.setdefault((a, b), "same-url")
    if not pairs:
        return []
    pairs = dict(sorted(pairs.items(), key=lambda item: (order[item[0][0]], order[item[0][1]]))[:MAX_DIFFS])
    wanted = sorted({h for pair in pairs for h in pair})
    texts = dict(conn.execute(sa.select(articles.c.content_hash, articles.c.text)
                              .where(articles.c.content_hash.in_(wanted))).all())
    out = []
    for (a, b), kind in sorted(pairs.items(), key=lambda item: (order[item[0][0]], order[item[0][1]])):
        out.append({"from_hash": a, "to_hash": b, "kind": kind,
                    "diff": text_diff(texts.get(a, ""), texts.get(b, ""), a[:12], b[:12])})
    return out


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
