"""One article in full: metadata, clean text, every capture, every version of its URLs and their diffs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archive.db.models import articles, captures, topic_matches, topics
from archive.errors import ArchiveError, RecordNotFound
from archive.query.captures import CaptureInfo, iter_captures
from archive.query.source import connection
from archive.urls import canonical_url

_HEX = re.compile(r"[0-9a-f]{6,64}")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“‘'(\[A-Z0-9])")


class AmbiguousReference(ArchiveError):
    """A short hash prefix matches more than one article."""


@dataclass
class Version:
    """One text a URL has had: the article, and the span of captures that carried it."""

    content_hash: str
    title: str | None
    first_fetched: datetime
    last_fetched: datetime
    captures: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class VersionDiff:
    url: str
    from_hash: str
    to_hash: str
    diff: str  # unified diff, sentence per line

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class UrlHistory:
    """Every version seen at one (canonical) URL, oldest first, and the diffs between them."""

    url: str
    versions: list[Version]
    diffs: list[VersionDiff]

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "versions": [v.as_dict() for v in self.versions],
            "diffs": [d.as_dict() for d in self.diffs],
        }


@dataclass
class ArticleView:
    """An article with its metadata, text, captures, topics and URL histories."""

    content_hash: str
    title: str | None
    authors: list[str]
    published: datetime | None
    language: str | None
    canonical_url: str | None
    site_name: str | None
    description: str | None
    tags: list[str]
    first_seen: datetime
    last_seen: datetime
    first_site: str | None
    first_url: str | None
    text: str
    modified: datetime | None = None
    paywalled: bool = False
    topics: list[dict[str, Any]] = field(default_factory=list)
    captures: list[CaptureInfo] = field(default_factory=list)
    history: list[UrlHistory] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return sorted({c.url for c in self.captures})

    @property
    def sites(self) -> list[str]:
        return sorted({c.site for c in self.captures if c.site})

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("captures", "history")}
        data["urls"] = self.urls
        data["sites"] = self.sites
        data["captures"] = [c.as_dict() for c in self.captures]
        data["history"] = [h.as_dict() for h in self.history]
        return data


def resolve(source: Any, ref: str) -> str:
    """The content hash that ``ref`` names: a hash, a unique hash prefix (6+ hex digits) or a URL.

    A URL names the newest article captured at it (matched as given or by its
    canonical form). Raises RecordNotFound or AmbiguousReference.
    """
    ref = (ref or "").strip()
    if not ref:
        raise RecordNotFound("give an article hash or a URL")
    with connection(source) as conn:
        if _HEX.fullmatch(ref.lower()):
            return _resolve_hash(conn, ref.lower())
        return _resolve_url(conn, ref)


def _resolve_hash(conn: sa.Connection, prefix: str) -> str:
    if len(prefix) == 64:
        found: str | None = conn.execute(
            sa.select(articles.c.content_hash).where(articles.c.content_hash == prefix)
        ).scalar()
        if found:
            return found
        raise RecordNotFound(f"no article with content hash {prefix}")
    rows: Sequence[str] = conn.execute(
        sa.select(articles.c.content_hash)
        .where(articles.c.content_hash >= prefix)
        .where(articles.c.content_hash < prefix + "g")
        .limit(5)
    ).scalars().all()
    if not rows:
        raise RecordNotFound(f"no article whose content hash starts with {prefix}")
    if len(rows) > 1:
        raise AmbiguousReference(
            f"{prefix} matches several articles ({', '.join(r[:12] for r in rows)}...): "
            "give more of the hash"
        )
    return rows[0]


def _resolve_url(conn: sa.Connection, url: str) -> str:
    canonical = canonical_url(url)
    where = sa.or_(
        captures.c.url == url, captures.c.canonical_url == canonical, captures.c.url == canonical
    )
    row = conn.execute(
        sa.select(captures.c.content_hash)
        .where(where, captures.c.content_hash.is_not(None))
        .order_by(captures.c.fetched_at.desc())
        .limit(1)
    ).first()
    if row is not None:
        content_hash: str = row.content_hash
        return content_hash
    seen = conn.execute(sa.select(sa.func.count()).where(where)).scalar_one()
    if seen:
        raise RecordNotFound(
            f"{url} was captured {seen} time(s) but no article text was extracted from it"
        )
    raise RecordNotFound(f"no capture of {url} in the archive")


def article(source: Any, ref: str, *, history: bool = True) -> ArticleView:
    """The article that ``ref`` (hash, hash prefix or URL) names, with captures and URL history."""
    with connection(source) as conn:
        content_hash = resolve(conn, ref)
        row = conn.execute(
            sa.select(articles).where(articles.c.content_hash == content_hash)
        ).mappings().one()
        view = ArticleView(
            content_hash=row["content_hash"],
            title=row["title"],
            authors=list(row["authors"] or []),
            published=row["published"],
            language=row["language"],
            canonical_url=row["canonical_url"],
            site_name=row["site_name"],
            description=row["description"],
            tags=list(row["tags"] or []),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            first_site=row["first_site"],
            first_url=row["first_url"],
            text=row["text"],
            modified=row["modified"],
            paywalled=bool(row["paywalled"]),
        )
        view.topics = [
            {"query": t.query, "score": t.score, "crawl_id": t.crawl_id}
            for t in conn.execute(
                sa.select(topics.c.query, topic_matches.c.score, topic_matches.c.crawl_id)
                .join(topics, topics.c.id == topic_matches.c.topic_id)
                .where(topic_matches.c.content_hash == content_hash)
                .order_by(topic_matches.c.score.desc(), topics.c.query)
            )
        ]
        view.captures = list(iter_captures(conn, content_hash=content_hash))
        if history:
            urls = sorted({c.canonical_url for c in view.captures})
            view.history = [url_history(conn, url) for url in urls]
    return view


def url_history(source: Any, url: str) -> UrlHistory:
    """The versions of the article at ``url`` (canonical form), oldest first, with diffs."""
    canonical = canonical_url(url)
    with connection(source) as conn:
        stmt = (
            sa.select(
                captures.c.content_hash,
                articles.c.title,
                articles.c.text,
                sa.func.min(captures.c.fetched_at).label("first_fetched"),
                sa.func.max(captures.c.fetched_at).label("last_fetched"),
                sa.func.count().label("captures"),
            )
            .join(articles, articles.c.content_hash == captures.c.content_hash)
            .where(captures.c.canonical_url == canonical)
            .group_by(captures.c.content_hash, articles.c.title, articles.c.text)
            .order_by(sa.text("first_fetched"))
        )
        rows = conn.execute(stmt).all()
    versions = [
        Version(r.content_hash, r.title, r.first_fetched, r.last_fetched, r.captures) for r in rows
    ]
    texts = {r.content_hash: r.text for r in rows}
    diffs = []
    for old, new in zip(versions, versions[1:]):
        diffs.append(
            VersionDiff(
                url=canonical,
                from_hash=old.content_hash,
                to_hash=new.content_hash,
                diff=text_diff(
                    texts[old.content_hash],
                    texts[new.content_hash],
                    f"{old.content_hash[:12]} {old.first_fetched:%Y-%m-%d %H:%M}",
                    f"{new.content_hash[:12]} {new.first_fetched:%Y-%m-%d %H:%M}",
                ),
            )
        )
    return UrlHistory(canonical, versions, diffs)


def text_lines(text: str) -> list[str]:
    """Text split into paragraphs, and paragraphs into sentences: a readable unit for diffs."""
    lines = []
    for paragraph in (text or "").splitlines():
        paragraph = paragraph.strip()
        if paragraph:
            lines.extend(_SENTENCE_END.split(paragraph))
    return lines


def text_diff(old: str, new: str, old_label: str = "old", new_label: str = "new") -> str:
    """A unified diff of two texts, one sentence per line."""
    return "\n".join(
        difflib.unified_diff(
            text_lines(old), text_lines(new), fromfile=old_label, tofile=new_label, lineterm="", n=1
        )
    )
