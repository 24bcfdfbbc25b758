"""Stories: MinHash signatures, LSH buckets and near-duplicate / same-story links.

``story_articles`` holds each article's MinHash signatures (word 3-shingles
for near-duplicates; content words and names for same-story) and its story id;
``story_buckets`` the LSH band buckets of the 3-shingle signature, so that
near-duplicate candidates are found by an indexed lookup instead of a scan or
an in-memory index; ``article_links`` the pairs found, with their similarity.
All three are derived data: `reindex` (or `archive stories --update`) fills them
from the articles. See archive/stories/__init__.py for the method.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from archive.db.models import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story_articles",
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("story_time", UTCDateTime(), nullable=False),
        sa.Column("text_signature", sa.LargeBinary(), nullable=False),
        sa.Column("term_signature", sa.LargeBinary(), nullable=False),
        sa.Column("entity_signature", sa.LargeBinary(), nullable=False),
        sa.Column("terms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["content_hash"], ["articles.content_hash"],
                                name="fk_story_articles_content_hash_articles"),
        sa.PrimaryKeyConstraint("content_hash", name="pk_story_articles"),
    )
    op.create_index("ix_story_articles_story_id", "story_articles", ["story_id"])
    op.create_index("ix_story_articles_story_time", "story_articles", ["story_time"])
    op.create_table(
        "story_buckets",
        sa.Column("bucket", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"],
                                name="fk_story_buckets_article_id_articles"),
        sa.PrimaryKeyConstraint("bucket", "article_id", name="pk_story_buckets"),
    )
    op.create_table(
        "article_links",
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("other_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text_similarity", sa.Float(), nullable=False),
        sa.Column("term_similarity", sa.Float(), nullable=False),
        sa.CheckConstraint("kind IN ('near-duplicate', 'same-story')", name="ck_article_links_kind"),
        sa.ForeignKeyConstraint(["content_hash"], ["articles.content_hash"],
                                name="fk_article_links_content_hash_articles"),
        sa.ForeignKeyConstraint(["other_hash"], ["articles.content_hash"],
                                name="fk_article_links_other_hash_articles"),
        sa.PrimaryKeyConstraint("content_hash", "other_hash", name="pk_article_links"),
    )
    op.create_index("ix_article_links_other_hash", "article_links", ["other_hash"])


def downgrade() -> None:
    op.drop_index("ix_article_links_other_hash", table_name="article_links")
    op.drop_table("article_links")
    op.drop_table("story_buckets")
    op.drop_index("ix_story_articles_story_time", table_name="story_articles")
    op.drop_index("ix_story_articles_story_id", table_name="story_articles")
    op.drop_table("story_articles")
