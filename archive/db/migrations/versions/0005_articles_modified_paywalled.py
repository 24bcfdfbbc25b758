"""Articles: ``modified`` (the article's own last-modified time) and ``paywalled``.

``modified`` is what the page's structured data gives as dateModified (never before
``published``), indexed like ``published`` so that filters and sorting on it stay cheap.
``paywalled`` is True when the page marks its text as not free (schema.org
isAccessibleForFree): the archived text may then be only the free part. Existing rows
get NULL / false; ``reindex`` fills them from the WARC.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from archive.db.models import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both engines (no batch table copy: SQLite's FTS triggers stay).
    op.add_column("articles", sa.Column("modified", UTCDateTime(), nullable=True))
    op.add_column("articles", sa.Column("paywalled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index(op.f("ix_articles_modified"), "articles", ["modified"])


def downgrade() -> None:
    op.drop_index(op.f("ix_articles_modified"), table_name="articles")
    op.drop_column("articles", "paywalled")
    op.drop_column("articles", "modified")
