"""Moderator commands, escalation, warning expiry, cases and /report, end to end."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import Ban, DeleteMessage, Kick, Post, RemoveTimeout, Timeout, Unban, Warn
from tests.harness import BotHarness

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log, moderator_roles: [mods]}
moderation:
  warnings:
    expire_after: 7d
    ladder:
      - {warnings: 2, action: timeout, duration: 10m}
      - {warnings: 3, action: timeout, duration: 1d}
      - {warnings: 5, action: ban}
  report: {limit: 2, window: 10m}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    harness.moderators.add("mod")
    yield harness
    await harness.close()


def of(bot, kind, user):
    return [a for a in bot.actions_for(user) if isinstance(a, kind)]


@pytest.mark.parametrize(
    "command", ["warn", "timeout", "kick", "ban", "unban", "cases", "purge", "spam", "raid"]
)
async def test_moderator_commands_are_refused_to_members(bot, command):
    await bot.command("bob", command, target_user_id="alice", count=3, state="on")
    assert bot.texts("reply") == [f"Only moderators can use /{command}."]
    assert [a.kind for a in bot.actions] == ["reply"]


async def test_warnings_escalate_along_the_ladder(bot):
    await bot.command("mod", "warn", target_user_id="bob", reason="rude")
    assert of(bot, Warn, "bob") and not of(bot, Timeout, "bob")
    await bot.command("mod", "warn", target_user_id="bob", reason="rude again")
    first = of(bot, Timeout, "bob")
    assert len(first) == 1 and first[0].until - bot.now == timedelta(minutes=10)
    await bot.command("mod", "warn", target_user_id="bob", reason="still rude")
    assert of(bot, Timeout, "bob")[-1].until - bot.now == timedelta(days=1)
    await bot.command("mod", "warn", target_user_id="bob", reason="x", weight=2)
    assert of(bot, Ban, "bob")


async def test_expired_warnings_no_longer_count(bot):
    await bot.command("mod", "warn", target_user_id="bob", reason="spam")
    await bot.advance(timedelta(days=8))
    await bot.command("mod", "warn", target_user_id="bob", reason="spam again")
    assert of(bot, Timeout, "bob") == []
    await bot.command("mod", "cases", target_user_id="bob")
    assert "(1 active warning points)" in bot.texts("reply")[-1]


async def test_cases_are_numbered_logged_and_survive_a_restart(bot):
    await bot.command("mod", "warn", target_user_id="bob", reason="off topic")
    await bot.command("mod", "kick", target_user_id="carol", reason="advertising")
    log = [a.text for a in bot.actions if isinstance(a, Post) and a.channel_id == "mod-log"]
    assert "Case #1 · warn · bob" in log[0] and "Case #2 · kick · carol" in log[1]
    await bot.restart()
    bot.clear()
    await bot.command("mod", "case", number=2)
    assert "Case #2 · kick · carol" in bot.texts("reply")[0]
    assert "advertising" in bot.texts("reply")[0]
    await bot.command("mod", "ban", target_user_id="dave")
    assert any("Case #3 · ban · dave" in t for t in bot.texts("post"))


async def test_a_reversed_case_says_who_reversed_it(bot):
    await bot.command("mod", "warn", target_user_id="bob", reason="misunderstanding")
    await bot.command("mod", "case", number=1, action="reverse")
    bot.clear()
    await bot.command("mod", "case", number=1)
    assert "Reversed by mod" in bot.texts("reply")[0]
    await bot.command("mod", "cases", target_user_id="bob")
    assert "(0 active warning points)" in bot.texts("reply")[-1]


async def test_timeout_end_survives_a_restart(bot):
    await bot.command("mod", "timeout", target_user_id="bob", duration="1h", reason="cool off")
    assert of(bot, Timeout, "bob")[0].until - bot.now == timedelta(hours=1)
    await bot.restart()
    bot.clear()
    await bot.advance(timedelta(minutes=50))
    assert of(bot, RemoveTimeout, "bob") == []
    await bot.advance(timedelta(minutes=15))
    assert len(of(bot, RemoveTimeout, "bob")) == 1
    await bot.advance(timedelta(hours=2))
    assert len(of(bot, RemoveTimeout, "bob")) == 1  # lifted once


async def test_bad_duration_is_explained(bot):
    await bot.command("mod", "timeout", target_user_id="bob", duration="forever")
    assert "could not read the duration" in bot.texts("reply")[0]
    assert of(bot, Timeout, "bob") == []


async def test_untimeout_and_unban_reverse_the_open_case(bot):
    await bot.command("mod", "timeout", target_user_id="bob", duration="1d")
    await bot.command("mod", "untimeout", target_user_id="bob")
    assert of(bot, RemoveTimeout, "bob")
    await bot.command("mod", "ban", target_user_id="carol", delete_messages="1h")
    assert of(bot, Ban, "carol")[0].delete_message_seconds == 3600
    await bot.command("mod", "unban", target_user_id="carol")
    assert of(bot, Unban, "carol")
    bot.clear()
    await bot.command("mod", "case", number=3)
    assert "Reversed by mod" in bot.texts("reply")[0]


async def test_moderators_are_never_punished(bot):
    await bot.say("mod2", "hi", roles=("mods",))
    await bot.command("mod", "ban", target_user_id="mod2")
    await bot.command("mod", "kick", target_user_id="mod")
    assert of(bot, Ban, "mod2") == [] and of(bot, Kick, "mod") == []
    assert "don't take action against moderators" in bot.texts("reply")[0]


async def test_purge_deletes_the_last_messages_of_the_channel(bot):
    for i in range(5):
        await bot.say("bob", f"msg {i}")
    await bot.say("carol", "elsewhere", channel="random")
    await bot.command("mod", "purge", count=3)
    gone = [a.message_id for a in bot.actions if isinstance(a, DeleteMessage)]
    assert gone == ["m5", "m4", "m3"]
    assert bot.texts("reply")[-1] == "Deleted 3 messages."


async def test_report_alerts_moderators_and_is_rate_limited(bot):
    for _ in range(3):
        await bot.command(
            "amy",
            "report",
            target_message_id="m9",
            target_user_id="bob",
            target_message_text="buy followers cheap",
        )
    alerts = [t for t in bot.texts("post") if "reported a message by bob" in t]
    assert len(alerts) == 2
    assert bot.texts("reply")[-1].startswith("You have sent several reports")
    await bot.advance(timedelta(minutes=11))
    await bot.command(
        "amy",
        "report",
        target_message_id="m9",
        target_user_id="bob",
        target_message_text="buy followers cheap",
    )
    assert len([t for t in bot.texts("post") if "reported" in t]) == 3


async def test_chinese_community_gets_chinese_replies(tmp_path):
    bot = await BotHarness.start(
        tmp_path, PLAYBOOK.replace("name: Makers", "name: 学习群, language: zh")
    )
    bot.moderators.add("mod")
    await bot.command("mod", "warn", target_user_id="bob", reason="刷屏")
    assert of(bot, Warn, "bob")[0].text == "bob，你收到一次警告：刷屏"
    await bot.command("bob", "ban", target_user_id="mod")
    assert bot.texts("reply")[-1] == "只有管理员可以使用 /ban。"
    await bot.close()


async def test_automatic_warning_tells_the_member_the_rule_in_their_language(tmp_path):
    playbook = (
        PLAYBOOK.replace("name: Makers", "name: 学习群, language: zh")
        + """
antispam:
  rules:
    - name: 广告
      triggers: {keywords: [加微信]}
      actions: {delete: true, warn: 1}
"""
    )
    bot = await BotHarness.start(tmp_path, playbook)
    await bot.say("bob", "请加 微 信 领红包")
    assert of(bot, Warn, "bob")[0].text == "bob，你收到一次警告：广告"
    # the moderators' log keeps the trigger's exact explanation
    assert any("加 微 信" in t for t in bot.texts("post"))
    await bot.close()
