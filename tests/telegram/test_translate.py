"""What the engine hears when things happen in a Telegram group."""

from __future__ import annotations

from adapters.telegram import TelegramAdapter
from adapters.telegram.commands import start_payload
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from tests.telegram.botapi_double import GROUP_ID, BotApiDouble, UpdateBuilder, text_mention, user
from tests.telegram.conftest import ALICE, BOB, CAROL, MOD, OWNER, Collected

GROUP = str(GROUP_ID)


# --- joins and leaves -------------------------------------------------------------------------
async def test_a_member_joining_is_one_join_even_when_telegram_reports_it_twice(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.chat_member(ALICE, "left", "member"))
    await adapter.feed(updates.new_members([ALICE]))

    joins = events.of("join")
    assert len(joins) == 1
    assert isinstance(joins[0], MemberJoined)
    assert joins[0].member.user_id == "10"
    assert joins[0].member.name == "Alice"
    assert joins[0].community_id == GROUP
    assert joins[0].occurred_at.tzinfo is not None


async def test_service_message_first_then_chat_member_is_still_one_join(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.new_members([ALICE, BOB]))
    await adapter.feed(updates.chat_member(ALICE))
    await adapter.feed(updates.chat_member(BOB))

    assert sorted(e.user_id for e in events.of("join")) == ["10", "11"]


async def test_with_hidden_members_the_chat_member_update_alone_announces_the_join(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.chat_member(CAROL, "kicked", "member"))

    assert [e.user_id for e in events.of("join")] == ["12"]


async def test_leaving_and_being_banned_are_leaves_and_a_rejoin_is_a_new_join(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.chat_member(ALICE, "left", "member"))
    await adapter.feed(updates.chat_member(ALICE, "member", "left"))
    await adapter.feed(updates.member_left(ALICE))  # the service message for the same leave
    await adapter.feed(updates.chat_member(ALICE, "left", "member"))
    await adapter.feed(updates.chat_member(BOB, "left", "member"))
    await adapter.feed(updates.chat_member(BOB, "member", "kicked", by=MOD))

    assert [(e.kind, e.user_id) for e in events] == [
        ("join", "10"),
        ("leave", "10"),
        ("join", "10"),
        ("join", "11"),
        ("leave", "11"),
    ]
    assert isinstance(events[1], MemberLeft)


async def test_promotions_and_restrictions_of_present_members_are_not_joins(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.chat_member(ALICE, "member", "administrator"))
    await adapter.feed(updates.chat_member(BOB, "member", "restricted"))
    # a restricted user who is not in the chat joining is a join
    await adapter.feed(
        updates.chat_member(CAROL, "restricted", "restricted", old_extra={"is_member": False})
    )

    assert [(e.kind, e.user_id) for e in events] == [("join", "12")]


# --- messages ---------------------------------------------------------------------------------
async def test_a_message_carries_mentions_attachment_and_forward(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.message(BOB, "hi"))  # the bot learns @bob
    text = "look @bob and Carol and @stranger"
    await adapter.feed(
        updates.message(
            ALICE,
            text,
            photo=True,
            forwarded_from=user(99, "Spammer"),
            entities=[
                {"type": "mention", "offset": 5, "length": 4},
                text_mention(text, "Carol", CAROL),
                {"type": "mention", "offset": 24, "length": 9},
            ],
        )
    )

    message = events[-1]
    assert isinstance(message, MessagePosted)
    assert message.text == text  # a caption is the message's text
    assert message.mentions == ("11", "12", "@stranger")
    assert message.attachments == 1
    assert message.is_forward is True
    assert message.author.user_id == "10"
    assert message.author.is_moderator is False


