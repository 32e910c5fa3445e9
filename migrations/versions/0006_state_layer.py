"""state layer: standing and DM reachability as durable facts, membership history as rows

Revision ID: 0006_state
Revises: 0005_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_state"
down_revision = "0005_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        # admin | moderator | bot | member, as last seen on the platform and by playbook roles
        batch.add_column(sa.Column("standing", sa.String(length=16), nullable=True))
    op.create_table(
        "membership_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_membership_events_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_events")),
        sa.UniqueConstraint(
            "community_id", "user_id", "kind", "at", name=op.f("uq_membership_events_community_id")
        ),
    )
    op.create_index("ix_membership_at", "membership_events", ["community_id", "at"])
    op.create_table(
        "dm_reachability",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("why", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_dm_reachability")),
    )
    # history for members already known: their last join and last leave
    op.execute(
        "INSERT INTO membership_events (community_id, user_id, kind, at) "
        "SELECT community_id, user_id, 'join', joined_at FROM members WHERE joined_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO membership_events (community_id, user_id, kind, at) "
        "SELECT community_id, user_id, 'leave', left_at FROM members WHERE left_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("dm_reachability")
    op.drop_index("ix_membership_at", table_name="membership_events")
    op.drop_table("membership_events")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("standing")
