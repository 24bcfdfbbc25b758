"""Index captures by (canonical_url, fetched_at) for the latest capture per URL.

Replaces the single-column canonical_url index: the composite one serves the
same lookups and lets capture_states() read each URL's newest capture from
the index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_captures_canonical_url_fetched_at", "captures", ["canonical_url", "fetched_at"]
    )
    op.drop_index("ix_captures_canonical_url", table_name="captures")


def downgrade() -> None:
    op.create_index("ix_captures_canonical_url", "captures", ["canonical_url"])
    op.drop_index("ix_captures_canonical_url_fetched_at", table_name="captures")
