"""Filters shared by search, export and coverage: site, date range, topic, language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from archive.db.models import articles, captures, topic_matches, topics
from archive.errors import ArchiveError


class FilterError(ArchiveError):
    """A filter value cannot be understood (for example a malformed date)."""


def parse_when(value: str | date | datetime | None, *, end: bool = False) -> datetime | None:
    """A date or timestamp given as text (``2025-10-31``, ``2025-10-31T12:00``), date or datetime.

    A bare date means the start of that day (UTC), or with ``end`` the start of
    the next day, so that ``until=2025-10-31`` includes the whole of the 31st.
    """
    if value is None or value == "":
        return None
    whole_day = False
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FilterError(
                f"cannot read the date {text!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]"
            ) from None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=timezone.utc)
        whole_day = True
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if end and whole_day:
        value += timedelta(days=1)
    return value.astimezone(timezone.utc)


def article_date() -> sa.ColumnElement:
    """When an article appeared: its published date, else when it was first seen."""
    return sa.func.coalesce(articles.c.published, articles.c.first_seen, type_=articles.c.published.type)


@dataclass(frozen=True)
class Filters:
    """What narrows a search or an export. Empty filters select every article.

    sites: site names (as in the sites file), any of them, case-insensitive;
    since/until: inclusive dates (on the published date, else first seen);
    topic: a topic query the article matched; language: ``en`` also takes ``en-GB``.
    """

    sites: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive bound, already moved past a whole day
    topic: str | None = None
    language: str | None = None

    @classmethod
    def make(
        cls,
        site: str | Iterable[str] | None = None,
        since: str | date | datetime | None = None,
        until: str | date | datetime | None = None,
        topic: str | None = None,
        lang: str | None = None,
    ) -> Filters:
        if isinstance(site, str):
            sites = (site,)
        else:
            sites = tuple(s for s in (site or ()) if s)
        since_at, until_at = parse_when(since), parse_when(until, end=True)
        if since_at and until_at and since_at >= until_at:
            raise FilterError(f"--since {since} is not before --until {until}")
        return cls(
            sites=sites,
            since=since_at,
            until=until_at,
            topic=topic or None,
            language=(lang or "").strip().lower() or None,
        )

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """WHERE conditions on the ``articles`` table."""
        where: list[sa.ColumnElement[bool]] = []
        if self.sites:
            names = [s.lower() for s in self.sites]
            where.append(
                sa.exists()
                .where(captures.c.content_hash == articles.c.content_hash)
                .where(sa.func.lower(captures.c.site).in_(names))
            )
        when = article_date()
        if self.since is not None:
            where.append(when >= self.since)
        if self.until is not None:
            where.append(when < self.until)
        if self.topic:
            where.append(
                sa.exists()
                .where(topic_matches.c.content_hash == articles.c.content_hash)
                .where(topic_matches.c.topic_id == topics.c.id)
                .where(sa.func.lower(topics.c.query) == self.topic.lower())
            )
        if self.language:
            lang = sa.func.lower(articles.c.language)
            prefix = self.language + "-"
            where.append(
                sa.or_(lang == self.language, sa.func.substr(lang, 1, len(prefix)) == prefix)
            )
        return where

    def as_dict(self) -> dict[str, Any]:
        return {
            "sites": list(self.sites),
            "since": self.since,
            "until": self.until,
            "topic": self.topic,
            "language": self.language,
        }
