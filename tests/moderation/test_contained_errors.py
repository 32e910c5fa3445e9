"""Errors stay contained (issue 12, point 10): an exception while executing or reporting one
action is recorded for that action; the other actions still run and their audit rows are kept.
A failed administrator lookup is retried instead of being taken for "no administrators"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.moderation.platforms import TelegramRig, telegram_rig
from tests.telegram.botapi_double import GROUP_ID, ApiFailure, user
from tests.telegram.conftest import MOD

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log}
moderation: {}
antispam:
  rules:
    - name: ads
      triggers: {keywords: [crypto giveaway]}
      actions: {delete: true, warn: 1, timeout: 10m, alert: true}
"""
SAM = user(66, "Sam", username="sam")
TOM = user(67, "Tom", username="tom")


@pytest.fixture
async def tg(tmp_path) -> TelegramRig:
    rig = await telegram_rig(tmp_path, PLAYBOOK)
    yield rig
    await rig.close()


async def test_a_crash_while_alerting_keeps_the_other_actions_and_their_audit(tg, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("alert template exploded")

    monkeypatch.setattr(tg.adapter._runner, "_alert_moderators", broken)

    await tg.adapter.feed(tg.updates.message(SAM, "huge crypto giveaway here"))

    assert len(tg.api.calls_to("deleteMessage")) == 1
    assert len(tg.api.calls_to("restrictChatMember")) == 1
    log = {e["action"]: e for e in await tg.audit()}
    assert log["delete_message"]["status"] == "executed"
    assert log["warn"]["status"] == "executed"
    assert log["timeout"]["status"] == "executed"
    assert log["post"]["status"] == "failed"  # the case log routed to mod-log
    assert "RuntimeError: alert template exploded" in log["post"]["detail"]
    # the bot goes on with the next message
    await tg.adapter.feed(tg.updates.message(TOM, "another crypto giveaway"))
    assert len(tg.api.calls_to("deleteMessage")) == 2


async def test_a_crash_while_reporting_a_refusal_keeps_the_refusal_recorded(tg, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("cannot reach the moderators")

    monkeypatch.setattr(tg.adapter._runner, "_alert_moderators", broken)
    tg.api.fail_next(
        "restrictChatMember",
        ApiFailure.bad_request("Bad Request: not enough rights to restrict/unrestrict chat member"),
    )

    await tg.adapter.feed(tg.updates.message(SAM, "huge crypto giveaway here"))

    log = {e["action"]: e for e in await tg.audit()}
    assert log["delete_message"]["status"] == "executed"
    assert log["timeout"]["status"] == "failed"
    assert "not enough rights" in log["timeout"]["detail"].lower()


async def test_a_failed_admin_lookup_is_retried_not_taken_for_no_admins(tmp_path):
    tg = await telegram_rig(tmp_path, PLAYBOOK, mod_started=False)
    try:
        tg.adapter.directory.forget_admins(GROUP_ID)
        tg.api.fail_next("getChatAdministrators", ApiFailure.server_error())
        await tg.adapter.feed(tg.updates.message(SAM, "hello"))
        assert len(tg.api.calls_to("getChatAdministrators")) == 1
        tg.clock.at += timedelta(minutes=1)  # well inside the 10 minutes a good list is kept

        await tg.adapter.feed(tg.updates.message(MOD, "/warn @sam be nice"))

        assert len(tg.api.calls_to("getChatAdministrators")) == 2
        # Mike is known as an administrator again, so his /warn is obeyed
        log = {e["action"]: e for e in await tg.audit()}
        assert log["warn"]["status"] == "executed"
    finally:
        await tg.close()
