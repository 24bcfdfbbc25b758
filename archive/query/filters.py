"""Filters shared by search, export and coverage: site, date range, topic, language.

A topic filter names a topic the crawls archived. It matches a stored topic by
canonical form (:func:`topic_key`): case, spacing, an implicit or explicit
``AND``, redundant parentheses and the order of ``AND``/``OR`` operands do not
matter, so ``--topic "india AND (defense OR defence)"`` finds the articles of a
crawl run with ``-a topic='(defence OR defense) India'``. A topic that matches
none raises :class:`UnknownTopicError`, which lists the topics there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from archive.db.models import articles, captures, topic_matches, topics
from archive.errors import ArchiveError
from archive.topic import And, Atom, Node, Not, Or, TopicQueryError, parse_topic

#: How many known topics an UnknownTopicError names (the most used first).
KNOWN_TOPICS_SHOWN = 20


class FilterError(ArchiveError):
    """A filter value cannot be understood (for example a malformed date)."""


class UnknownTopicError(FilterError):
    """No archived topic has the canonical form of the one asked for; ``known`` lists them."""

    def __init__(self, topic: str, known: list[tuple[str, int]], reason: str = "") -> None:
        self.topic = topic
        self.known = known  # (stored query, articles matched), most articles first
        if not known:
            message = (f"no topic {topic!r}: this archive has no topics yet "
                       "(crawl with -a topic=...)")
        else:
            shown = known[:KNOWN_TOPICS_SHOWN]
            lines = [f"  {query}  ({n} article{'s' if n != 1 else ''})" for query, n in shown]
            if len(known) > len(shown):
                lines.append(f"  ... and {len(known) - len(shown)} more")
            message = (f"no topic {topic!r} in this archive{reason}; known topics:\n"
                       + "\n".join(lines))
        super().__init__(message)


def text_problem(text: str) -> str | None:
    """Why a piece of text cannot be sent to the database as a parameter, or None.

    PostgreSQL text cannot hold NUL, and neither engine takes a lone surrogate (what
    Python makes of bytes that are not UTF-8 on a command line).
    """
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid text (bytes that are not UTF-8)"
    return None


def topic_key(query: str) -> str:
    """The canonical form under which two topic queries are the same topic.

    The parsed query (terms casefolded, ``AND`` made explicit) written with the
    operands of every ``AND`` and ``OR`` sorted; a query that does not parse is
    compared by its casefolded words. Raises nothing.
    """
    try:
        root = parse_topic(query).root
    except TopicQueryError:
        return " ".join(query.casefold().split())
    return _sorted_form(root)


def _sorted_form(node: Node) -> str:
    if isinstance(node, Atom):
        return str(node)
    if isinstance(node, Not):
        return f"NOT ({_sorted_form(node.child)})"
    operator = " AND " if isinstance(node, And) else " OR "
    assert isinstance(node, (And, Or))
    return "(" + operator.join(sorted(_sorted_form(child) for child in node.children)) + ")"


def topic_ids(conn: sa.Connection, topic: str) -> list[int]:
    """The ids of the stored topics with the canonical form of ``topic``.

    Raises UnknownTopicError (listing the known topics with their article counts)
    when there is none. Topics are few (one per crawl query): all are read.
    """
    wanted = topic_key(topic)
    stored = conn.execute(sa.select(topics.c.id, topics.c.query)).all()
    ids = [row.id for row in stored if topic_key(row.query) == wanted]
    if ids:
        return ids
    counts = (
        sa.select(topics.c.query, sa.func.count(topic_matches.c.id).label("articles"))
        .select_from(topics.outerjoin(topic_matches, topic_matches.c.topic_id == topics.c.id))
        .group_by(topics.c.query)
        .order_by(sa.desc("articles"), topics.c.query)
    )
    known = [(row.query, int(row.articles)) for row in conn.execute(counts)]
    reason = ""
    try:
        parse_topic(topic)
    except TopicQueryError as exc:
        reason = f" (and it is not a valid topic query: {exc.message})"
    raise UnknownTopicError(topic, known, reason)


def parse_when(value: str | date | datetime | None, *, end: bool = False) -> datetime | None:
    """A date or timestamp given as text (``2025-10-31``, ``2025-10-31T12:00``), date or datetime.

    A bare date means the start of that day (UTC), or with ``end`` the start of
    the next day, so that ``until=2025-10-31`` includes the whole of the 31st.
    An end after the last day Python can represent (``until=9999-12-31``) is no
    bound at all; a time that falls outside years 1 to 9999 in UTC is a FilterError.
    """
    if value is None or value == "":
        return None
    shown = value
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
    if not isinstance(value, date):
        raise FilterError(f"a date must be text, a date or a datetime, not {type(value).__name__}")
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=timezone.utc)
        whole_day = True
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        if end and whole_day:
            value += timedelta(days=1)
        return value.astimezone(timezone.utc)
    except OverflowError:
        if end and whole_day and value.date() == date.max:
            return None  # up to and including the last representable day: every article
        raise FilterError(
            f"the date {str(shown)!r} is out of range: dates run from 0001-01-01 to 9999-12-31 (UTC)"
        ) from None


def article_date() -> sa.ColumnElement[Any]:
    """When an article appeared: its published date, else when it was first seen."""
    return sa.func.coalesce(articles.c.published, articles.c.first_seen, type_=articles.c.published.type)


@dataclass(frozen=True)
class Filters:
    """What narrows a search or an export. Empty filters select every article.

    sites: site names (as in the sites file), any of them, case-insensitive;
    since/until: inclusive dates (on the published date, else first seen);
    topic: a topic query the article matched, compared by canonical form (``topic_key``);
    language: ``en`` also takes ``en-GB``.
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
        sites: tuple[str, ...]
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

    def __post_init__(self) -> None:
        # Values are checked at run time: callers outside mypy's view pass anything.
        named: list[tuple[str, object]] = [("--site", site) for site in self.sites]
        named += [("--topic", self.topic), ("--lang", self.language)]
        for option, value in named:
            if value is None:
                continue
            if not isinstance(value, str):
                raise FilterError(f"{option} must be text, not {type(value).__name__}")
            problem = text_problem(value)
            if problem:
                raise FilterError(f"{option} {value!r} {problem}")

    def conditions(self, conn: sa.Connection) -> list[sa.ColumnElement[bool]]:
        """WHERE conditions on the ``articles`` table.

        ``conn`` resolves a topic filter to the stored topics of its canonical form;
        raises UnknownTopicError when none has it.
        """
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
                .where(topic_matches.c.topic_id.in_(topic_ids(conn, self.topic)))
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
