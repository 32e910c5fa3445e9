"""engagement: check-ins, points ledger, tiers, shop, reactivation nudges, FAQ counts

Revision ID: 0003_engagement
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_engagement"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_streaks",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("best", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("freezes", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("reminded_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_checkin_streaks_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_checkin_streaks")),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("freeze_used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_checkins_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint(
            "community_id", "user_id", "day", name=op.f("uq_checkins_community_id")
        ),
    )
    op.create_index("ix_checkins_community_day", "checkins", ["community_id", "day"], unique=False)
    op.create_table(
        "faq_counts",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_faq_counts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "entry", "day", name=op.f("pk_faq_counts")),
    )
    op.create_table(
        "member_tiers",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_member_tiers_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_member_tiers")),
    )
    op.create_table(
        "points_balances",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("xp", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_balances_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_points_balances")),
    )
    op.create_table(
        "points_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_points_ledger_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_ledger")),
        sa.UniqueConstraint("community_id", "key", name=op.f("uq_points_ledger_community_id")),
    )
    op.create_index(
        "ix_points_ledger_member", "points_ledger", ["community_id", "user_id", "at"], unique=False
    )
    op.create_index("ix_points_ledger_ref", "points_ledger", ["community_id", "ref"], unique=False)
    op.create_table(
        "reactivation_nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("silent_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_reactivation_nudges_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactivation_nudges")),
        sa.UniqueConstraint(
            "community_id",
            "user_id",
            "step",
            "silent_since",
            name=op.f("uq_reactivation_nudges_community_id"),
        ),
    )
    op.create_index(
        "ix_nudges_community_at", "reactivation_nudges", ["community_id", "nudged_at"], unique=False
    )
    op.create_table(
        "reactivation_optouts",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_reactivation_optouts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_reactivation_optouts")),
    )
    op.create_table(
        "shop_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_shop_redemptions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_redemptions")),
        sa.UniqueConstraint("community_id", "key", name=op.f("uq_shop_redemptions_community_id")),
    )
    op.create_table(
        "shop_stock",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_shop_stock_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "item", name=op.f("pk_shop_stock")),
    )
    op.create_table(
        "tier_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("from_tier", sa.String(length=64), nullable=True),
        sa.Column("to_tier", sa.String(length=64), nullable=False),
        sa.Column("promoted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_tier_changes_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_changes")),
    )
    op.create_index(
        "ix_tier_changes_community_at", "tier_changes", ["community_id", "at"], unique=False
    )


def downgrade() -> None:

    op.drop_index("ix_tier_changes_community_at", table_name="tier_changes")
    op.drop_table("tier_changes")
    op.drop_table("shop_stock")
    op.drop_table("shop_redemptions")
    op.drop_table("reactivation_optouts")
    op.drop_index("ix_nudges_community_at", table_name="reactivation_nudges")
    op.drop_table("reactivation_nudges")
    op.drop_index("ix_points_ledger_ref", table_name="points_ledger")
    op.drop_index("ix_points_ledger_member", table_name="points_ledger")
    op.drop_table("points_ledger")
    op.drop_table("points_balances")
    op.drop_table("member_tiers")
    op.drop_table("faq_counts")
    op.drop_index("ix_checkins_community_day", table_name="checkins")
    op.drop_table("checkins")
    op.drop_table("checkin_streaks")
