"""member data rights: the author of each learned spam sample, so /forget can remove it

Revision ID: 0008_privacy
Revises: 0007_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_privacy"
down_revision = "0007_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("spam_samples") as batch:
        # who wrote the labelled message (None for samples learned before this revision)
        batch.add_column(sa.Column("author_id", sa.String(length=64), nullable=True))
    op.create_index("ix_spam_samples_author", "spam_samples", ["community_id", "author_id"])


def downgrade() -> None:
    op.drop_index("ix_spam_samples_author", table_name="spam_samples")
    with op.batch_alter_table("spam_samples") as batch:
        batch.drop_column("author_id")
