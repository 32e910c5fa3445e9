"""Topic pools rotate without repeats and choose the same item again after a restart."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from rules.calendar.pool import cycle_order, next_pool_item

TOPICS = [f"topic {i}" for i in range(1, 9)]


def run(entry_id: str, pool: Sequence[str], posts: int, used: Sequence[str] = ()) -> list[str]:
    """Post `posts` times, recording each chosen item in the history (as the store does)."""
    history = list(used)
    for _ in range(posts):
        history.append(next_pool_item(entry_id, pool, history).item)
    return history[len(used) :]


def test_each_item_is_used_once_before_any_repeats() -> None:
    picks = run("morning", TOPICS, len(TOPICS) * 3)

    for cycle in range(3):
        assert sorted(picks[cycle * len(TOPICS) : (cycle + 1) * len(TOPICS)]) == sorted(TOPICS)


def test_cycles_come_in_different_orders_and_never_repeat_across_the_boundary() -> None:
    picks = run("morning", TOPICS, len(TOPICS) * 6)
    cycles = [tuple(picks[i : i + len(TOPICS)]) for i in range(0, len(picks), len(TOPICS))]

    assert len(set(cycles)) > 1
    assert all(a != b for a, b in itertools.pairwise(picks))


def test_a_restart_chooses_the_same_item_for_the_same_occurrence() -> None:
    picks = run("morning", TOPICS, 20)

    # a new process recomputes each post from the history recorded before it
    for n in range(20):
        assert next_pool_item("morning", list(TOPICS), picks[:n]).item == picks[n]


def test_the_order_depends_on_the_entry_and_the_seed() -> None:
    base = cycle_order(TOPICS, "morning", 0)

    assert cycle_order(TOPICS, "morning", 0) == base
    assert cycle_order(list(reversed(TOPICS)), "morning", 0) == base  # not on the YAML order
    assert cycle_order(TOPICS, "evening", 0) != base
    assert cycle_order(TOPICS, "morning", 0, seed="community-2") != base


def test_the_pick_reports_its_cycle_and_position() -> None:
    history = run("morning", TOPICS, len(TOPICS) + 2)
    pick = next_pool_item("morning", TOPICS, history)

    assert (pick.cycle, pick.position) == (1, 2)
    assert pick.item not in history[len(TOPICS) :]


def test_removed_items_are_ignored_and_the_cycle_goes_on_without_repeats() -> None:
    used = run("morning", TOPICS, 3)
    pool = [t for t in TOPICS if t != used[0]]  # the operator removes an item already posted

    rest = run("morning", pool, len(pool) - 2, used)

    assert used[0] not in rest
    assert sorted(used[1:] + rest) == sorted(pool)


def test_a_new_item_joins_the_current_cycle() -> None:
    used = run("morning", TOPICS, 5)
    pool = [*TOPICS, "brand new topic"]

    rest = run("morning", pool, len(pool) - 5, used)

    assert "brand new topic" in rest
    assert sorted(used + rest) == sorted(pool)  # still no repeat in this cycle


def test_a_shrunken_pool_starts_a_new_cycle_at_the_first_repeat() -> None:
    used = run("morning", TOPICS, 6)
    pool = used[:2]  # only two of the used items remain

    pick = next_pool_item("morning", pool, used)

    assert pick.item in pool
    assert pick.item != used[1]  # not the item posted last
    assert pick.cycle >= 1


def test_a_pool_of_one_repeats_that_item() -> None:
    assert run("solo", ["only"], 3) == ["only", "only", "only"]
