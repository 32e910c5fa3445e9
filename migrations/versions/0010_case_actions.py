"""one case per incident: moderation_cases.actions lists every action and how it went

Revision ID: 0010_case_actions
Revises: 0009_referrals
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_case_actions"
down_revision = "0009_referrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.add_column(sa.Column("actions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.drop_column("actions")
