"""Adaptive polling and source health: a `listings` table (each feed, sitemap and
section page's learned interval, next fetch, last change and problem), a
`source_health` table (what the operator was told about each source), and the health
signals of each crawl run per source (`crawl_run_sources.signals`).

Plain `add_column` without a foreign key: SQLite adds it in place, no table copy.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("key", sa.String(length=2048), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent", sa.String(length=2048), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("interval", sa.Float(), nullable=False),
        sa.Column("fetches", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_fetch", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetch", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_change", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_fetch", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.String(length=64), nullable=True),
        sa.Column("problem_detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_listings")),
    )
    op.create_index("ix_listings_source", "listings", ["source"], unique=False)
    op.create_index("ix_listings_next_fetch", "listings", ["next_fetch"], unique=False)
    op.create_table(
        "source_health",
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("notified", sa.String(length=64), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_health")),
    )
    op.add_column("crawl_run_sources", sa.Column("signals", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_run_sources") as batch:
        batch.drop_column("signals")
    op.drop_table("source_health")
    op.drop_index("ix_listings_next_fetch", table_name="listings")
    op.drop_index("ix_listings_source", table_name="listings")
    op.drop_table("listings")