async def test_a_reply_points_at_the_message_replied_to(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    original = updates.message_body(BOB, "question?")
    await adapter.feed(updates.message(ALICE, "answer", reply_to=original))

    assert events[-1].reply_to == str(original["message_id"])


async def test_forum_topic_messages_have_their_own_channel(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    topic_root = updates.message_body(
        OWNER, "", forum_topic_created={"name": "Help", "icon_color": 1}
    )
    await adapter.feed(
        updates.message(ALICE, "in the topic", thread_id=7, reply_to=topic_root | {"message_id": 7})
    )

    message = events[-1]
    assert message.channel_id == f"{GROUP_ID}:7"
    assert message.reply_to is None  # replying to the topic itself is not a reply


async def test_administrators_are_moderators_and_the_owner_is_an_admin(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.message(MOD, "mod speaking"))
    await adapter.feed(updates.message(OWNER, "owner speaking"))
    await adapter.feed(updates.message(user(50, "Helper", is_bot=True), "beep"))

    mod, owner, helper = (e.author for e in events)
    assert (mod.is_moderator, mod.is_admin, mod.roles) == (True, False, ("administrator",))
    assert (owner.is_moderator, owner.is_admin) == (True, True)
    assert helper.is_bot is True and helper.is_moderator is False


async def test_the_administrator_list_is_fetched_once_and_refreshed_after_expiry(
    api: BotApiDouble, updates: UpdateBuilder, events: Collected
) -> None:
    clock = [updates.now]
    tg = TelegramAdapter("1:x", request=api, rate_limit=False, clock=lambda: clock[0])
    await tg.start(events, [])
    for i in range(5):
        await tg.feed(updates.message(ALICE, f"message {i}"))
    assert len(api.calls_to("getChatAdministrators")) == 1

    api.set_admins(GROUP_ID, OWNER, MOD, ALICE)  # Alice was promoted meanwhile
    clock[0] = updates.now + tg.directory.admin_ttl
    await tg.feed(updates.message(ALICE, "now I am a moderator"))
    await tg.stop()

    assert len(api.calls_to("getChatAdministrators")) == 2
    assert events[-1].author.is_moderator is True


async def test_an_edit_is_reported_with_the_new_text(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    first = updates.message(ALICE, "helo")
    await adapter.feed(first)
    await adapter.feed(updates.edited(first, "hello @bob"))

    edit = events[-1]
    assert isinstance(edit, MessageEdited)
    assert edit.text == "hello @bob"
    assert edit.message_id == str(first["message"]["message_id"])
    assert edit.occurred_at > events[0].occurred_at


async def test_service_messages_such_as_pins_are_not_messages(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    pinned = updates.message_body(MOD, "rules")
    await adapter.feed(updates.message(MOD, pinned_message=pinned))

    assert list(events) == []


async def test_a_private_start_and_a_block_are_direct_chat_events(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.private(ALICE, "/start"))
    await adapter.feed(updates.private(ALICE, "thanks!"))  # chatting: nothing to record
    await adapter.feed(updates.message(ALICE, "hi group"))
    await adapter.feed(updates.my_chat_member_private(ALICE, "kicked"))  # she blocks the bot
    await adapter.feed(updates.message(ALICE, "still here"))

    started, said, blocked, again = events
    assert (started.kind, started.user, started.reachable, started.greet) == (
        "direct",
        "10",
        True,
        True,
    )
    assert started.community_id == "" and started.name == "Alice"
    assert (blocked.kind, blocked.reachable, blocked.why) == ("direct", False, "blocked the bot")
    assert said.author.can_dm is True and again.author.can_dm is False
    assert "10" not in adapter.dm_reachable


async def test_a_start_link_payload_carries_its_community_and_button(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    payload = start_payload(str(GROUP_ID), "welcome.verify:10")
    assert payload is not None and len(payload) <= 64
    await adapter.feed(updates.private(ALICE, f"/start {payload}"))
    await adapter.feed(updates.private(ALICE, "/start not-one-of-ours"))

    linked, plain = events
    assert (linked.kind, linked.community_id, linked.button) == (
        "direct",
        str(GROUP_ID),
        "welcome.verify:10",
    )
    assert linked.actor is not None and linked.actor.user_id == "10"
    assert (plain.kind, plain.community_id, plain.button) == ("direct", "", "")


# --- commands ---------------------------------------------------------------------------------
async def test_a_command_with_a_username_names_the_member_and_keeps_the_reason_whole(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.message(BOB, "buy now"))
    await adapter.feed(updates.message(MOD, "/warn@qunbot_test_bot @Bob stop  spamming"))

    command = events[-1]
    assert isinstance(command, CommandInvoked)
    assert command.command == "warn"
    assert dict(command.args) == {"user": "11", "reason": "stop  spamming"}
    assert command.actor.is_moderator is True
    assert command.target_message_id is None


async def test_a_command_as_a_reply_targets_the_replied_message_and_its_author(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    spam = updates.message_body(BOB, "cheap followers here")
    await adapter.feed({"update_id": 900, "message": spam})
    await adapter.feed(updates.message(MOD, "/warn spamming", reply_to=spam))

    command = events[-1]
    assert dict(command.args) == {"user": "11", "reason": "spamming"}
    assert command.target_message_id == str(spam["message_id"])
    assert command.target_message_text == "cheap followers here"
    assert command.target_user_id == "11"


async def test_options_are_parsed_in_order_by_type(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    text = "/points GIVE Carol 15"
    await adapter.feed(
        updates.message(
            MOD,
            text,
            entities=[
                {"type": "bot_command", "offset": 0, "length": 7},
                text_mention(text, "Carol", CAROL),
            ],
        )
    )
    await adapter.feed(updates.message(MOD, "/mute 11 10m flooding the chat"))
    await adapter.feed(updates.message(MOD, "/points give @nobody 5"))

    points, mute, unknown = events
    assert dict(points.args) == {"action": "give", "user": "12", "amount": 15}
    assert dict(mute.args) == {"user": "11", "duration": "10m", "reason": "flooding the chat"}
    # an unknown @username is left out rather than guessed
    assert dict(unknown.args) == {"action": "give", "amount": 5}


async def test_unregistered_commands_and_commands_for_other_bots_stay_messages(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.message(ALICE, "/checkin@OtherBot"))
    await adapter.feed(updates.message(ALICE, "/dance"))
    await adapter.feed(updates.message(ALICE, "/checkin"))

    assert [e.kind for e in events] == ["message", "message", "command"]
    assert events[2].command == "checkin"


# --- buttons and reactions --------------------------------------------------------------------
async def test_pressing_a_button_is_reported_and_answered(
    adapter: TelegramAdapter, api: BotApiDouble, updates: UpdateBuilder, events: Collected
) -> None:
    await adapter.feed(updates.button(ALICE, "captcha:ok", message_id=42))

    press = events[-1]
    assert isinstance(press, ButtonPressed)
    assert (press.custom_id, press.message_id, press.user_id) == ("captcha:ok", "42", "10")
    assert len(api.calls_to("answerCallbackQuery")) == 1


async def test_a_reaction_credits_the_reactor_and_names_the_author(
    adapter: TelegramAdapter, updates: UpdateBuilder, events: Collected
) -> None:
    posted = updates.message(BOB, "my idea")
    await adapter.feed(posted)
    message_id = posted["message"]["message_id"]
    await adapter.feed(updates.reaction(ALICE, message_id, ["👍"]))
    await adapter.feed(updates.reaction(ALICE, message_id, ["👍", "🔥"], old=["👍"]))
    await adapter.feed(updates.reaction(ALICE, message_id, [], old=["👍", "🔥"]))  # removed

    reactions = events.of("reaction")
    assert [r.emoji for r in reactions] == ["👍", "🔥"]
    assert isinstance(reactions[0], ReactionAdded)
    assert reactions[0].message_author_id == "11"
    assert reactions[0].user_id == "10"
