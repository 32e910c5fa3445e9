"""merge the capability branches (moderation, engagement, calendar) into one head

Revision ID: 0005_merge
Revises: 0002_moderation, 0003_engagement, 0004_calendar
"""

from __future__ import annotations

revision = "0005_merge"
down_revision = ("0002_moderation", "0003_engagement", "0004_calendar")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
