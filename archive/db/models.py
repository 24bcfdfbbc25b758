"""SQLAlchemy 2.0 typed models of the archive index (SQLite and PostgreSQL).

The WARC files are the source of truth; these tables only point into them.
Full-text search lives outside the models because it differs per engine and
is created by the migrations: the SQLite FTS5 table ``articles_fts`` and the
PostgreSQL generated columns ``articles.search_vector`` (matching) and
``articles.rank_vector`` (ranking) (see ``fts_table``, ``search_vector`` and
``rank_vector``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that is always a tz-aware UTC ``datetime`` in Python.

    PostgreSQL stores ``timestamptz``. SQLite stores naive UTC text with
    microseconds (``YYYY-MM-DD HH:MM:SS.ffffff``), which sorts and compares
    correctly as text. Naive values are taken to be UTC; a ``date`` becomes
    midnight UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime.combine(value, time(0))
        else:
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        else:
            moment = moment.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return moment.replace(tzinfo=None)
        return moment

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _json() -> sa.types.TypeEngine[Any]:
    """JSON on SQLite (text), JSONB on PostgreSQL; Python None is SQL NULL."""
    return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


JSONType = _json()


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


class Crawl(Base):
    """One crawl run."""

    __tablename__ = "crawls"

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    spider: Mapped[str] = mapped_column(sa.String(200))
    topic: Mapped[str] = mapped_column(sa.Text)
    sites: Mapped[list[Any]] = mapped_column(JSONType)
    settings_digest: Mapped[str] = mapped_column(sa.String(128))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class Article(Base):
    """One clean text, keyed by the SHA-256 of its normalised form."""

    __tablename__ = "articles"

    # An integer primary key: the rowid that the SQLite FTS5 external-content table uses.
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str | None] = mapped_column(sa.Text)
    authors: Mapped[list[Any]] = mapped_column(JSONType)
    published: Mapped[datetime | None] = mapped_column(index=True)
    modified: Mapped[datetime | None] = mapped_column(index=True)
    paywalled: Mapped[bool] = mapped_column(server_default=sa.false())
    language: Mapped[str | None] = mapped_column(sa.String(35))
    text: Mapped[str] = mapped_column(sa.Text)
    canonical_url: Mapped[str | None] = mapped_column(sa.Text)
    site_name: Mapped[str | None] = mapped_column(sa.Text)
    description: Mapped[str | None] = mapped_column(sa.Text)
    tags: Mapped[list[Any]] = mapped_column(JSONType)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    first_site: Mapped[str | None] = mapped_column(sa.Text, index=True)
    first_url: Mapped[str | None] = mapped_column(sa.Text)


class Capture(Base):
    """One archived HTTP response (or revisit) and where its record sits in the WARCs."""

    __tablename__ = "captures"
    __table_args__ = (
        sa.CheckConstraint("record_type IN ('response', 'revisit')", name="record_type"),
        # Lookups by canonical URL and the latest capture per canonical URL (capture_states).
        sa.Index("ix_captures_canonical_url_fetched_at", "canonical_url", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    record_type: Mapped[str] = mapped_column(sa.String(16))
    url: Mapped[str] = mapped_column(sa.Text, index=True)
    canonical_url: Mapped[str] = mapped_column(sa.Text)
    site: Mapped[str | None] = mapped_column(sa.Text)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(sa.Text)
    warc_filename: Mapped[str] = mapped_column(sa.Text)
    warc_offset: Mapped[int] = mapped_column(sa.BigInteger)
    warc_length: Mapped[int] = mapped_column(sa.BigInteger)
    payload_digest: Mapped[str | None] = mapped_column(sa.String(100))
    block_digest: Mapped[str | None] = mapped_column(sa.String(100))
    etag: Mapped[str | None] = mapped_column(sa.Text)
    last_modified: Mapped[str | None] = mapped_column(sa.Text)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    crawl_id: Mapped[str | None] = mapped_column(sa.ForeignKey("crawls.crawl_id"))
    content_hash: Mapped[str | None] = mapped_column(
        sa.ForeignKey("articles.content_hash"), index=True
    )
    refers_to_record_id: Mapped[str | None] = mapped_column(sa.String(100))


class DerivedRecord(Base):
    """A conversion (clean text) or metadata record written for a capture."""

    __tablename__ = "derived_records"
    __table_args__ = (sa.CheckConstraint("kind IN ('conversion', 'metadata')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    capture_record_id: Mapped[str] = mapped_column(
        sa.ForeignKey("captures.record_id"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    warc_filename: Mapped[str] = mapped_column(sa.Text)
    warc_offset: Mapped[int] = mapped_column(sa.BigInteger)
    warc_length: Mapped[int] = mapped_column(sa.BigInteger)


class Topic(Base):
    """A topic query; created on demand by its text."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(sa.Text, unique=True)


class TopicMatch(Base):
    """An article that matched a topic, with the best score seen."""

    __tablename__ = "topic_matches"
    __table_args__ = (sa.UniqueConstraint("topic_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topics.id"), index=True)
    content_hash: Mapped[str] = mapped_column(sa.ForeignKey("articles.content_hash"), index=True)
    score: Mapped[float] = mapped_column(sa.Float)
    crawl_id: Mapped[str | None] = mapped_column(sa.ForeignKey("crawls.crawl_id"))


