"""WARC files' high-water marks: how far each file's records are indexed.

``warc_files.indexed_to`` is the byte offset up to which every record of a WARC file
has its index rows committed; the index writer advances it with each committed batch,
and opening an archive indexes every file from its mark to its end (crash recovery
without `reindex`). Existing archives start from what their rows show: each file is
marked at the end of the furthest record indexed from it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "warc_files",
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("indexed_to", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("filename", name="pk_warc_files"),
    )
    op.execute(
        "INSERT INTO warc_files (filename, indexed_to) "
        "SELECT warc_filename, MAX(warc_offset + warc_length) FROM ("
        " SELECT warc_filename, warc_offset, warc_length FROM captures"
        " UNION ALL SELECT warc_filename, warc_offset, warc_length FROM derived_records"
        ") AS indexed GROUP BY warc_filename"
    )


def downgrade() -> None:
    op.drop_table("warc_files")
