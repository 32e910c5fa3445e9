"""A redelivered Telegram update does nothing: after a restart (getUpdates hands back what was
not acknowledged) the same check-in and the same flood message neither pay, reply nor open a
case again (on the offline Bot API double, through the whole pipeline); and a replay file
replayed again on the same database prints no action."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.telegram import TelegramAdapter
from bot.app import build_runtime
from tests.antispam.test_replays import replay
from tests.telegram.botapi_double import GROUP_ID, TOKEN, UpdateBuilder
from tests.telegram.conftest import ALICE, NOW, pipeline

TESTS = Path(__file__).resolve().parents[1]
PLAYBOOK = """
community: {name: Readers}
checkin: {keywords: [checkin], points: 10}
antispam:
  rules:
    - name: ads
      triggers: {keywords: [free crypto]}
      actions: {delete: true, warn: 1}
"""


async def _rows(runtime, sql: str) -> list[tuple]:
    async with runtime.store.engine.connect() as conn:
        return list((await conn.execute(text(sql))).all())


async def test_a_redelivered_update_after_a_restart_does_nothing(tmp_path: Path):
    api, adapter, runtime = await pipeline(tmp_path, PLAYBOOK)
    updates = UpdateBuilder(chat_id=GROUP_ID, now=NOW, api=api)
    checkin = updates.message(ALICE, "checkin")
    spam = updates.message(ALICE, "free crypto for all")
    for update in (checkin, spam):
        await adapter.feed(update)
    sent = len(api.calls_to("sendMessage"))
    deleted = len(api.calls_to("deleteMessage"))
    assert sent >= 1 and deleted == 1
    await adapter.stop()
    await runtime.store.close()  # a restart: state and memory are gone, the database stays

    runtime = await build_runtime(
        db_url=f"sqlite:///{tmp_path / 'tg.db'}",
        playbook=tmp_path / "p.yaml",
        adapters={"telegram": (adapter := TelegramAdapter(TOKEN, request=api, rate_limit=False,
                                                         clock=lambda: NOW))},
    )  # fmt: skip
    await adapter.start(runtime.handle, runtime.commands)
    for update in (checkin, spam):  # the platform redelivers both
        await adapter.feed(update)
    assert len(api.calls_to("sendMessage")) == sent
    assert len(api.calls_to("deleteMessage")) == deleted
    assert await _rows(runtime, "SELECT count(*) FROM checkins") == [(1,)]
    assert await _rows(runtime, "SELECT count(*) FROM moderation_cases WHERE action='warn'") == [
        (1,)
    ]
    assert await _rows(runtime, "SELECT sum(amount) FROM points_ledger") == [(10,)]
    assert await _rows(runtime, "SELECT message_count FROM members WHERE user_id='10'") == [(2,)]
    # a new message (a new message id) is handled as usual
    await adapter.feed(updates.message(ALICE, "free crypto again"))
    assert len(api.calls_to("deleteMessage")) == deleted + 1
    await adapter.stop()
    await runtime.store.close()


@pytest.mark.parametrize(
    "events",
    ["antispam/replays/escalation.jsonl", "antispam/replays/raid.jsonl",
     "antispam/replays/rates.jsonl", "engagement/replays/week.jsonl"],
)  # fmt: skip
def test_a_second_replay_of_a_file_on_the_same_database_prints_no_action(tmp_path, events):
    path = TESTS / events
    playbook = path.parent / "playbook.yaml"
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert replay(path, "--db", db, playbook=playbook)
    assert replay(path, "--db", db, playbook=playbook) == []
