"""PostgreSQL: a GIN index over the title's tsvector, for search's first tier (title matches).

Search ranks the matches whose title holds a query word first. At a million
articles a common word is in the title of a few thousand articles but in the
lead (``rank_vector``) of tens of thousands: ranking only the title matches
keeps a common-word search under 50 ms. The index is over an expression, so
no column is added and the table is not rewritten; search writes the same
expression (``archive.db.models.title_vector``) so that the planner uses it.
SQLite needs nothing: FTS5 filters on the title column itself (``{title} :``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Must be the expression of ``archive.db.models.title_vector``, character for character
#: in meaning (the planner matches the parsed expression).
PG_TITLE_VECTOR = "to_tsvector('english'::regconfig, coalesce(title, ''))"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_articles_title_vector ON articles USING gin (({PG_TITLE_VECTOR}))")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.drop_index("ix_articles_title_vector", table_name="articles")
