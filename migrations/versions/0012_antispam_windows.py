"""anti-spam windows per member: one row per member instead of one value per community

Revision ID: 0012_windows
Revises: 0011_processed

The community value `antispam.windows` held every member's recent messages and cooldowns;
they move to `antispam_windows` (one row per member, written only when it changed), and the
value keeps the join times only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0012_windows"
down_revision = "0011_processed"
branch_labels = None
depends_on = None

KEY = "antispam.windows"
HORIZON = timedelta(hours=1)  # how long the old single value kept a member's messages


def upgrade() -> None:
    windows = op.create_table(
        "antispam_windows",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_antispam_windows_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "user_id", name=op.f("pk_antispam_windows")),
    )
    state = sa.table(
        "community_state",
        sa.column("community_id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("value", sa.JSON()),
    )
    conn = op.get_bind()
    saved = conn.execute(sa.select(state.c.community_id, state.c.value).where(state.c.key == KEY))
    for community_id, value in saved.all():
        rows = _rows(community_id, value or {})
        if rows:
            op.bulk_insert(windows, rows)
        conn.execute(
            state.update()
            .where(state.c.community_id == community_id, state.c.key == KEY)
            .values(value={"joins": (value or {}).get("joins", [])})
        )


def _rows(community_id: int, value: dict[str, object]) -> list[dict[str, object]]:
    """The old value's members, each with its messages and cooldowns."""
    members: dict[str, dict[str, object]] = {}
    ends: dict[str, datetime] = {}
    for user, kept in dict(value.get("recent") or {}).items():
        if kept:
            members[user] = {"recent": kept}
            ends[user] = datetime.fromisoformat(kept[-1][0]) + HORIZON
    for rule, user, until in list(value.get("cooldowns") or []):
        member = members.setdefault(user, {"recent": []})
        member.setdefault("cooldowns", {})[rule] = until  # type: ignore[index]
        end = datetime.fromisoformat(until)
        ends[user] = max(ends.get(user, end), end)
    return [
        {"community_id": community_id, "user_id": u, "value": v, "expires_at": ends[u]}
        for u, v in members.items()
    ]


def downgrade() -> None:
    # the windows are short-lived: dropped, not moved back (the next flush starts them again)
    op.drop_table("antispam_windows")
