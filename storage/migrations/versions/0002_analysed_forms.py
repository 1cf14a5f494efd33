"""Articles keep the analyzer's forms beside their text; the full-text index covers them.

Adds index_surface, index_de, index_en and analyzer_version to `articles`, analyses every
stored article (what `chipwatch reindex` does, here in the upgrade's transaction), and
replaces SQLite's full-text index over title and text (layout 1) with one over the
analysed forms (layout 2).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import fts
from storage.analysed import reindex_batch

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    fts.uninstall(conn)  # its triggers would go with the table batch mode rebuilds
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("index_surface", sa.Text(), nullable=True))
        batch.add_column(sa.Column("index_de", sa.Text(), nullable=True))
        batch.add_column(sa.Column("index_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("analyzer_version", sa.Integer(), nullable=True))
        batch.create_index("ix_articles_analyzer_version", ["analyzer_version"], unique=False)
    while reindex_batch(conn, 500, vocabulary=False):  # its column comes with 0007
        pass
    fts.install(conn, layout=2)
    fts.rebuild(conn)


def downgrade() -> None:
    conn = op.get_bind()
    fts.uninstall(conn)
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_analyzer_version")
        batch.drop_column("analyzer_version")
        batch.drop_column("index_en")
        batch.drop_column("index_de")
        batch.drop_column("index_surface")
    fts.install(conn, layout=1)
    fts.rebuild(conn)
