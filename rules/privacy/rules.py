"""/mydata, /forget and the daily pruning run, as pure rules.

`/mydata` sends the member a JSON file of every row the capabilities declare about them.
`/forget` asks for a button press (the console: `/forget confirm`); an admin's `/forget @member`
acts at once. The loaders read the export and the member's anonymous key; the rules decide.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.actions import Button, Reply, SendFile
from bot.engine import member_standing
from bot.events import ButtonPressed, CommandInvoked, Event, Tick
from bot.patches import Claim
from bot.rule import CommunityView, Decision, RuleContext, answer, rule
from bot.store import privacy as q
from rules.privacy.config import PrivacyConfig
from rules.privacy.patches import ForgetMember, Prune

PRUNE_JOB = "privacy.prune"
BUTTON = "privacy.forget:"  # + the member's id + ":" + the request time (epoch seconds)


# -- /mydata ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export:
    view: CommunityView
    data: dict[str, Any]


async def load_export(event: Event, cfg: PrivacyConfig, ctx: RuleContext) -> Export:
    assert isinstance(event, CommandInvoked)
    await ctx.store.flush()  # the latest counts are part of it
    rows = await q.export_member(
        ctx.store, ctx.community, event.actor.user_id, ctx.store.member_rows
    )
    return Export(ctx.view, rows)


def export_document(
    community: str, platform: str, user_id: str, rows: dict[str, Any], now: datetime
) -> bytes:
    """The JSON a member gets from /mydata (and an operator from `qunbot member export`)."""
    document = {
        "community": community,
        "platform": platform,
        "member": user_id,
        "exported_at": now.isoformat(),
        "data": rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def record_count(rows: dict[str, Any]) -> int:
    return sum(len(v) for v in rows.values())


@rule("privacy.mydata", on=CommandInvoked, load=load_export, commands=("mydata",))
def mydata(event: CommandInvoked, cfg: PrivacyConfig, snap: Export, now: datetime) -> Decision:
    texts, name = snap.view.texts, snap.view.settings.name
    if not event.actor.can_dm:
        return Decision.act(
            [answer(event, texts.get("privacy.need_dm"))], "cannot send the member a file"
        )
    count = record_count(snap.data)
    document = export_document(name, event.platform, event.actor.user_id, snap.data, now)
    file = SendFile(
        user_id=event.actor.user_id,
        filename=f"mydata-{event.platform}-{now:%Y%m%d-%H%M%S}.json",
        data=document,
        caption=texts.get("privacy.mydata_caption", community=name, rows=count),
    )
    reply = answer(event, texts.get("privacy.mydata_sent", rows=count))
    return Decision.act([file, reply], f"exported {count} records of the member")


# -- /forget ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Forget:
    view: CommunityView
    # the member to forget now (None: only ask) and their anonymous key
    target: str | None
    anon: str


def _request(event: Event) -> tuple[str | None, bool]:
    """(another member named, confirmed) from `/forget [confirm] [@member]`."""
    if isinstance(event, ButtonPressed):
        return None, True
    assert isinstance(event, CommandInvoked)
    user = event.args.get("user")
    confirm = event.args.get("confirm") == "confirm"
    if user == "confirm":  # the console and Telegram read `/forget confirm` as a name
        return None, True
    return (str(user) if user else None), confirm


async def load_forget(event: Event, cfg: PrivacyConfig, ctx: RuleContext) -> Forget | None:
    if isinstance(event, ButtonPressed):
        if not event.custom_id.startswith(BUTTON):
            return None
        target = _button_member(event.custom_id)
    else:
        other, confirmed = _request(event)
        actor = event.actor  # type: ignore[attr-defined]
        target = other or (actor.user_id if confirmed else None)
    anon = await q.anonymous_key(ctx.store, ctx.community, target) if target else ""
    return Forget(ctx.view, target, anon)


def _button_member(custom_id: str) -> str | None:
    member, _, _ = custom_id.removeprefix(BUTTON).rpartition(":")
    return member or None


def _button_time(custom_id: str) -> datetime | None:
    from datetime import UTC

    _, _, stamp = custom_id.rpartition(":")
    return datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else None


def _private(event: CommandInvoked | ButtonPressed, text: str) -> Reply:
    """A private answer that names nobody in the audit log once the member is forgotten
    (the executor swaps their id for the anonymous key)."""
    if isinstance(event, CommandInvoked):
        return answer(event, text)
    return Reply(
        channel_id=event.channel_id,
        reply_to=event.message_id,
        user_id=event.actor.user_id,
        ephemeral=True,
        text=text,
    )


@rule("privacy.forget_pressed", on=ButtonPressed, load=load_forget)
def forget_pressed(
    event: ButtonPressed, cfg: PrivacyConfig, snap: Forget | None, now: datetime
) -> Decision:
    if snap is None:
        return Decision.skip("not a /forget button")
    texts, name = snap.view.texts, snap.view.settings.name
    if snap.target != event.actor.user_id:
        return Decision.act(
            [_private(event, texts.get("privacy.not_yours"))], "someone else's button"
        )
    asked = _button_time(event.custom_id)
    if asked is None or now - asked > cfg.confirm_within:
        return Decision.act([_private(event, texts.get("privacy.expired"))], "button expired")
    return Decision.act(
        [_private(event, texts.get("privacy.forgotten", community=name))],
        f"forgot a member at their request ({snap.anon})",
        [ForgetMember(event.actor.user_id)],
        stop=True,
    )


@rule("privacy.forget", on=CommandInvoked, load=load_forget, commands=("forget",))
def forget(event: CommandInvoked, cfg: PrivacyConfig, snap: Forget, now: datetime) -> Decision:
    texts, name = snap.view.texts, snap.view.settings.name
    actor = event.actor
    other, confirmed = _request(event)
    if other is not None and other != actor.user_id:
        if member_standing(actor, snap.view.settings) != "admin":
            return Decision.act(
                [answer(event, texts.get("privacy.admins_only"))], "not an admin", stop=True
            )
        return Decision.act(
            [answer(event, texts.get("privacy.forgot_member", anon=snap.anon))],
            f"{actor.display} forgot a member ({snap.anon})",
            [ForgetMember(other)],
        )
    if confirmed:
        return Decision.act(
            [answer(event, texts.get("privacy.forgotten", community=name))],
            f"forgot a member at their request ({snap.anon})",
            [ForgetMember(actor.user_id)],
        )
    minutes = max(1, int(cfg.confirm_within.total_seconds() // 60))
    button = Button(
        texts.get("privacy.forget_button"), f"{BUTTON}{actor.user_id}:{int(now.timestamp())}"
    )
    ask = Reply(
        channel_id=event.channel_id,
        reply_to=event.message_id,
        user_id=actor.user_id,
        ephemeral=True,
        text=texts.get("privacy.forget_ask", community=name, minutes=minutes),
        buttons=(button,),
    )
    return Decision.act([ask], "asked the member to confirm /forget")


# -- the daily pruning run -------------------------------------------------------------------


@rule(PRUNE_JOB, on=Tick, jobs=(PRUNE_JOB,))
def prune(event: Tick, cfg: PrivacyConfig, view: CommunityView, now: datetime) -> Decision:
    day = view.local(now).date().isoformat()
    periods = {name: getattr(cfg.retention, name) for name in type(cfg.retention).model_fields}
    kept = ", ".join(f"{k} {'forever' if v is None else v.days}d" for k, v in periods.items())
    return Decision.update(
        [Claim(PRUNE_JOB, day, now), Prune(periods, now)],
        f"retention for {day}: {kept}",
    )
