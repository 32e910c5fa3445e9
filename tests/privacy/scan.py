"""Look for a member's id in every column of every table (the proof /forget is complete)."""

from __future__ import annotations

import re

from sqlalchemy import Text, cast, select

from bot.store import Store
from bot.store.models import Base


async def places_naming(store: Store, user_id: str) -> list[tuple[str, str, str]]:
    """(table, column, value) of every stored value where `user_id` occurs as a whole word."""
    pattern = re.compile(rf"(?<![0-9A-Za-z_]){re.escape(user_id)}(?![0-9A-Za-z_])")
    found: list[tuple[str, str, str]] = []
    async with store.sessions() as s:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                rows = await s.execute(select(cast(column, Text)).where(column.is_not(None)))
                found += [
                    (table.name, column.name, value)
                    for (value,) in rows
                    if value is not None and pattern.search(str(value))
                ]
    return found
