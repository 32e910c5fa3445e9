"""Referrals on both platforms, whole pipeline: platform payloads in (Telegram `chat_member`
updates carrying `invite_link`; Discord joins told apart by invite use counts), platform calls
out, rewards decided by the scheduled check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord.ext.test as dpytest

from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from rules.points.store import points_state
from rules.referrals import part
from tests.discord.harness import close_harness, make_harness
from tests.telegram.botapi_double import GROUP_ID, TOKEN, BotApiDouble, UpdateBuilder, user
from tests.telegram.conftest import ALICE, MOD, NOW, OWNER

PLAYBOOK = """
community: {name: Makers}
points: {messages: {enabled: false}}
referrals:
  links: {notify_join: true}
  rewards: {after: 7d, min_messages: 2, points: 30}
"""
WEEK = timedelta(days=7, hours=1)


def playbook(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(PLAYBOOK, encoding="utf-8")
    return path


async def telegram_bot(tmp_path: Path) -> tuple[BotApiDouble, TelegramAdapter, Any]:
    api = BotApiDouble(now=NOW)
    api.set_admins(GROUP_ID, OWNER, MOD)
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False, clock=lambda: NOW)
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'tg.db'}",
        playbook=playbook(tmp_path),
        adapters={"telegram": adapter},
    )
    await adapter.start(runtime.handle, runtime.commands)
    return api, adapter, runtime


async def _balance(runtime, platform: str, community: str, user_id: str) -> int:
    ref = await runtime.store.community(platform, community)
    found = (await points_state(runtime.store, ref)).get(user_id)
    return found.balance if found else 0


async def test_telegram_invitee_through_a_named_link_pays_once_and_a_leaver_nothing(tmp_path):
    api, adapter, runtime = await telegram_bot(tmp_path)
    updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
    try:
        await adapter.feed(updates.private(ALICE))  # Alice may be written to privately
        await adapter.feed(updates.message(ALICE, "/invite"))
        [made] = api.calls_to("createChatInviteLink")
        assert made["name"] == "qunbot: Alice" and str(made["chat_id"]) == str(GROUP_ID)
        link = api.created_links[0]
        dm = [c for c in api.calls_to("sendMessage") if str(c["chat_id"]) == str(ALICE["id"])]
        assert any(link["invite_link"] in c["text"] for c in dm), [c["text"] for c in dm]

        # asked again: the same link, no second one made
        await adapter.feed(updates.message(ALICE, "/invite"))
        assert len(api.calls_to("createChatInviteLink")) == 1

        nina, omar = user(42, "Nina"), user(43, "Omar")
        await adapter.feed(updates.chat_member(nina, invite_link=link))
        # the service message of the same join does not join her twice
        await adapter.feed(updates.new_members([nina]))
        await adapter.feed(updates.message(nina, "hi all, happy to be here"))
        await adapter.feed(updates.message(nina, "what are you building?"))
        await adapter.feed(updates.chat_member(omar, invite_link=link))
        await adapter.feed(updates.message(omar, "hello"))
        await adapter.feed(updates.message(omar, "bye"))
        await adapter.feed(
            updates.chat_member(omar, old="member", new="left", at=NOW + timedelta(days=1))
        )
        told = [c["text"] for c in api.calls_to("sendMessage") if "joined through" in c["text"]]
        assert len(told) == 2  # notify_join: Alice hears of both

        await runtime.run_due(NOW + WEEK)
        await runtime.run_due(NOW + 2 * WEEK)
        assert await _balance(runtime, "telegram", str(GROUP_ID), str(ALICE["id"])) == 30
        rewarded = [c["text"] for c in api.calls_to("sendMessage") if "+30" in c["text"]]
        assert len(rewarded) == 1 and "Nina" in rewarded[0]
        ref = await runtime.store.community("telegram", str(GROUP_ID))
        state = await runtime.states.get(ref)
        rows = {r.user_id: r for r in part(state.memory).rows}
        assert rows["42"].status == "rewarded" and rows["42"].source == "member"
        assert rows["43"].status == "left"
    finally:
        await adapter.stop()
        await runtime.store.close()


async def test_telegram_a_link_made_by_someone_else_is_nobodys(tmp_path):
    api, adapter, runtime = await telegram_bot(tmp_path)
    updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
    try:
        # an administrator's link: Telegram hides its end from other admins and bots
        theirs = {
            "invite_link": "https://t.me/+AbCd…",
            "creator": OWNER,
            "creates_join_request": False,
            "is_primary": False,
            "is_revoked": False,
        }
        await adapter.feed(updates.chat_member(user(44, "Pia"), invite_link=theirs))
        ref = await runtime.store.community("telegram", str(GROUP_ID))
        state = await runtime.states.get(ref)
        [row] = part(state.memory).rows
        assert (row.source, row.inviter, row.status) == ("link", None, "none")
    finally:
        await adapter.stop()
        await runtime.store.close()


async def test_discord_use_counts_attribute_a_join_and_two_moved_is_unknown(tmp_path):
    h = await make_harness(commands=[])
    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'dc.db'}",
        playbook=playbook(tmp_path),
        adapters={"discord": h.adapter},
    )
    h.adapter.attach(runtime.handle, runtime.commands)
    h.responder = None
    try:
        h.add_invite("staffinv", uses=4)  # someone else's invite, made in the client
        await h.adapter.invites.prime(h.guild)
        alice = h.member("alice")
        await h.say("alice", "hello")
        asked = await h.invoke("invite", "alice")
        [made] = h.calls_to("create_invite")
        code = next(c for c in h.invites if c != "staffinv")
        assert f"https://discord.gg/{code}" in " ".join(asked.texts)

        nina = await h.join("nina", via=code)
        await h.say(nina, "hi everyone")
        await h.say(nina, "glad to be here")
        # two invites used between two reads: the join cannot be told apart
        h.invites[code] += 1
        await h.join("omar", via="staffinv")
        await h.join("pia", via="staffinv")  # someone else's invite: nobody's link
        await dpytest.run_all_events()

        ref = await runtime.store.community("discord", h.community_id)
        state = await runtime.states.get(ref)
        rows = {r.user_id: r for r in part(state.memory).rows}
        assert rows[str(nina.id)].inviter == str(alice.id)
        omar, pia = str(h.member("omar").id), str(h.member("pia").id)
        assert (rows[omar].source, rows[omar].note, rows[omar].inviter) == (
            "unknown",
            "ambiguous",
            None,
        )
        assert (rows[pia].source, rows[pia].inviter) == ("link", None)

        await runtime.run_due(datetime.now(UTC) + WEEK)
        assert await _balance(runtime, "discord", h.community_id, str(alice.id)) == 30
        await runtime.run_due(datetime.now(UTC) + 2 * WEEK)
        assert await _balance(runtime, "discord", h.community_id, str(alice.id)) == 30
        assert any("+30" in m.content for m in h.sent)  # Alice told by DM
    finally:
        await close_harness(h)
        await runtime.store.close()


async def test_discord_without_manage_server_joins_are_unknown_and_invites_not_read_again(
    tmp_path,
):
    import discord

    from tests.discord.harness import http_error

    h = await make_harness(commands=[])
    asked: list[int] = []

    async def refused(guild_id: int) -> None:
        asked.append(guild_id)
        raise discord.Forbidden(**http_error(403, 50013, "Missing Permissions"))

    try:
        h.client.http.invites_from = refused  # type: ignore[method-assign]
        await h.adapter.invites.prime(h.guild)
        await h.join("nina")
        await h.join("omar")
        joins = h.events_of("join")
        assert [(e.invite, e.invite_note) for e in joins] == [(None, "unavailable")] * 2
        assert len(asked) == 1  # refused once: not asked again on every join
    finally:
        await close_harness(h)
