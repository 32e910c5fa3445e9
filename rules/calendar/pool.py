"""Rotating topic pools: every item once per cycle, in a fixed pseudo-random order.

The choice is a pure function of (entry id, seed, pool, history), so a restarted process — or a
simulation — picks the same item for the same occurrence. Each item's place in a cycle comes from
a hash of (seed, entry id, cycle, item) rather than from shuffling the list, so editing the pool
keeps the order of the items that stay:

- an item removed from the pool is ignored, in the history too;
- a new item joins the current cycle (it has not been used in it yet);
- history may hold an item twice in what looks like one cycle (after the pool shrank): the second
  use starts the next cycle;
- a new cycle never opens with the item that closed the previous one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PoolPick:
    item: str
    cycle: int  # 0 for the first pass through the pool
    position: int  # 0-based position of the item within its cycle


def _rank(seed: str, entry_id: str, cycle: int, item: str) -> bytes:
    return hashlib.sha256(f"{seed}\x00{entry_id}\x00{cycle}\x00{item}".encode()).digest()


def cycle_order(pool: Sequence[str], entry_id: str, cycle: int, seed: str = "") -> list[str]:
    """The order in which a cycle uses the pool's items (deterministic, varies per cycle)."""
    return sorted(dict.fromkeys(pool), key=lambda item: _rank(seed, entry_id, cycle, item))


def current_cycle(pool: Sequence[str], used: Sequence[str]) -> tuple[int, list[str]]:
    """Replay the history against today's pool: the cycle number and the items it used so far."""
    items = set(pool)
    cycle, in_cycle = 0, []
    for item in used:
        if item not in items:
            continue  # removed from the pool since
        if item in in_cycle:
            cycle, in_cycle = cycle + 1, []
        in_cycle.append(item)
        if len(in_cycle) == len(items):
            cycle, in_cycle = cycle + 1, []
    return cycle, in_cycle


def next_pool_item(
    entry_id: str, pool: Sequence[str], used: Sequence[str], seed: str = ""
) -> PoolPick:
    """The item for the next post.

    `used` is this entry's pool items already posted, oldest first, from the store (the whole
    history of the entry: a cut history shifts cycle numbers). `seed` separates communities that
    share a playbook, e.g. the community id.
    """
    if not pool:
        raise ValueError("the pool is empty")
    cycle, in_cycle = current_cycle(pool, used)
    done = set(in_cycle)
    candidates = [item for item in cycle_order(pool, entry_id, cycle, seed) if item not in done]
    # a new cycle must not open with the item that closed the last one (same topic twice in a row)
    in_pool = set(pool)
    previous = next((item for item in reversed(used) if item in in_pool), None)
    if not in_cycle and len(candidates) > 1 and candidates[0] == previous:
        candidates.append(candidates.pop(0))
    return PoolPick(candidates[0], cycle, len(in_cycle))
