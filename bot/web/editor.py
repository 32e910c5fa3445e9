"""The playbook editor's work, apart from HTTP: check, diff, save (only when valid, only over
the version the editor opened) and dry runs against an edited version.

Checking is `parse_playbook` — the very function behind `qunbot playbook check` — so the
browser shows the same problems, at the same lines, as the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.events import Actor, MessagePosted
from bot.playbook import PlaybookInvalid, PlaybookManager, PlaybookProblem, parse_playbook
from bot.rule import RuleContext
from bot.store import CommunityRef
from bot.web.context import WebContext, digest

log = logging.getLogger(__name__)


class Refused(Exception):
    """A save or upload that was not done: a text key (bot/web/texts.py) saying why and what
    to do, with its values."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Checked:
    problems: list[PlaybookProblem]
    playbook: Any | None  # the validated model when there is no problem

    @property
    def ok(self) -> bool:
        return not self.problems


def check(manager: PlaybookManager, text: str) -> Checked:
    try:
        playbook = parse_playbook(text, manager.model, str(manager.path), manager.path.parent)
    except PlaybookInvalid as exc:
        return Checked(sorted(exc.problems, key=lambda p: (p.line, p.column)), None)
    return Checked([], playbook)


async def check_off_loop(manager: PlaybookManager, text: str) -> Checked:
    """`check` on a worker thread: the bot keeps serving while a posted playbook is checked."""
    return await asyncio.to_thread(check, manager, text)


def diff(old: str, new: str, name: str) -> list[str]:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"{name} (running)", f"{name} (edited)", lineterm=""
    )
    return list(lines)


def text_of_upload(data: bytes, limit: int) -> str:
    """An uploaded or posted playbook as text, or Refused: too big, binary or not UTF-8."""
    if len(data) > limit:
        raise Refused("err.too_big", size=f"{len(data):,}", limit=f"{limit:,}")
    if b"\x00" in data:
        raise Refused("err.binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused("err.not_utf8", at=exc.start) from None


def normalize(text: str) -> str:
    return text.replace("\r\n", "\n")


def _write_atomically(path: Path, text: str) -> None:
    """Readers (and the file watcher) see the old file or the new one, never half of one.
    A playbook that is a symbolic link is written at its target: the link stays a link."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.asynccontextmanager
async def file_lock(path: Path, wait_seconds: float = 10.0) -> AsyncIterator[None]:
    """An exclusive lock on the playbook file itself, which every dashboard shares: the one in
    `qunbot run` and a `qunbot web` next to it each have their own in-process lock, so without
    this both could pass the "unchanged since opened" check and the later write would silently
    replace the earlier one. Held from that check until the reload. The file is read through
    its path once locked, so a save that replaced it meanwhile (a new inode) is seen.
    Where flock is missing (not POSIX) or the file cannot be opened, the check alone remains."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None  # type: ignore[assignment]
    handle = None
    if fcntl is not None:
        with contextlib.suppress(OSError):
            handle = open(path, "rb")  # noqa: SIM115 - closed below
    if handle is None:
        yield
        return
    try:
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if asyncio.get_running_loop().time() > deadline:  # another save is stuck
                    raise Refused("err.changed") from None
                await asyncio.sleep(0.02)  # the other save finishes; the loop keeps serving
        yield
    finally:
        handle.close()  # releases the lock


def served_by(ctx: WebContext, manager: PlaybookManager, refs: list[CommunityRef]) -> list:
    router = ctx.runtime.playbooks
    return [r for r in refs if router.for_community(r.platform, r.external_id) is manager]


async def save(
    ctx: WebContext, manager: PlaybookManager, text: str, base: str, who: str, role: str
) -> str:
    """Write `text` to the playbook and hot-reload it; Refused when the file changed since the
    editor opened it (`base` is the hash of what it opened) or when the text is invalid.
    Returns what was done, for the audit log and the page."""
    async with ctx.lock(manager), file_lock(manager.path):
        try:
            on_disk = manager.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            on_disk = ""
        if digest(normalize(on_disk)) != base:
            raise Refused("err.changed")
        if not text.strip():  # valid for the checker (all defaults), but never by accident
            raise Refused("err.empty_save")
        checked = await check_off_loop(manager, text)
        if not checked.ok:
            raise Refused("err.invalid_save", count=len(checked.problems))
        before = ctx.running_source(manager)
        changes = diff(before, text, manager.path.name)
        _write_atomically(manager.path, text)
        result = await manager.reload_async()
        if not result.ok:  # the file changed under us between the check and the reload
            raise Refused("err.not_reloaded", detail=result.message)
        ctx.remember_source(manager, text)
    added = sum(1 for line in changes if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in changes if line.startswith("-") and not line.startswith("---"))
    summary = f"{manager.path.name}: version {manager.version}, +{added} −{removed} lines"
    now = ctx.now()
    for ref in served_by(ctx, manager, await ctx.store.communities()):
        await ctx.store.audit(ref, [audit_entry(now, "playbook_save", who, role, summary)])
    log.info("dashboard: %s (%s) saved %s", who, role, summary)
    return summary


def audit_entry(now: datetime, action: str, who: str, role: str, detail: str) -> dict[str, Any]:
    return {
        "at": now,
        "rule": "dashboard",
        "action": action,
        "status": "executed",
        "target_user": None,
        "channel": None,
        "reason": f"by {who} ({role}) from the web dashboard",
        "text": None,
        "detail": detail[:2000],
    }


async def explain(
    ctx: WebContext, manager: PlaybookManager, playbook: Any, text: str, user: str
) -> list[tuple[bool, str, str]]:
    """Which rules of the edited `playbook` would act on a message, and why — against the real
    state of the first community the playbook serves. Nothing is written or executed."""
    refs = served_by(ctx, manager, await ctx.store.communities())
    ref = refs[0] if refs else CommunityRef(0, "dashboard", "explain")
    now = ctx.now()
    probe = MessagePosted(
        platform=ref.platform,
        community_id=ref.external_id,
        occurred_at=now,
        channel_id=playbook.community.default_channel or "general",
        message_id="dashboard-explain",
        author=Actor(user or "someone", user or "someone"),
        text=text,
    )
    view = ctx.runtime.view(playbook)
    from bot.state import CommunityState

    state = await ctx.runtime.states.get(ref) if ref.id else CommunityState(ref, ctx.store, {})
    rule_ctx = RuleContext(ctx.store, ref, view, playbook, state, now)
    outcomes = await ctx.runtime.engine.evaluate(probe, rule_ctx, explain=True)
    return [(o.fired, o.rule, o.reason) for o in outcomes]
