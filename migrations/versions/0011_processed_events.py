"""every event once: processed event keys, and the key of the event that opened each case

Revision ID: 0011_processed
Revises: 0010_case_actions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_processed"
down_revision = "0010_case_actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_processed_events_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_events")),
        sa.UniqueConstraint("community_id", "key", name=op.f("uq_processed_events_community_id")),
    )
    op.create_index("ix_processed_at", "processed_events", ["community_id", "at"])
    with op.batch_alter_table("moderation_cases") as batch:
        batch.add_column(sa.Column("event_key", sa.String(length=40), nullable=True))
        batch.create_unique_constraint(
            "uq_moderation_cases_event_key", ["community_id", "event_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.drop_constraint("uq_moderation_cases_event_key", type_="unique")
        batch.drop_column("event_key")
    op.drop_index("ix_processed_at", table_name="processed_events")
    op.drop_table("processed_events")
