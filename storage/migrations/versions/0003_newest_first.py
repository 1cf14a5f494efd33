"""An index in newest-first order, so search walks the archive in the order it shows.

`search` asked SQLite for every full-text match joined with its article and sorted them
all by date for each page of 200: 80-130 ms for a common two-word query over 100,000
articles. Walking this index and testing each entry against the set of matches stops
after a page instead.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Written out, not imported from the models: a migration keeps doing what it did
    # when the models change later.
    op.create_index(
        "ix_articles_newest",
        "articles",
        [sa.text("coalesce(published_at, fetched_at) DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    op.drop_index("ix_articles_newest", table_name="articles")
