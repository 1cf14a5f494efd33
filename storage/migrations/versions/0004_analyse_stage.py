"""The analyse stage: entity mentions, duplicates, stories, and the stage's own order.

Articles gain `stage_version` (pending while NULL), `analysed_seq` (the order the stage
finished them in; alert watermarks count it), `duplicate_of`, `story_id` and a
near-duplicate `signature`; `stories` and `mentions` are new; alert matches remember
their story. Articles stored before keep their place for alert rules (`analysed_seq` =
id, which is what the watermarks counted until now) and are tagged, deduplicated and
grouped by the next `chipwatch run` (or `reindex`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import fts

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEWEST = [sa.text("coalesce(published_at, fetched_at) DESC"), sa.text("id DESC")]


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_index("ix_stories_first_seen", "stories", ["first_seen"], unique=False)
    op.create_index("ix_stories_last_seen", "stories", ["last_seen"], unique=False)

    # SQLite adds a column with a named foreign key only by copying the table (batch
    # mode). The copy of `articles` would lose what reflection cannot see: the
    # expression index is dropped first and made again after, and the full-text
    # triggers go with the old table (the index itself keeps its rowids: ids are kept).
    conn = op.get_bind()
    op.drop_index("ix_articles_newest", table_name="articles")
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("stage_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("analysed_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("signature", sa.LargeBinary(), nullable=True))
        batch.create_foreign_key(
            "fk_articles_duplicate_of_articles",
            "articles",
            ["duplicate_of"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            "fk_articles_story_id_stories", "stories", ["story_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_articles_stage_version", ["stage_version"], unique=False)
        batch.create_index("ix_articles_analysed_seq", ["analysed_seq"], unique=True)
        batch.create_index("ix_articles_duplicate_of", ["duplicate_of"], unique=False)
        batch.create_index("ix_articles_story_id", ["story_id"], unique=False)
    fts.install(conn, layout=2)
    op.execute("UPDATE articles SET analysed_seq = id")

    with op.batch_alter_table("alert_matches") as batch:
        batch.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_alert_matches_story_id_stories",
            "stories",
            ["story_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_alert_matches_story_id", ["story_id"], unique=False)
    op.create_index("ix_articles_newest", "articles", _NEWEST)

    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=100), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_mentions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
    )
    op.create_index("ix_mentions_article_id", "mentions", ["article_id"], unique=False)
    op.create_index("ix_mentions_entity_article", "mentions", ["entity", "article_id"])


def downgrade() -> None:
    conn = op.get_bind()
    op.drop_table("mentions")
    op.drop_index("ix_articles_newest", table_name="articles")
    with op.batch_alter_table("alert_matches") as batch:
        batch.drop_index("ix_alert_matches_story_id")
        batch.drop_constraint("fk_alert_matches_story_id_stories", type_="foreignkey")
        batch.drop_column("story_id")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_story_id")
        batch.drop_index("ix_articles_duplicate_of")
        batch.drop_index("ix_articles_analysed_seq")
        batch.drop_index("ix_articles_stage_version")
        batch.drop_constraint("fk_articles_story_id_stories", type_="foreignkey")
        batch.drop_constraint("fk_articles_duplicate_of_articles", type_="foreignkey")
        for column in ("signature", "story_id", "duplicate_of", "analysed_seq", "stage_version"):
            batch.drop_column(column)
    fts.install(conn, layout=2)
    op.create_index("ix_articles_newest", "articles", _NEWEST)
    op.drop_index("ix_stories_last_seen", table_name="stories")
    op.drop_index("ix_stories_first_seen", table_name="stories")
    op.drop_table("stories")
