"""/mydata and /forget through the whole pipeline (harness events → engine → store → actions):
a member who chatted, checked in, earned points, was warned and had a message labelled spam
asks for their data, then to be forgotten; afterwards their id is in no table."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.actions import Reply, SendFile
from bot.events import DirectChat
from bot.privacy import is_anonymous
from tests.harness import BotHarness
from tests.privacy.scan import places_naming

DEFAULT = Path(__file__).resolve().parents[2] / "playbooks" / "default.yaml"
MEMBER = "mallory-7731"
OTHER = "oscar-2288"


async def start(tmp_path: Path, db_url: str | None = None) -> BotHarness:
    playbook = tmp_path / "default.yaml"
    shutil.copy(DEFAULT, playbook)
    bot = await BotHarness.start(tmp_path, playbook=playbook, db_url=db_url)
    bot.moderators.add("mod-1")
    return bot


async def lived_a_little(bot: BotHarness) -> None:
    """The member leaves traces in every capability's tables."""
    await bot.emit(DirectChat(platform="test", community_id="", occurred_at=bot.now, user=MEMBER))
    await bot.join(MEMBER)
    await bot.join(OTHER)
    await bot.say(MEMBER, "first words")
    await bot.advance(timedelta(days=9))  # silent: nudged; the tiers are evaluated
    await bot.command("mod-1", "points", action="give", user=MEMBER, amount=600)
    await bot.command(MEMBER, "redeem", item="sticker")
    for i in range(3):
        await bot.say(MEMBER, f"hello everyone, question number {i}", at=timedelta(minutes=2 * i))
        await bot.say(OTHER, f"welcome {MEMBER}!", at=timedelta(minutes=2 * i + 1))
    await bot.command(MEMBER, "checkin")
    await bot.command(MEMBER, "quiet", mode="on")
    await bot.command("mod-1", "warn", user=MEMBER, reason=f"{MEMBER} was rude")
    await bot.say(MEMBER, "cheap followers, DM me now")
    spam_id = f"m{next(bot._ids) - 1}"
    await bot.command(
        "mod-1",
        "spam",
        target_message_id=spam_id,
        target_user_id=MEMBER,
        target_message_text="cheap followers, DM me now",
    )
    await bot.command("mod-1", "warn", user=OTHER, reason="spamming")


@pytest.fixture
async def bot(tmp_path: Path, db_url: str):
    harness = await start(tmp_path, db_url)
    yield harness
    await harness.close()


async def test_mydata_sends_the_member_a_json_file_of_their_rows(bot: BotHarness):
    await lived_a_little(bot)
    bot.clear()

    await bot.command(MEMBER, "mydata")

    file, reply = bot.actions
    assert isinstance(file, SendFile) and file.user_id == MEMBER
    document = json.loads(file.data)
    data = document["data"]
    assert document["member"] == MEMBER
    assert data["member"][0]["message_count"] == 5
    assert sum(day["messages"] for day in data["daily_activity"]) == 5
    assert [c["day"] for c in data["checkins"]] == [bot.now.date().isoformat()]
    assert data["redemptions"][0]["item"] == "sticker" and data["nudges"]
    assert data["private_messages"][0]["reachable"] is True
    assert {c["action"] for c in data["moderation_cases"]} >= {"warn"}
    assert data["quiet"] and data["points_balance"][0]["balance"] > 0
    assert data["spam_samples"][0]["text"] == "cheap followers, DM me now"
    # nobody else's rows (a moderator is named only where a reason names them)
    assert OTHER not in file.data.decode()
    assert data["moderation_cases"][0]["actor_id"] == "someone else"
    assert isinstance(reply, Reply) and reply.ephemeral and "privately" in reply.text


async def test_forget_asks_for_a_button_then_leaves_no_trace(bot: BotHarness):
    await lived_a_little(bot)
    assert {t for t, _, _ in await places_naming(bot.runtime.store, MEMBER)} >= {
        "members", "membership_events", "activity_daily", "audit_log", "moderation_cases",
        "spam_samples", "checkins", "checkin_streaks", "points_ledger", "points_balances",
        "reactivation_optouts", "community_state", "dm_reachability", "reactivation_nudges",
        "shop_redemptions", "member_tiers", "tier_changes", "pending_steps",
    }  # fmt: skip
    bot.clear()

    await bot.command(MEMBER, "forget")
    (ask,) = bot.actions
    assert isinstance(ask, Reply) and ask.ephemeral and ask.buttons
    assert await places_naming(bot.runtime.store, MEMBER)  # nothing happened yet

    await bot.press(OTHER, ask.buttons[0].custom_id)
    assert "Only the member who asked" in bot.texts()[-1]
    await bot.press(MEMBER, ask.buttons[0].custom_id)
    assert "has forgotten you" in bot.texts()[-1]
    await bot.runtime.store.flush()

    assert await places_naming(bot.runtime.store, MEMBER) == []
    # the cases stay, their target anonymised; the other member's case is untouched
    cases = await bot.runtime.store.audit_log(
        await bot.runtime.store.community("test", "c1"), limit=500
    )
    assert any(is_anonymous(c["target_user"]) for c in cases)
    assert any(c["target_user"] == OTHER for c in cases)
    await bot.say(OTHER, "still here")  # the bot goes on; the other member is still known
    assert bot.runtime.states.all()[0].known(OTHER) is not None
    assert bot.runtime.states.all()[0].known(MEMBER) is None


async def test_an_admin_forgets_a_member_at_once(bot: BotHarness):
    await lived_a_little(bot)
    bot.clear()

    await bot.command(OTHER, "forget", user=MEMBER)
    assert bot.texts() == ["Only admins can forget another member."]
    await bot.command("boss", "forget", user=MEMBER, roles=("admin",))
    assert "anon:" in bot.texts()[-1]
    await bot.runtime.store.flush()

    assert await places_naming(bot.runtime.store, MEMBER) == []
    assert await places_naming(bot.runtime.store, OTHER)  # only the one named
    bot.clear()
    await bot.command(OTHER, "leaderboard")
    board = " ".join(bot.texts())
    assert OTHER in board and "anon:" not in board  # still counted, never ranked by key


async def test_ordinary_message_text_is_never_stored(bot: BotHarness):
    await bot.join(MEMBER)
    await bot.say(MEMBER, "my zebra-quokka recipe is secret")
    await bot.say(MEMBER, "checkin zebra-quokka day")
    await bot.runtime.store.flush()

    assert await places_naming(bot.runtime.store, "zebra-quokka") == []
