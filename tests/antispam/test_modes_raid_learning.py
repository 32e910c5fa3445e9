"""Shadow mode, newcomer restrictions, raid mode, learning from /spam, dry runs, validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.actions import Ban, DeleteMessage, Post, Timeout
from bot.app import playbook_model
from bot.playbook.loader import PlaybookInvalid, parse_playbook
from tests.harness import BotHarness

SHADOW = """
community: {name: Makers}
antispam:
  rules:
    - name: ads
      mode: shadow
      triggers: {keywords: [加微信]}
      actions: {delete: true, warn: 1, alert: true}
"""


async def test_shadow_rule_decides_and_logs_but_acts_on_nothing(tmp_path):
    bot = await BotHarness.start(tmp_path, SHADOW)
    handled = await bot.say("bob", "加微信领红包")
    assert bot.actions == []
    assert {o.status for o in handled.actions} == {"shadow"}
    assert {o.action.kind for o in handled.actions} >= {"delete_message", "warn"}
    log = await bot.runtime.store.audit_log(handled.community)
    assert any(row["status"] == "shadow" for row in log)
    await bot.close()


NEWCOMERS = """
community: {name: Makers}
welcome: {enabled: false, newcomer_window: 3d}
antispam:
  raid: {enabled: false}
  rules:
    - name: newcomer-links
      triggers:
        newcomer: {first_messages: 2, first_hours: 0, links: true, forwards: true}
      actions: {delete: true}
    - name: newcomer-shouting
      newcomers_only: true
      triggers: {caps: {min_letters: 10}}
      actions: {reply: "{member}, welcome! No need to shout."}
"""


async def test_newcomers_cannot_post_links_in_their_first_messages(tmp_path):
    bot = await BotHarness.start(tmp_path, NEWCOMERS)
    await bot.join("nina")
    await bot.say("nina", "check https://example.com", at=timedelta(minutes=1))
    await bot.say("nina", "forwarded from a channel", is_forward=True)
    assert len([a for a in bot.actions if isinstance(a, DeleteMessage)]) == 2
    bot.clear()
    await bot.say("nina", "hello all")  # third message: past the first two
    await bot.say("nina", "my blog: https://example.com")
    assert bot.actions == []
    await bot.close()


async def test_newcomers_only_rules_leave_established_members_alone(tmp_path):
    bot = await BotHarness.start(tmp_path, NEWCOMERS)
    await bot.join("nina")
    await bot.join("olga")
    await bot.say("nina", "HELLO EVERYBODY HERE", at=timedelta(days=1))
    assert bot.texts("reply") == ["nina, welcome! No need to shout."]
    bot.clear()
    await bot.say("olga", "HELLO EVERYBODY HERE", at=timedelta(days=5))
    assert bot.actions == []
    await bot.close()


async def test_join_surge_starts_raid_mode_which_ends_by_itself(bot):
    for name in ("r1", "r2", "r3", "r4"):
        await bot.join(name, at=timedelta(seconds=5))
    assert bot.actions == []
    await bot.join("r5", at=timedelta(seconds=5))
    alerts = [a for a in bot.actions if isinstance(a, Post) and "Raid mode ON" in a.text]
    assert alerts and alerts[0].channel_id == "mod-log"
    assert any(isinstance(a, Timeout) for a in bot.actions_for("r5"))
    bot.clear()
    await bot.join("late", at=timedelta(minutes=3))  # during the raid: restricted
    assert any(isinstance(a, Timeout) for a in bot.actions_for("late"))
    bot.clear()
    await bot.advance(timedelta(minutes=10))
    assert any("Raid mode off" in t for t in bot.texts("post"))
    bot.clear()
    await bot.join("calm", at=timedelta(minutes=5))
    assert bot.actions_for("calm") == []


async def test_raid_mode_survives_a_restart_and_ends_by_command(bot):
    await bot.command("mod", "raid", state="on")
    assert any("Raid mode ON" in t for t in bot.texts("post"))
    await bot.restart()
    bot.clear()
    await bot.join("newbie", at=timedelta(hours=2))  # a manual raid stays on until /raid off
    assert any(isinstance(a, Timeout) for a in bot.actions_for("newbie"))
    await bot.command("mod", "raid", state="off")
    bot.clear()
    await bot.join("later", at=timedelta(minutes=1))
    assert bot.actions_for("later") == []


async def test_raid_command_is_refused_to_members(bot):
    await bot.command("bob", "raid", state="on")
    assert bot.texts("reply") == ["Only moderators can use /raid."]


SPAM = (
    "Exclusive offer: earn 500 USDT daily from home, message @crypto_mentor_x on "
    "Telegram to join the signal group"
)
NEAR = (
    "Exclusive offer: earn 800 USDT daily from home, message @crypto_coach_y on "
    "Telegram to join the signals group"
)


async def test_spam_command_learns_and_then_catches_a_near_duplicate(bot):
    await bot.say("bob", "hello, how is everyone?")
    await bot.say("bob", "any plans this weekend?")
    await bot.say("bob", "ok cool")
    await bot.say("bob", SPAM)  # fourth message: past the classifier's first 3
    assert bot.actions == []
    await bot.command(
        "mod", "spam", target_message_id="m4", target_user_id="bob", target_message_text=SPAM
    )
    assert any(isinstance(a, DeleteMessage) and a.message_id == "m4" for a in bot.actions)
    assert any(isinstance(a, Ban) for a in bot.actions_for("bob"))
    bot.clear()
    await bot.say("zed", NEAR)  # a newcomer's first message
    assert [a.kind for a in bot.actions_for("zed")][:1] == ["delete_message"]
    # the sample is stored: after a restart the classifier still knows it
    await bot.restart()
    bot.clear()
    await bot.say("yan", NEAR)
    assert any(isinstance(a, DeleteMessage) for a in bot.actions_for("yan"))


async def test_notspam_teaches_the_classifier_a_false_positive(bot):
    text = (
        "WINNER!! You have been selected to receive a £900 cash prize. Call 09061701461 "
        "to claim now. Valid 12 hours only"
    )
    await bot.command(
        "mod", "notspam", target_message_id="m1", target_user_id="amy", target_message_text=text
    )
    assert bot.texts("reply") == ["Learned as not spam. Thanks!"]
    bot.clear()
    await bot.say("amy", text)
    assert bot.actions_for("amy") == []


async def test_automod_explain_says_why_and_does_not_count_toward_a_flood(bot):
    for _ in range(6):
        await bot.command("mod", "automod", action="explain", text="加 微 信")
    reply = bot.texts("reply")[-1]
    assert "✅ antispam.enforce: ads: keyword '加微信'" in reply
    bot.clear()
    await bot.say("probe", "加 油")  # the probe's tries were never counted
    await bot.command("mod", "automod", action="explain", text="hello there")
    assert "· antispam.enforce" in bot.texts("reply")[-1]
    assert bot.actions_for("probe") == []


def _problems(text: str) -> list[str]:
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook(text, playbook_model(), file="pb.yaml")
    return [str(p) for p in caught.value.problems]


def test_invalid_regex_fails_validation_with_its_line():
    problems = _problems("""antispam:
  rules:
    - name: r
      triggers:
        regex:
          - 'ok+'
          - '(a+)+\\1'
      actions: {delete: true}
