"""The console adapter: an interactive terminal chat with the bot — no tokens, no server.

You speak as a member (`/as alice`), join and leave members, run moderator commands and move a
simulated clock (`/time +1d`) to watch scheduled steps happen. Each bot action is printed with
the rule that decided it and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import shlex
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from adapters.recording import SimulatedInvites, simulated_link
from bot.actions import (
    ALL_ACTION_KINDS,
    Action,
    Ban,
    Button,
    CreateInvite,
    Kick,
    RemoveTimeout,
    SendFile,
    Timeout,
    Unban,
    shown_text,
)
from bot.adapter import ActionResult
from bot.commands import CommandSpec, OptionSpec
from bot.configmodel import parse_duration
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
)
from bot.executor import ActionOutcome
from bot.sanitize import clean_event
from bot.store import CommunityRef

PLATFORM = "console"
MAX_JUMP = timedelta(days=366)  # one `/time` step: a year of scheduled work at most

HELP = """\
Type a message to say it as the current member. Commands:
  /as NAME [mod|admin]   speak as NAME (a moderator or admin with the flag)
  /join NAME [via INV]   NAME joins (through INV's invite link)   /leave NAME   NAME leaves
  /channel NAME          switch channel                /time +1d     move the clock (30m, 2h, 1w)
  /time                  show the simulated time       /press [ID]   press a button (the last)
  /react MSG [EMOJI]     react to message MSG          /edit MSG TEXT   edit a message
  /delete MSG            delete a message              /on MSG /cmd  a command on message MSG
  /log                   recent audit log              /help  /quit
"""


@dataclass
class ConsoleAdapter:
    """Performs every action by handing it to the session, which prints it. It keeps what a
    platform would enforce: who is timed out (and until when), who was removed or banned."""

    platform: str = PLATFORM
    capabilities: frozenset[str] = ALL_ACTION_KINDS
    # where files for a member (/mydata) are written: the console prints the path
    exports_dir: Path = field(default_factory=lambda: Path("data") / "exports")
    _ids: Any = field(default_factory=lambda: count(1))
    invites: SimulatedInvites = field(default_factory=SimulatedInvites)
    # (community, member) → end of their timeout
    muted: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # (community, member) → "kicked" | "banned"; `left` lists removals not yet announced
    removed: dict[tuple[str, str], str] = field(default_factory=dict)
    left: list[tuple[str, str]] = field(default_factory=list)

    def why_unsupported(self, kind: str) -> str:
        return f"the console cannot {kind}"

    def serves(self, community_id: str) -> bool:
        return True

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        if isinstance(action, CreateInvite):
            return self.invites.create(self.platform, action)
        if isinstance(action, SendFile):
            self.exports_dir.mkdir(parents=True, exist_ok=True)
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in action.filename)
            path = (self.exports_dir / safe).resolve()
            path.write_bytes(action.data)
            return ActionResult(detail=f"saved to {path}", ref=str(path))
        key = (community_id, action.target_user or "")
        if isinstance(action, Timeout):
            self.muted[key] = action.until
        elif isinstance(action, RemoveTimeout):
            self.muted.pop(key, None)
        elif isinstance(action, Kick | Ban):
            self.removed[key] = "banned" if isinstance(action, Ban) else "kicked"
            self.left.append(key)
        elif isinstance(action, Unban) and self.removed.get(key) == "banned":
            del self.removed[key]
        return ActionResult(ref=f"b{next(self._ids)}")

    def why_silent(self, community_id: str, user_id: str, now: datetime) -> str:
        """Why this member cannot post now ("" when they can)."""
        removed = self.removed.get((community_id, user_id))
        if removed:
            return f"{user_id} was {removed} and is not in the community"
        until = self.muted.get((community_id, user_id))
        if until is not None and until > now:
            return f"{user_id} is timed out until {until:%Y-%m-%d %H:%M} UTC"
        return ""

    async def lookup_member(self, community_id: str, user_id: str) -> Actor | None:
        """Everyone the console has spoken as or joined is already known to the bot; anyone
        else is not in this community."""
        return None

    async def start(self, sink: Any, commands: list[CommandSpec]) -> None:
        return None

    async def stop(self) -> None:
        return None


def describe(outcome: ActionOutcome) -> str:
    """One line a person can read: what the bot did, to whom, where — and why."""
    a = outcome.action
    where = f" in #{a.channel}" if a.channel else ""
    who = f" → {a.target_user}" if a.target_user else ""
    text = shown_text(a, outcome.ref)
    extra = ""
    until = getattr(a, "until", None)
    if isinstance(until, datetime):
        extra = f" until {until:%Y-%m-%d %H:%M} UTC"
    buttons: tuple[Button, ...] = getattr(a, "buttons", ())
    if buttons:
        extra += "  [" + " | ".join(f"{b.label} ({b.custom_id})" for b in buttons) + "]"
    status = "" if outcome.status == "executed" else f" ({outcome.status}: {outcome.detail})"
    body = f": {text}" if text else ""
    if isinstance(a, SendFile) and outcome.status == "executed":
        body += f"\n     📎 {outcome.detail}"  # where the file is
    return f"🤖 {a.kind}{who}{where}{extra}{body}{status}\n     ↳ {outcome.rule}: {outcome.reason}"


class ConsoleSession:
    """The chat loop's logic, separate from the terminal so tests can drive it line by line."""

    def __init__(
        self,
        sim: Any,
        clock: Any,
        community: str = "demo",
        write: Callable[[str], None] | None = None,
        on_time: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.sim = sim
        self.on_time = on_time  # saves the simulated time with the session's data
        self.runtime = sim.runtime
        self.clock = clock
        self.community = community
        self.write = write or print
        self.speaker = Actor(user_id="you", name="you")
        self.channel = "general"
        self._ids = count(1)
        # every event typed here has its own key (the session and a number): each is once
        self._session = uuid.uuid4().hex[:12]
        self._keys = count(1)
        # messages typed in this session: id → (author, text), so /on and /react know them
        self.messages: dict[str, tuple[str, str]] = {}
        self.last_button: str | None = None
        self.lock = asyncio.Lock()
        self.runtime.observers.append(self._show)

    def _show(self, ref: CommunityRef, outcome: ActionOutcome) -> None:
        buttons = getattr(outcome.action, "buttons", ())
        if buttons:
            self.last_button = buttons[0].custom_id
        self.write(describe(outcome))

    def _base(self) -> dict[str, Any]:
        return {
            "platform": PLATFORM,
            "community_id": self.community,
            "occurred_at": self.clock.now(),
            "key": f"console:{self._session}:{next(self._keys)}",
        }

    def _adapter(self) -> ConsoleAdapter:
        adapter = self.runtime.executor.adapters.get(PLATFORM)
        return adapter if isinstance(adapter, ConsoleAdapter) else ConsoleAdapter()

    async def _emit(self, event: Event) -> None:
        await self.sim.feed(clean_event(event))  # bounded, encodable ids and texts
        adapter = self._adapter()
        while adapter.left:  # a kick or ban removes the member, as the platform would say
            community, user_id = adapter.left.pop(0)
            self.write(f"   ← {user_id} was removed")
            await self.sim.feed(
                MemberLeft(
                    **{**self._base(), "community_id": community}, member=self._actor(user_id)
                )
            )

    async def catch_up(self) -> None:
        """Run whatever has come due as real time passes."""
        async with self.lock:
            await self.sim.advance_to(self.clock.now())

    def _actor(self, name: str, flag: str = "") -> Actor:
        return Actor(
            user_id=name, name=name, is_moderator=flag in ("mod", "admin"), is_admin=flag == "admin"
        )

    async def handle_line(self, line: str) -> bool:
        """Process one typed line; False when the session should end."""
        async with self.lock:
            going_on = await self._handle(line.strip())
            if self.on_time is not None:
                await self.on_time()
            return going_on

    async def _handle(self, line: str) -> bool:
        if not line:
            return True
        if not line.startswith("/"):
            silent = self._adapter().why_silent(
                self.community, self.speaker.user_id, self.clock.now()
            )
            if silent:
                self.write(f"   {silent}: the message is not posted")
                return True
            mid = f"c{next(self._ids)}"
            self.messages[mid] = (self.speaker.user_id, line)
            self.write(f"   [{mid}] {self.speaker.display} in #{self.channel}: {line}")
            await self._emit(
                MessagePosted(
                    **self._base(),
                    channel_id=self.channel,
                    message_id=mid,
                    author=self.speaker,
                    text=line,
                )
            )
            return True
        try:
            parts = shlex.split(line[1:])
        except ValueError:
            parts = line[1:].split()
        if not parts:
            return True
        name, args = parts[0].lower(), parts[1:]
        if name in ("quit", "exit"):
            return False
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is not None:
            await handler(args)
        else:
            await self._bot_command(name, args, target=None)
        return True

    async def _cmd_help(self, args: list[str]) -> None:
        """The console's own controls, then the bot's `/help` as the current speaker sees it
        (the commands they may use, in the playbook's language); `/help CMD` explains one."""
        if not args:
            self.write(HELP)
        await self._bot_command("help", args, target=None)

    async def _cmd_as(self, args: list[str]) -> None:
        if not args:
            self.write("usage: /as NAME [mod|admin]")
            return
        self.speaker = self._actor(args[0], args[1] if len(args) > 1 else "")
        speaker = self.speaker
        role = " (admin)" if speaker.is_admin else " (moderator)" if speaker.is_moderator else ""
        self.write(f"   you are now {self.speaker.display}{role}")

    async def _cmd_join(self, args: list[str]) -> None:
        adapter = self._adapter()
        invite = None
        if len(args) >= 3 and args[-2].lower() == "via":
            # the link /invite gave INVITER here; if they never asked for one, nobody's link
            invite, args = simulated_link(PLATFORM, args[-1].lstrip("@")), args[:-2]
        for name in args or [self.speaker.user_id]:
            if adapter.removed.get((self.community, name)) == "banned":
                self.write(f"   {name} is banned and cannot join; /unban {name} first")
                continue
            adapter.removed.pop((self.community, name), None)
            via = f" via {invite}" if invite else ""
            self.write(f"   → {name} joined{via}")
            await self._emit(MemberJoined(**self._base(), member=self._actor(name), invite=invite))

    async def _cmd_leave(self, args: list[str]) -> None:
        for name in args or [self.speaker.user_id]:
            self.write(f"   ← {name} left")
            await self._emit(MemberLeft(**self._base(), member=self._actor(name)))

    async def _cmd_channel(self, args: list[str]) -> None:
        self.channel = (args[0] if args else "general").lstrip("#")
        self.write(f"   now in #{self.channel}")

    async def _cmd_time(self, args: list[str]) -> None:
        if args:
            try:
                delta = parse_duration(args[0].lstrip("+"))
                if delta > MAX_JUMP:  # every scheduled job of the skipped time is run
                    raise ValueError(f"the clock moves at most {MAX_JUMP.days}d at a time")
            except ValueError as exc:
                self.write(f"   {exc}; e.g. /time +1d or /time +2h")
                return
            self.clock.advance(delta)
            await self.sim.advance_to(self.clock.now())
        local = self.clock.now().astimezone(self.runtime.playbooks.default.current.community.tz)
        self.write(f"   🕒 {local:%Y-%m-%d %H:%M %Z} ({local:%A})")

    async def _cmd_press(self, args: list[str]) -> None:
        custom_id = args[0] if args else self.last_button
        if not custom_id:
            self.write("   no button to press")
            return
        await self._emit(
            ButtonPressed(
                **self._base(),
                channel_id=self.channel,
                message_id="button",
                actor=self.speaker,
                custom_id=custom_id,
            )
        )

    async def _cmd_react(self, args: list[str]) -> None:
        if not args:
            self.write("usage: /react MSG [EMOJI]")
            return
        if not self._known(args[0]):
            return
        await self._emit(
            ReactionAdded(
                **self._base(),
                channel_id=self.channel,
                message_id=args[0],
                user=self.speaker,
                emoji=args[1] if len(args) > 1 else "👍",
                message_author_id=self.messages.get(args[0], (None, ""))[0],
            )
        )

    async def _cmd_edit(self, args: list[str]) -> None:
        if len(args) < 2:
            self.write("usage: /edit MSG TEXT")
            return
        if not self._known(args[0]):
            return
        await self._emit(
            MessageEdited(
                **self._base(),
                channel_id=self.channel,
                message_id=args[0],
                author=self.speaker,
                text=" ".join(args[1:]),
            )
        )

    async def _cmd_delete(self, args: list[str]) -> None:
        if not args:
            self.write("usage: /delete MSG")
            return
        if not self._known(args[0]):
            return
        await self._emit(
            MessageDeleted(**self._base(), channel_id=self.channel, message_id=args[0])
        )

    def _known(self, message_id: str) -> bool:
        if message_id in self.messages:
            return True
        self.write(f"   there is no message {message_id} in this session; /log lists what happened")
        return False

    async def _cmd_on(self, args: list[str]) -> None:
        if len(args) < 2 or not args[1].startswith("/"):
            self.write("usage: /on MSG /command [args]")
            return
        await self._bot_command(args[1].lstrip("/").lower(), args[2:], target=args[0])

    async def _cmd_log(self, args: list[str]) -> None:
        ref = await self.runtime.store.community(PLATFORM, self.community)
        for entry in await self.runtime.store.audit_log(ref, limit=20):
            self.write(
                f"   {entry['at']:%m-%d %H:%M} {entry['rule']} {entry['action']} "
                f"{entry['status']} {entry['target_user'] or ''} — {entry['reason']}"
            )

    def _did_you_mean(self, name: str) -> str:
        """A close spelling among the bot's and the console's own commands (`/warnn` → `/warn`)."""
        known = [
            *self.runtime.engine.commands,
            *(n[5:] for n in dir(self) if n.startswith("_cmd_")),
        ]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        return f" — did you mean /{close[0]}?" if close else ""

    async def _bot_command(self, name: str, args: list[str], target: str | None) -> None:
        spec = self.runtime.engine.commands.get(name)
        if spec is None:
            self.write(f"   unknown command /{name}{self._did_you_mean(name)}; /help lists them")
            return
        author = self.messages[target][0] if target in self.messages else None
        if target is not None and author is None:
            self._known(target)
            return
        values, problem = console_args(spec, args)
        if problem:
            self.write(f"   {problem}; usage: {spec.usage()}")
            return
        await self._emit(
            CommandInvoked(
                **self._base(),
                command=name,
                actor=self.speaker,
                channel_id=self.channel,
                args=values,
                message_id=f"c{next(self._ids)}",
                target_message_id=target,
                target_user_id=author,
                target_message_text=self.messages[target][1] if target is not None else None,
            )
        )


def _fits(option: OptionSpec, word: str) -> bool:
    if option.type == "integer":
        return word.lstrip("-").isdigit()
    if option.type == "duration":
        try:
            parse_duration(word)
        except ValueError:
            return False
        return True
    if option.type == "choice":
        return not option.choices or word in option.choices
    return option.type == "user"


def console_args(spec: CommandSpec, words: list[str]) -> tuple[dict[str, Any], str]:
    """Fill the options in order as the platforms do: a `text` option takes every word but the
    trailing ones that fit the options after it (so `/warn alice be nice` has the reason "be
    nice", `/ban bob scam links 1d` deletes a day); an optional word that does not fit is left
    to a text option that follows (`/timeout bob flooding` is a reason). Returns (values,
    problem)."""
    values: dict[str, Any] = {}
    queue = list(words)
    for index, option in enumerate(spec.options):
        later = spec.options[index + 1 :]
        if not queue:
            break
        if option.type == "text":
            tail = 0
            for n in range(min(len(later), len(queue) - 1), 0, -1):
                if all(_fits(o, w) for o, w in zip(later, queue[-n:], strict=False)):
                    tail = n
                    break
            values[option.name] = " ".join(queue[: len(queue) - tail])
            del queue[: len(queue) - tail]
            continue
        word = queue[0]
        if not _fits(option, word):
            if not option.required and any(o.type == "text" for o in later):
                continue  # the word belongs to the text that follows
            return values, f"{option.name} cannot be {word!r}"
        queue.pop(0)
        if option.type == "user":
            values[option.name] = word.lstrip("@")
        elif option.type == "integer":
            values[option.name] = int(word)
        else:
            values[option.name] = word
    return values, ""


async def run_console(
    sim: Any,
    clock: Any,
    community: str = "demo",
    on_time: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """The interactive loop: stdin lines in, bot actions out, real time moving the clock."""
    session = ConsoleSession(sim, clock, community, on_time=on_time)
    session.write("qunbot console — you are 'you'. /help lists commands, /quit leaves.")
    await session._cmd_time([])

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(1)
            await session.catch_up()

    beat = asyncio.create_task(heartbeat())
    try:
        while True:
            prompt = f"{session.speaker.display}@#{session.channel}> "
            line = await _read(prompt)
            if line is None or not await session.handle_line(line):
                break
    finally:
        beat.cancel()


async def _read(prompt: str) -> str | None:
    """One line from stdin, read on a daemon thread: Ctrl-C ends the session at once instead
    of waiting for Enter (a thread of the default executor would be waited for)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str | None] = loop.create_future()

    def read() -> None:
        try:
            line = input(prompt) if sys.stdin.isatty() else sys.stdin.readline() or None
        except (EOFError, KeyboardInterrupt, ValueError):
            line = None
        with contextlib.suppress(RuntimeError):  # the loop closed while we were reading
            loop.call_soon_threadsafe(lambda: answer.done() or answer.set_result(line))

    threading.Thread(target=read, daemon=True, name="console-input").start()
    return await answer
