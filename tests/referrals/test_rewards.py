"""Referrals through the whole pipeline (recording adapter → engine → store → executor) on a
simulated clock: links, attribution, rewards once, take-backs, caps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.recording import simulated_link
from rules.points.store import points_state
from rules.referrals import part
from tests.harness import BotHarness

DAY = timedelta(days=1)

PLAYBOOK = """
community: {name: Demo, default_channel: general}
points: {enabled: true}
referrals:
  rewards: {after: 7d, min_messages: 2, points: 50, daily_cap: 2, total_cap: 3,
            roles: {2: Recruiter}}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    yield harness
    await harness.close()


@pytest.fixture
async def both_bot(tmp_path, db_url):
    """On SQLite and on PostgreSQL."""
    harness = await BotHarness.start(tmp_path, PLAYBOOK, db_url=db_url)
    yield harness
    await harness.close()


async def _balance(bot: BotHarness, user: str) -> int:
    ref = await bot.runtime.store.community("test", "c1")
    found = (await points_state(bot.runtime.store, ref)).get(user)
    return found.balance if found else 0


async def _link(bot: BotHarness, user: str) -> str:
    """The member asks for their link; the simulated platform's link for them."""
    await bot.command(user, "invite")
    return simulated_link("test", user)


async def _stays_and_posts(bot: BotHarness, user: str, link: str, messages: int = 2) -> None:
    await bot.join(user, invite=link)
    for i in range(messages):
        await bot.say(user, f"hello everyone, message {i}")


async def test_an_invitee_who_stays_and_posts_pays_the_inviter_once(both_bot):
    bot = both_bot
    await bot.say("alice", "hi")
    link = await _link(bot, "alice")
    reply = [a for a in bot.actions if a.kind == "create_invite"][-1]
    assert "{link}" in reply.text and reply.user_id == "alice"
    await _stays_and_posts(bot, "bob", link)
    await bot.advance(7 * DAY + timedelta(minutes=1))
    assert await _balance(bot, "alice") == 50
    told = [a for a in bot.actions_for("alice") if a.kind == "send_direct"]
    assert told and "bob" in told[-1].text_shown and "+50" in told[-1].text_shown
    # bob leaves and comes back through the same link: never a second reward
    await bot.leave("bob")
    await bot.join("bob", invite=link)
    await bot.say("bob", "back again")
    await bot.say("bob", "still here")
    await bot.advance(8 * DAY)
    assert await _balance(bot, "alice") == 50
    ref = await bot.runtime.store.community("test", "c1")
    state = await bot.runtime.states.get(ref)
    assert [r.status for r in part(state.memory).rows] == ["rewarded", "ineligible"]
    assert part(state.memory).rows[1].note == "returning"


async def test_an_invitee_who_leaves_on_day_two_pays_nothing(both_bot):
    bot = both_bot
    await bot.say("alice", "hi")
    link = await _link(bot, "alice")
    await _stays_and_posts(bot, "bob", link)
    await bot.advance(DAY)
    await bot.leave("bob")
    await bot.advance(7 * DAY)
    assert await _balance(bot, "alice") == 0
    assert not [a for a in bot.actions_for("alice") if a.kind == "send_direct"]


async def test_a_self_invite_and_a_silent_invitee_pay_nothing(bot):
    await bot.say("alice", "hi")
    link = await _link(bot, "alice")
    await bot.leave("alice")
    await bot.join("alice", invite=link)  # her own link
    await bot.join("carol", invite=link)  # never writes
    await bot.advance(8 * DAY)
    assert await _balance(bot, "alice") == 0
    ref = await bot.runtime.store.community("test", "c1")
    state = await bot.runtime.states.get(ref)
    rows = {r.user_id: r for r in part(state.memory).rows}
    assert (rows["alice"].status, rows["alice"].note) == ("ineligible", "self")
    assert rows["carol"].status == "inactive"


async def test_a_join_through_nobodys_link_or_an_unknown_invite_is_never_guessed(bot):
    await bot.say("alice", "hi")
    await _link(bot, "alice")
    await bot.join("dan", invite="https://t.me/+SomebodyElse")
    await bot.join("erin", invite_note="ambiguous")
    await bot.join("finn")
    ref = await bot.runtime.store.community("test", "c1")
    state = await bot.runtime.states.get(ref)
    rows = {r.user_id: r for r in part(state.memory).rows}
    assert [rows[u].source for u in ("dan", "erin", "finn")] == ["link", "unknown", "none"]
    assert all(rows[u].inviter is None for u in ("dan", "erin", "finn"))


async def test_daily_and_total_caps_and_a_role_by_invites(bot):
    await bot.say("alice", "hi")
    link = await _link(bot, "alice")
    for name in ("b1", "b2", "b3", "b4"):
        await _stays_and_posts(bot, name, link)
    await bot.advance(7 * DAY + timedelta(minutes=1))
    assert await _balance(bot, "alice") == 100  # daily cap 2
    roles = [a for a in bot.actions_for("alice") if a.kind == "add_role"]
    assert [r.role for r in roles] == ["Recruiter"]
    await bot.advance(DAY)
    for name in ("c1", "c2"):
        await _stays_and_posts(bot, name, link)
    await bot.advance(7 * DAY + timedelta(minutes=1))
    assert await _balance(bot, "alice") == 150  # total cap 3
    ref = await bot.runtime.store.community("test", "c1")
    state = await bot.runtime.states.get(ref)
    statuses = [r.status for r in part(state.memory).rows]
    assert statuses.count("rewarded") == 3 and statuses.count("capped") == 3


