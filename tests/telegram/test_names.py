"""Names, not ids, in every text the bot sends on Telegram: members by name (a text mention,
which notifies them even without a @username), the group by its title — through the whole
pipeline, whatever the rule could only write as an id."""

from __future__ import annotations

import re
from pathlib import Path

from bot.actions import AlertModerators, Post, SendDirect
from tests.telegram.botapi_double import GROUP_ID, UpdateBuilder, user
from tests.telegram.conftest import MOD, NOW, OWNER, pipeline

PLAYBOOK = """
community: {name: Makers}
moderation: {enabled: true}
"""
BOB = user(5512345678, "Bob")  # a real-sized Telegram id, no @username
IDS = re.compile(r"5512345678|-1001234567890")


async def bot(tmp_path: Path):
    api, adapter, runtime = await pipeline(tmp_path, PLAYBOOK)
    return api, adapter, runtime, UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)


async def test_moderation_texts_name_the_member_and_the_group(tmp_path):
    api, adapter, runtime, updates = await bot(tmp_path)
    api.start(MOD)  # Mike reads cases and answers privately
    spam = updates.message(BOB, "cheap followers here")
    await adapter.feed(spam)

    await adapter.feed(updates.message(MOD, "/warn spamming", reply_to=spam["message"]))
    await adapter.feed(updates.message(MOD, "/cases 5512345678"))
    await adapter.feed(updates.message(MOD, "/cases"))  # the latest cases, by name
    await adapter.feed(updates.message(OWNER, "/report", reply_to=spam["message"]))

    sent = api.delivered("sendMessage")
    assert sent and not [m["text"] for m in sent if IDS.search(m["text"])]
    cases = next(m for m in sent if "Bob" in m["text"] and "#1" in m["text"])
    assert cases["chat_id"] == MOD["id"]
    latest = next(m["text"] for m in sent if m["text"].startswith("Latest cases"))
    assert "Bob: warn — spamming" in latest
    # where the rule could only write his id, Bob is named and linked (a text mention)
    assert BOB["id"] in [e["user"]["id"] for e in cases.get("entities", [])]
    await adapter.stop()
    await runtime.store.close()


async def test_ids_in_any_text_become_names_and_unknown_ones_stay(tmp_path):
    api, adapter, runtime, updates = await bot(tmp_path)
    await adapter.feed(updates.message(BOB, "hello"))
    api.start(MOD)
    group = str(GROUP_ID)

    await adapter.execute(group, Post(channel_id=group, text="Cases of 5512345678"))
    await adapter.execute(group, SendDirect(user_id="2", text="5512345678 in #-1001234567890"))
    await adapter.execute(
        group, AlertModerators(text="9999999999 and https://t.me/c/5512345678/7 unchanged")
    )

    posted, direct, alert = [m["text"] for m in api.delivered("sendMessage")]
    assert posted == "Cases of Bob"
    assert direct == "Bob in Test group"
    assert alert == "9999999999 and https://t.me/c/5512345678/7 unchanged"
    await adapter.stop()
    await runtime.store.close()