class SiteSegment(Base):
    """A text segment seen on a site's pages (boilerplate learner)."""

    __tablename__ = "site_segments"

    site: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    segment_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    segment: Mapped[str] = mapped_column(sa.Text)
    page_count: Mapped[int]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class SitePage(Base):
    """How many pages of a site the boilerplate learner has seen."""

    __tablename__ = "site_pages"

    site: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    pages: Mapped[int]


class StoryArticle(Base):
    """An article's place in the stories (archive.stories): its MinHash signatures and story."""

    __tablename__ = "story_articles"

    content_hash: Mapped[str] = mapped_column(
        sa.ForeignKey("articles.content_hash"), primary_key=True
    )
    # The story: the articles.id of its first member (the smallest id when stories merge).
    story_id: Mapped[int] = mapped_column(index=True)
    story_time: Mapped[datetime] = mapped_column(index=True)  # published, else first seen
    text_signature: Mapped[bytes] = mapped_column(sa.LargeBinary)  # MinHash of word 3-shingles
    term_signature: Mapped[bytes] = mapped_column(sa.LargeBinary)  # MinHash of content words
    entity_signature: Mapped[bytes] = mapped_column(sa.LargeBinary)  # MinHash of names, numbers
    terms: Mapped[int]  # distinct content words (too few: no same-story links)


class StoryBucket(Base):
    """One LSH band bucket of an article's text signature (near-duplicate candidates)."""

    __tablename__ = "story_buckets"

    bucket: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("articles.id"), primary_key=True, autoincrement=False
    )


class ArticleLink(Base):
    """Two articles found to be near-duplicates or about the same story, with the figures."""

    __tablename__ = "article_links"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('near-duplicate', 'same-story')", name="kind"),
    )

    content_hash: Mapped[str] = mapped_column(
        sa.ForeignKey("articles.content_hash"), primary_key=True
    )  # the article indexed later
    other_hash: Mapped[str] = mapped_column(
        sa.ForeignKey("articles.content_hash"), primary_key=True, index=True
    )  # the article it was linked to
    kind: Mapped[str] = mapped_column(sa.String(16))
    text_similarity: Mapped[float] = mapped_column(sa.Float)  # estimated Jaccard of 3-shingles
    term_similarity: Mapped[float] = mapped_column(sa.Float)  # estimated Jaccard of content words


class WarcFile(Base):
    """How far each WARC file's records are indexed: the high-water mark of crash recovery.

    ``indexed_to`` is the byte offset up to which every record of the file has its rows
    committed (it advances with each committed batch). On open, the archive indexes each
    file from its mark to its end, so a crash between writing records and committing
    their rows loses nothing and needs no `reindex`."""

    __tablename__ = "warc_files"

    filename: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    indexed_to: Mapped[int] = mapped_column(sa.BigInteger)


# --- Full-text search objects created by the migrations (not part of `metadata`) ---

FTS_TABLE_NAME = "articles_fts"
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"

#: SQLite: ``SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q`` (rowid = articles.id).
fts_table = sa.table(
    FTS_TABLE_NAME, sa.column("rowid", sa.Integer), sa.column("title"), sa.column("text")
)

#: PostgreSQL: ``search_vector.op('@@')(sa.func.websearch_to_tsquery('english', q))`` in a
#: query that selects from ``articles`` (unaliased).
search_vector = sa.literal_column("articles.search_vector", TSVECTOR)

#: PostgreSQL: the title (weight A) and the text's first 600 characters (B), a small tsvector
#: stored in the row, with a GIN index: search ranks the matches (``search_vector @@ q``)
#: whose title or lead hold a query word (``rank_vector @@ q``) first, by
#: ``ts_rank(rank_vector, q)``, without reading the TOASTed search_vector of any match.
rank_vector = sa.literal_column("articles.rank_vector", TSVECTOR)

#: PostgreSQL: the title's tsvector, as the expression that the GIN index
#: ``ix_articles_title_vector`` (migration 0006) is built on: search's first tier, the matches
#: whose title holds a query word, is found through it.
title_vector = sa.func.to_tsvector(
    sa.literal_column("'english'::regconfig"),
    sa.func.coalesce(sa.literal_column("articles.title"), sa.literal_column("''")),
    type_=TSVECTOR,
)

crawls = cast(sa.Table, Crawl.__table__)
captures = cast(sa.Table, Capture.__table__)
derived_records = cast(sa.Table, DerivedRecord.__table__)
articles = cast(sa.Table, Article.__table__)
topics = cast(sa.Table, Topic.__table__)
topic_matches = cast(sa.Table, TopicMatch.__table__)
site_segments = cast(sa.Table, SiteSegment.__table__)
site_pages = cast(sa.Table, SitePage.__table__)
story_articles = cast(sa.Table, StoryArticle.__table__)
story_buckets = cast(sa.Table, StoryBucket.__table__)
article_links = cast(sa.Table, ArticleLink.__table__)
warc_files = cast(sa.Table, WarcFile.__table__)