""")
    assert any("pb.yaml:7" in p and "regex" in p for p in problems), problems


def test_unknown_action_fails_validation_with_its_line():
    problems = _problems("""antispam:
  rules:
    - name: r
      triggers: {keywords: [spam]}
      actions:
        delete: true
        explode: true
""")
    assert any("pb.yaml:7" in p and "explode" in p for p in problems), problems


def test_negative_duration_fails_validation_with_its_line():
    problems = _problems("""antispam:
  rules:
    - name: r
      triggers: {flood: {messages: 5, window: -10s}}
      actions: {timeout: 10m}
""")
    assert any("pb.yaml:4" in p for p in problems), problems


def test_impossible_ladder_fails_validation_with_its_line():
    problems = _problems("""moderation:
  warnings:
    ladder:
      - {warnings: 3, action: timeout, duration: 10m}
      - {warnings: 2, action: ban}
""")
    assert any("pb.yaml:4" in p and "impossible ladder" in p for p in problems), problems
    problems = _problems("""moderation:
  warnings:
    ladder:
      - {warnings: 2, action: timeout}
""")
    assert any("pb.yaml:4" in p and "duration" in p for p in problems), problems
    problems = _problems("""moderation:
  warnings:
    ladder:
      - {warnings: 2, action: mute, duration: 1h}
""")
    assert any("pb.yaml:4" in p for p in problems), problems


def test_the_shipped_playbooks_are_valid():
    from pathlib import Path

    for name in ("default.yaml", "zh-learning.yaml"):
        path = Path(__file__).parents[2] / "playbooks" / name
        playbook = parse_playbook(path.read_text(encoding="utf-8"), playbook_model())
        assert playbook.antispam.enabled and playbook.antispam.rules
        assert playbook.moderation.enabled


async def test_reversing_an_automatic_case_teaches_the_classifier_it_was_fine(bot):
    text = (
        "WINNER!! You have been selected to receive a £900 cash prize. Call 09061701461 "
        "to claim now. Valid 12 hours only"
    )
    await bot.say("bob", text)
    assert any(isinstance(a, DeleteMessage) for a in bot.actions_for("bob"))
    await bot.command("mod", "case", number=1, action="reverse")
    assert "reversed" in bot.texts("reply")[-1].lower()
    bot.clear()
    await bot.say("zoe", text)  # the same text from another newcomer now passes
    assert bot.actions_for("zoe") == []


PER_CHANNEL = """
community: {name: Makers}
antispam:
  raid: {enabled: false}
  rules:
    - name: channel-flood
      triggers: {flood: {messages: 3, window: 10s, per_channel: true}}
      actions: {delete: true}
"""


async def test_per_channel_flood_counts_each_channel_apart(tmp_path):
    bot = await BotHarness.start(tmp_path, PER_CHANNEL)
    for channel in ("a", "b", "c", "a", "b"):
        await bot.say("bob", f"hop to {channel}", channel=channel, at=timedelta(seconds=1))
    assert bot.actions == []  # five messages in 5 s, but at most two in one channel
    await bot.say("bob", "third in a", channel="a", at=timedelta(seconds=1))
    assert [a.kind for a in bot.actions] == ["delete_message"]
    await bot.close()
