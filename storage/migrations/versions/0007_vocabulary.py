"""Articles keep the distinct tokens of their analysed forms (`index_vocab`), which rule
matching looks up instead of scanning the whole text.

Filled here from the stored forms, without analysing anything again; a plain
`add_column` (SQLite adds it in place, the full-text triggers stay).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.analysed import fill_vocabulary_batch

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("index_vocab", sa.Text(), nullable=True))
    conn = op.get_bind()
    while fill_vocabulary_batch(conn):
        pass


def downgrade() -> None:
    # in place too (SQLite 3.35+ drops a plain column without copying the table)
    op.drop_column("articles", "index_vocab")
