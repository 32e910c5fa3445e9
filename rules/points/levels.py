"""Level arithmetic (pure): XP needed per level from a curve or a table, progress bars."""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

MAX_LEVEL = 1000


@lru_cache(maxsize=64)
def thresholds(a: int, b: int, c: int, table: tuple[int, ...] | None) -> tuple[int, ...]:
    """Cumulative XP needed to reach level 1, 2, ... With a curve, level L → L+1 costs
    a·L² + b·L + c (MEE6's 5, 50, 100 by default)."""
    if table:
        return table
    total, out = 0, []
    for level in range(MAX_LEVEL):
        total += a * level * level + b * level + c
        out.append(total)
    return tuple(out)


def level_of(xp: int, needed: tuple[int, ...]) -> int:
    """The highest level whose threshold `xp` has reached: how many thresholds are ≤ xp
    (the thresholds increase strictly)."""
    return bisect_right(needed, xp)


def progress(xp: int, needed: tuple[int, ...]) -> tuple[int, int, int]:
    """(level, XP into this level, XP this level takes to finish)."""
    level = level_of(xp, needed)
    floor = needed[level - 1] if level > 0 else 0
    if level >= len(needed):
        return level, 0, 0
    return level, xp - floor, needed[level] - floor


def bar(done: int, total: int, width: int = 10) -> str:
    if total <= 0:
        return "▰" * width
    filled = max(0, min(width, done * width // total))
    return "▰" * filled + "▱" * (width - filled)
