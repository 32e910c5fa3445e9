"""Drive the whole pipeline (adapter → engine → store → executor) on a simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from adapters.recording import RecordingAdapter
from bot.actions import Action
from bot.app import build_runtime
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from bot.runtime import Handled, Runtime
from bot.simulation import Simulation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
PLATFORM = "test"
COMMUNITY = "c1"


async def _no_sleep(_: float) -> None:
    return None


class BotHarness:
    """`await BotHarness.start(tmp_path, playbook_yaml)`; then say/join/leave/advance."""

    def __init__(
        self,
        runtime: Runtime,
        sim: Simulation,
        adapter: RecordingAdapter,
        db_url: str,
        playbook: Path,
    ) -> None:
        self.runtime = runtime
        self.sim = sim
        self.adapter = adapter
        self.db_url = db_url
        self.playbook = playbook
        self._ids = count(1)
        self.moderators: set[str] = set()

    @classmethod
    async def start(
        cls,
        tmp_path: Path,
        playbook_yaml: str | None = None,
        *,
        db_url: str | None = None,
        start: datetime = T0,
        playbook: Path | None = None,
    ) -> BotHarness:
        if playbook is None:
            playbook = tmp_path / "playbook.yaml"
            playbook.write_text(playbook_yaml or "", encoding="utf-8")
        db_url = db_url or f"sqlite:///{tmp_path / 'bot.db'}"
        adapter = RecordingAdapter(platform=PLATFORM)
        runtime = await build_runtime(
            db_url=db_url, playbook=playbook, adapters={PLATFORM: adapter}, sleep=_no_sleep
        )
        return cls(runtime, Simulation(runtime, start), adapter, db_url, playbook)

    async def restart(self) -> None:
        """Stop (flushing like a clean shutdown) and start again on the same database."""
        now = self.sim.now
        await self.runtime.close()
        runtime = await build_runtime(
            db_url=self.db_url,
            playbook=self.playbook,
            adapters={PLATFORM: self.adapter},
            sleep=_no_sleep,
        )
        self.runtime, self.sim = runtime, Simulation(runtime, now)

    async def close(self) -> None:
        await self.runtime.close()

    # -- time ----------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.sim.now

    async def advance(self, delta: timedelta) -> None:
        await self.sim.advance(delta)

    def _at(self, at: datetime | timedelta | None) -> datetime:
        if at is None:
            return self.now
        return self.now + at if isinstance(at, timedelta) else at

    # -- people --------------------------------------------------------------------------------

    def actor(self, user: str, *, roles: tuple[str, ...] = (), bot: bool = False) -> Actor:
        return Actor(
            user_id=user, name=user, roles=roles, is_moderator=user in self.moderators, is_bot=bot
        )

    async def emit(self, event: Event) -> Handled:
        return await self.sim.feed(event)

    def _base(self, at: datetime | timedelta | None) -> dict[str, Any]:
        return {"platform": PLATFORM, "community_id": COMMUNITY, "occurred_at": self._at(at)}

    async def say(
        self,
        user: str,
        text: str,
        *,
        at: datetime | timedelta | None = None,
        channel: str = "general",
        **extra: Any,
    ) -> Handled:
        roles = extra.pop("roles", ())
        return await self.emit(
            MessagePosted(
                **self._base(at),
                channel_id=channel,
                message_id=f"m{next(self._ids)}",
                author=self.actor(user, roles=roles),
                text=text,
                **extra,
            )
        )

    async def join(
        self,
        user: str,
        *,
        at: datetime | timedelta | None = None,
        bot: bool = False,
        invite: str | None = None,
        invite_note: str = "",
    ) -> Handled:
        return await self.emit(
            MemberJoined(
                **self._base(at),
                member=self.actor(user, bot=bot),
                invite=invite,
                invite_note=invite_note,
            )
        )

    async def leave(self, user: str, *, at: datetime | timedelta | None = None) -> Handled:
        return await self.emit(MemberLeft(**self._base(at), member=self.actor(user)))

    async def press(self, user: str, custom_id: str) -> Handled:
        return await self.emit(
            ButtonPressed(
                **self._base(None),
                channel_id="general",
                message_id="bot-msg",
                actor=self.actor(user),
                custom_id=custom_id,
            )
        )

    async def react(
        self, user: str, message_id: str, emoji: str = "👍", author: str | None = None
    ) -> Handled:
        return await self.emit(
            ReactionAdded(
                **self._base(None),
                channel_id="general",
                message_id=message_id,
                user=self.actor(user),
                emoji=emoji,
                message_author_id=author,
            )
        )

    async def command(
        self,
        actor: str,
        name: str,
        *,
        channel: str = "general",
        roles: tuple[str, ...] = (),
        **args: Any,
    ) -> Handled:
        """`actor` runs /`name`; other keywords are the command's options (`user="bob"`,
        `reason=...`), except `target_*`: the message the command is used on."""
        target = {k: args.pop(k) for k in list(args) if k.startswith("target_")}
        return await self.emit(
            CommandInvoked(
                **self._base(None),
                command=name,
                actor=self.actor(actor, roles=roles),
                channel_id=channel,
                args=args,
                message_id=f"m{next(self._ids)}",
                **target,
            )
        )

    # -- what the bot did ----------------------------------------------------------------------

    @property
    def actions(self) -> list[Action]:
        return [action for _, action in self.adapter.performed]

    def actions_for(self, user: str) -> list[Action]:
        return [
            a for a in self.actions if a.target_user == user or user in getattr(a, "mentions", ())
        ]

    def texts(self, kind: str | None = None) -> list[str]:
        return [
            a.text_shown or ""
            for a in self.actions
            if (kind is None or a.kind == kind) and a.text_shown
        ]

    def clear(self) -> None:
        self.adapter.performed.clear()
