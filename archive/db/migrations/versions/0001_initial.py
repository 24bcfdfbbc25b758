"""Initial schema: crawls, captures, derived records, articles, topics, site segments, full text.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from archive.db.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


# SQLite FTS5, external content on `articles` (rowid = articles.id), kept in step by triggers.
# The update trigger fires only when title or text change, so bumping last_seen stays cheap.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "title, text, content='articles', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); "
    "END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); "
    "END",
    # Index any rows that already exist (none on a fresh database).
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]

# PostgreSQL: a stored generated tsvector. The text is capped so that a huge
# page cannot exceed the 1 MB tsvector limit and fail the insert.
PG_SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(text, ''), 500000)), 'B')"
)


def upgrade() -> None:
    op.create_table(
        "crawls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.String(length=64), nullable=False),
        sa.Column("spider", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("sites", _json(), nullable=False),
        sa.Column("settings_digest", sa.String(length=128), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("stats", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawls")),
        sa.UniqueConstraint("crawl_id", name=op.f("uq_crawls_crawl_id")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("authors", _json(), nullable=False),
        sa.Column("published", UTCDateTime(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("site_name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("first_site", sa.Text(), nullable=True),
        sa.Column("first_url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_articles_content_hash")),
    )
    op.create_index(op.f("ix_articles_published"), "articles", ["published"])
    op.create_index(op.f("ix_articles_first_site"), "articles", ["first_site"])
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("query", name=op.f("uq_topics_query")),
    )
    op.create_table(
        "site_segments",
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("segment_hash", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.Text(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site", "segment_hash", name=op.f("pk_site_segments")),
    )
    op.create_table(
        "site_pages",
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_site_pages")),
    )
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("site", sa.Text(), nullable=True),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("warc_filename", sa.Text(), nullable=False),
        sa.Column("warc_offset", sa.BigInteger(), nullable=False),
        sa.Column("warc_length", sa.BigInteger(), nullable=False),
        sa.Column("payload_digest", sa.String(length=100), nullable=True),
        sa.Column("block_digest", sa.String(length=100), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("crawl_id", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("refers_to_record_id", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "record_type IN ('response', 'revisit')", name=op.f("ck_captures_record_type")
        ),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["articles.content_hash"],
            name=op.f("fk_captures_content_hash_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["crawl_id"], ["crawls.crawl_id"], name=op.f("fk_captures_crawl_id_crawls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captures")),
        sa.UniqueConstraint("record_id", name=op.f("uq_captures_record_id")),
    )
    op.create_index(op.f("ix_captures_url"), "captures", ["url"])
    op.create_index(op.f("ix_captures_canonical_url"), "captures", ["canonical_url"])
    op.create_index(op.f("ix_captures_content_hash"), "captures", ["content_hash"])
    op.create_index(op.f("ix_captures_fetched_at"), "captures", ["fetched_at"])
    op.create_table(
        "derived_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("capture_record_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("warc_filename", sa.Text(), nullable=False),
        sa.Column("warc_offset", sa.BigInteger(), nullable=False),
        sa.Column("warc_length", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('conversion', 'metadata')", name=op.f("ck_derived_records_kind")
        ),
        sa.ForeignKeyConstraint(
            ["capture_record_id"],
            ["captures.record_id"],
            name=op.f("fk_derived_records_capture_record_id_captures"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derived_records")),
        sa.UniqueConstraint("record_id", name=op.f("uq_derived_records_record_id")),
    )
    op.create_index(
        op.f("ix_derived_records_capture_record_id"), "derived_records", ["capture_record_id"]
    )
    op.create_table(
        "topic_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("crawl_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["content_hash"],
            ["articles.content_hash"],
            name=op.f("fk_topic_matches_content_hash_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["crawl_id"], ["crawls.crawl_id"], name=op.f("fk_topic_matches_crawl_id_crawls")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_matches_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_matches")),
        sa.UniqueConstraint(
            "topic_id", "content_hash", name=op.f("uq_topic_matches_topic_id_content_hash")
        ),
    )
    op.create_index(op.f("ix_topic_matches_topic_id"), "topic_matches", ["topic_id"])
    op.create_index(op.f("ix_topic_matches_content_hash"), "topic_matches", ["content_hash"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.add_column(
            "articles",
            sa.Column(
                "search_vector",
                postgresql.TSVECTOR(),
                sa.Computed(PG_SEARCH_VECTOR, persisted=True),
            ),
        )
        op.create_index(
            "ix_articles_search_vector", "articles", ["search_vector"], postgresql_using="gin"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    for table in (
        "topic_matches",
        "derived_records",
        "captures",
        "site_pages",
        "site_segments",
        "topics",
        "articles",
        "crawls",
    ):
        op.drop_table(table)
