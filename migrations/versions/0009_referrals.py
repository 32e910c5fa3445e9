"""referrals: members' invite links and one attribution row per join

Revision ID: 0009_referrals
Revises: 0008_privacy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_referrals"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None


def _community() -> list[sa.SchemaItem]:
    return [sa.Column("community_id", sa.Integer(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "referral_links",
        sa.Column("id", sa.Integer(), nullable=False),
        *_community(),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_referral_links_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_links")),
        sa.UniqueConstraint("community_id", "link", name=op.f("uq_referral_links_community_id")),
    )
    op.create_index("ix_referral_links_user", "referral_links", ["community_id", "user_id"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        *_community(),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("invite", sa.String(length=300), nullable=True),
        sa.Column("inviter", sa.String(length=64), nullable=True),
        sa.Column("campaign", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_referrals_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint(
            "community_id", "user_id", "joined_at", name=op.f("uq_referrals_community_id")
        ),
    )
    op.create_index("ix_referrals_inviter", "referrals", ["community_id", "inviter"])
    op.create_index("ix_referrals_joined", "referrals", ["community_id", "joined_at"])


def downgrade() -> None:
    op.drop_index("ix_referrals_joined", table_name="referrals")
    op.drop_index("ix_referrals_inviter", table_name="referrals")
    op.drop_table("referrals")
    op.drop_index("ix_referral_links_user", table_name="referral_links")
    op.drop_table("referral_links")
