"""PostgreSQL: a small ranking vector (title + lead) next to the full search_vector.

Ranking a match with ts_rank needs its tsvector. The full ``search_vector``
(title A, text B) is about 1.5x the text and TOASTed, so ranking a common
word's ~25,000 matches read five or more TOAST pages per match.
``rank_vector`` holds only the title (A) and the first LEAD_CHARS characters
of the text (B): about 1.2 KB, kept in the row itself (storage MAIN). Its GIN
index finds the matches whose title or lead hold a query word, which search
ranks first (by ts_rank over rank_vector) without visiting the other matches.
Matching itself still uses ``search_vector`` and its GIN index.

The upgrade rewrites ``articles`` (PostgreSQL computes the stored column for
every row) under an exclusive lock, then builds the index: minutes on a large
archive. SQLite is unchanged (FTS5 ranks with bm25 from its own index).

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: How much of the text the ranking vector covers: the headline plus the lede, where a
#: news story names its subject. A cut through a word adds one truncated lexeme, harmless.
LEAD_CHARS = 600

PG_RANK_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector('english'::regconfig, left(coalesce(text, ''), {LEAD_CHARS})), 'B')"
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    # One statement, so the rewrite that fills the column already uses storage MAIN
    # (inline, compressed only if the row would not fit otherwise).
    op.execute(
        "ALTER TABLE articles "
        f"ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS ({PG_RANK_VECTOR}) STORED, "
        "ALTER COLUMN rank_vector SET STORAGE MAIN"
    )
    op.create_index("ix_articles_rank_vector", "articles", ["rank_vector"], postgresql_using="gin")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.drop_index("ix_articles_rank_vector", table_name="articles")
    op.execute("ALTER TABLE articles DROP COLUMN rank_vector")
