"""indexes of the scheduled jobs' reads: calendar occurrences by time, daily activity by day

Revision ID: 0013_job_indexes
Revises: 0012_windows

The calendar tick reads a community's occurrences since a time (`occurrences_since`), and the
retention job asks whether a community has daily activity before a day (`privacy._prunable`);
neither fitted an index (`ix_calendar_entry_at` leads with the entry, the primary key of
`activity_daily` with the member), so each scanned every row of the community.
"""

from __future__ import annotations

from alembic import op

revision = "0013_job_indexes"
down_revision = "0012_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calendar_at", "calendar_occurrences", ["community_id", "scheduled_at"])
    op.create_index("ix_activity_daily_day", "activity_daily", ["community_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_activity_daily_day", table_name="activity_daily")
    op.drop_index("ix_calendar_at", table_name="calendar_occurrences")
