"""Answering Discord interactions (slash commands, context menus, button presses) with `Reply`
actions that arrive later, from the engine.

Discord wants a first response to an interaction within 3 seconds and accepts follow-ups for 15
minutes. The engine answers a `CommandInvoked` with a `Reply` action whenever its rules are done,
so the adapter keeps the interaction open in between:

1. The callback registers the interaction as *pending* and hands the event to the sink.
   A command is keyed by the interaction id, which is also `CommandInvoked.message_id`, so the
   engine's `Reply(reply_to=event.message_id)` finds it. A button press is keyed by
   "<message id>:<user id>" (`ButtonPressed` has no interaction id), so
   `Reply(reply_to=event.message_id, user_id=event.user_id)` finds it.
2. If a `Reply` comes within `ack_after` seconds (the usual case: the engine runs the rules and
   executes the actions inside the sink call), it is the interaction's first response, sent with
   `ephemeral` exactly as the action asks.
3. If the sink is still busy after `ack_after`, the adapter defers: a command shows
   "thinking…" (ephemeral for moderator and admin commands, public for member commands), a
   button press is acknowledged silently. A later `Reply` then edits the "thinking…" message,
   or — when its `ephemeral` differs from the deferral — deletes it and sends a follow-up with
   the right visibility, so a private answer is never shown publicly.
4. Once the sink has returned without a `Reply`, no answer is coming (the sink returns after
   the event's actions ran): a command is closed with the short `DiscordTexts.command_done`
   (ephemeral), a button press is acknowledged silently, so Discord never shows "The
   application did not respond". A `Reply` that still arrives later becomes a follow-up.

Pending interactions are forgotten after 14 minutes (Discord's token lives 15).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

import discord

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 14 * 60.0


@dataclass(eq=False, slots=True)
class Pending:
    key: str
    interaction: discord.Interaction
    is_command: bool
    # visibility of the deferred "thinking…" placeholder; None until deferred
    deferred_ephemeral: bool | None = None
    placeholder_used: bool = False
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    created: float = field(default_factory=time.monotonic)

    @property
    def channel_id(self) -> str:
        return str(self.interaction.channel_id)

    @property
    def user_id(self) -> str:
        return str(self.interaction.user.id)


def button_key(message_id: str, user_id: str) -> str:
    return f"{message_id}:{user_id}"


class PendingInteractions:
    def __init__(self, *, ack_after: float, done_text: str) -> None:
        self._ack_after = ack_after
        self._done_text = done_text
        self._by_key: dict[str, Pending] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def _prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, p in self._by_key.items() if now - p.created > TOKEN_LIFETIME]:
            del self._by_key[key]

    def find(self, *, channel_id: str, reply_to: str | None, user_id: str | None) -> Pending | None:
        """The interaction a `Reply` answers: by command id, by (message, user) for a button,
        or — for a reply without `reply_to` — the asker's latest unanswered command in that
        channel."""
        if reply_to is not None:
            found = self._by_key.get(reply_to)
            if found is None and user_id is not None:
                found = self._by_key.get(button_key(reply_to, user_id))
            return found
        if user_id is None:
            return None
        for pending in reversed(self._by_key.values()):
            if (
                pending.is_command
                and not pending.answered.is_set()
                and pending.user_id == user_id
                and pending.channel_id == channel_id
            ):
                return pending
        return None

    async def run(
        self,
        key: str,
        interaction: discord.Interaction,
        handle: Awaitable[object],
        *,
        is_command: bool,
        defer_ephemeral: bool,
    ) -> None:
        """Register the interaction, run `handle` (the sink), and make sure Discord gets an
        answer in time whatever the engine does."""
        self._prune()
        pending = Pending(key=key, interaction=interaction, is_command=is_command)
        self._by_key[key] = pending
        task = asyncio.ensure_future(handle)
        answered = asyncio.ensure_future(pending.answered.wait())
        try:
            await asyncio.wait(
                {answered, task}, timeout=self._ack_after, return_when=asyncio.FIRST_COMPLETED
            )
            if not task.done() and not interaction.response.is_done():
                # the engine is still working: hold the interaction open for its answer
                await self._defer(pending, defer_ephemeral)
            try:
                await task
            except Exception:
                log.exception("event handler failed for interaction %s", key)
            if not pending.answered.is_set():
                await self._close_unanswered(pending)
        finally:
            answered.cancel()

    async def _defer(self, pending: Pending, ephemeral: bool) -> None:
        try:
            if pending.is_command:
                await pending.interaction.response.defer(ephemeral=ephemeral, thinking=True)
                pending.deferred_ephemeral = ephemeral
            else:
                await pending.interaction.response.defer()
        except discord.HTTPException:
            log.warning("could not defer interaction %s", pending.key, exc_info=True)

    async def _close_unanswered(self, pending: Pending) -> None:
        response = pending.interaction.response
        with contextlib.suppress(discord.HTTPException):
            if not pending.is_command:
                if not response.is_done():
                    await response.defer()  # silent acknowledgement of the press
            elif not response.is_done():
                await response.send_message(self._done_text, ephemeral=True)
            elif pending.deferred_ephemeral is not None and not pending.placeholder_used:
                await pending.interaction.edit_original_response(content=self._done_text)
                pending.placeholder_used = True

    async def answer(
        self,
        pending: Pending,
        text: str,
        *,
        ephemeral: bool,
        view: discord.ui.View | None = None,
    ) -> str:
        """Send `text` as the interaction's answer; return the id of the message shown."""
        interaction = pending.interaction
        extra = {"view": view} if view is not None else {}
        if not interaction.response.is_done():
            response = await interaction.response.send_message(text, ephemeral=ephemeral, **extra)
            pending.answered.set()
            message_id = getattr(response, "message_id", None)
            return str(message_id or interaction.id)
        if pending.deferred_ephemeral is not None and not pending.placeholder_used:
            pending.placeholder_used = True
            if pending.deferred_ephemeral == ephemeral:
                message = await interaction.edit_original_response(content=text, **extra)
                pending.answered.set()
                return str(message.id)
            # the placeholder has the wrong visibility: remove it, answer with a new follow-up
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        message = await interaction.followup.send(text, ephemeral=ephemeral, wait=True, **extra)
        pending.answered.set()
        return str(message.id)