async def test_the_link_is_created_once_and_survives_a_restart(bot):
    await bot.say("alice", "hi")
    await bot.command("alice", "invite")
    await bot.restart()
    bot.clear()
    await bot.command("alice", "invite")
    assert [a.kind for a in bot.actions] == ["reply"]
    assert "https://invite.invalid/test/alice" in bot.actions[0].text_shown
    await bot.command("alice", "invite", new="new")
    assert bot.actions[-1].kind == "create_invite"


async def test_forgetting_an_inviter_keeps_their_invitees_counted_without_their_id(tmp_path):
    from tests.privacy.scan import places_naming

    playbook = PLAYBOOK.replace(
        "default_channel: general", "default_channel: general, admin_roles: [admin]"
    )
    bot = await BotHarness.start(tmp_path, playbook)
    try:
        member = "mallory-7731"
        await bot.say(member, "hi")
        link = await _link(bot, member)
        await _stays_and_posts(bot, "oscar", link)
        await bot.advance(7 * DAY + timedelta(minutes=1))
        assert await _balance(bot, member) == 50
        assert {t for t, _, _ in await places_naming(bot.runtime.store, member)} >= {
            "referral_links",
            "referrals",
        }
        await bot.command("boss", "forget", user=member, roles=("admin",))
        await bot.runtime.store.flush()
        assert await places_naming(bot.runtime.store, member) == []
        ref = await bot.runtime.store.community("test", "c1")
        state = await bot.runtime.states.get(ref)
        [row] = [r for r in part(state.memory).rows if r.user_id == "oscar"]
        assert row.status == "rewarded" and row.inviter and row.inviter.startswith("anon:")
    finally:
        await bot.close()


STRICT = """
community: {name: Demo}
points: {messages: {enabled: false}}
moderation: {enabled: true}
referrals:
  rewards: {after: 2d, min_messages: 1, points: 40, revoke: true, revoke_within: 10d,
            roles: {1: Recruiter}}
  flood: {joins: 3, window: 10m}
"""


async def test_a_paid_reward_is_taken_back_when_the_invitee_leaves_or_is_punished_soon(tmp_path):
    bot = await BotHarness.start(tmp_path, STRICT)
    bot.moderators.add("mod")
    try:
        link = await _link(bot, "alice")
        await _stays_and_posts(bot, "bob", link, messages=1)
        await bot.advance(timedelta(hours=1))
        await _stays_and_posts(bot, "carl", link, messages=1)
        await bot.advance(2 * DAY + timedelta(hours=2))
        assert await _balance(bot, "alice") == 80
        await bot.leave("bob")  # day 2: within revoke_within
        assert await _balance(bot, "alice") == 40
        assert any("taken back" in t for t in bot.texts("send_direct"))
        await bot.command("mod", "warn", user="carl", reason="rude")
        await bot.advance(10 * DAY)  # the recheck at day 10 sees the case
        assert await _balance(bot, "alice") == 0
        removed = [a for a in bot.actions_for("alice") if a.kind == "remove_role"]
        assert [a.role for a in removed] == ["Recruiter"]
    finally:
        await bot.close()


async def test_a_flood_through_one_link_alerts_once_and_earns_nothing(tmp_path):
    bot = await BotHarness.start(tmp_path, STRICT)
    try:
        link = await _link(bot, "alice")
        for i in range(5):
            await _stays_and_posts(bot, f"raid{i}", link, messages=1)
        await bot.join("robot", invite=link, bot=True)
        alerts = [a for a in bot.actions if a.kind == "alert_moderators"]
        assert len(alerts) == 1 and "3 joins through alice's invite link" in alerts[0].text
        await bot.advance(3 * DAY)
        assert await _balance(bot, "alice") == 80  # the two before the flood
        ref = await bot.runtime.store.community("test", "c1")
        state = await bot.runtime.states.get(ref)
        notes = {r.user_id: r.note for r in part(state.memory).rows}
        assert [notes[f"raid{i}"] for i in (2, 3, 4)] == ["flood"] * 3
        assert notes["robot"] == "bot"
    finally:
        await bot.close()


async def test_moderators_see_how_a_member_joined(tmp_path):
    bot = await BotHarness.start(tmp_path, STRICT)
    bot.moderators.add("mod")
    try:
        link = await _link(bot, "alice")
        await _stays_and_posts(bot, "bob", link, messages=1)
        await bot.command("mod", "referral", user="bob")
        text = bot.texts()[-1]
        assert "bob: joined 2026-03-02" in text and "through alice's link" in text
        assert "counting until 2026-03-04" in text
        await bot.command("bob", "referral", user="alice")
        assert "Only moderators" in bot.texts()[-1]
        await bot.command("mod", "referral", user="alice")
        assert "alice has no join on record" in bot.texts()[-1]
    finally:
        await bot.close()


async def test_without_the_points_capability_the_inviter_is_thanked_not_paid(tmp_path):
    bot = await BotHarness.start(tmp_path, "referrals: {rewards: {after: 1d, min_messages: 1}}\n")
    try:
        link = await _link(bot, "alice")
        assert "points" not in bot.texts("create_invite")[-1]
        await _stays_and_posts(bot, "bob", link, messages=1)
        await bot.advance(2 * DAY)
        assert await _balance(bot, "alice") == 0
        assert "stayed with us — thank you!" in bot.texts("send_direct")[-1]
    finally:
        await bot.close()
