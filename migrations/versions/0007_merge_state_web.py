"""merge the state layer and the web dashboard branches into one head

Revision ID: 0007_merge
Revises: 0006_state, 0006_web
"""

from __future__ import annotations

revision = "0007_merge"
down_revision = ("0006_state", "0006_web")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
