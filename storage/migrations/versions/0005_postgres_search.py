"""PostgreSQL's full-text index: a stored tsvector column over the analysed forms, GIN.

PostgreSQL only (see storage/pgsearch.py for the column and why it uses the `simple`
configuration); on SQLite, whose FTS5 index revision 0002 made, this revision changes
nothing. The column is computed by PostgreSQL, so adding it fills it for every stored
article.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from collections.abc import Sequence

from alembic import op

from storage import pgsearch

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pgsearch.install(op.get_bind())


def downgrade() -> None:
    pgsearch.uninstall(op.get_bind())
