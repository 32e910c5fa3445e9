"""An adapter that performs every action by recording it: replays, tests and dry runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.actions import ALL_ACTION_KINDS, Action
from bot.adapter import ActionResult
from bot.events import Actor


@dataclass
class RecordingAdapter:
    platform: str = "replay"
    capabilities: frozenset[str] = ALL_ACTION_KINDS
    performed: list[tuple[str, Action]] = field(default_factory=list)
    _next_id: int = 0

    def why_unsupported(self, kind: str) -> str:
        return f"the {self.platform} adapter does not support {kind}"

    def serves(self, community_id: str) -> bool:
        return True

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        self.performed.append((community_id, action))
        self._next_id += 1
        return ActionResult(ref=f"bot-{self._next_id}")

    async def lookup_member(self, community_id: str, user_id: str) -> Actor | None:
        """A replay file is the whole world: anyone it names is a plain member."""
        return Actor(user_id=user_id)

    async def start(self, sink: object, commands: object) -> None:
        return None

    async def stop(self) -> None:
        return None
