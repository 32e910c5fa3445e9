"""An adapter that performs every action by recording it: replays, tests and dry runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.actions import ALL_ACTION_KINDS, Action, CreateInvite
from bot.adapter import ActionResult
from bot.events import Actor


def simulated_link(platform: str, user_id: str, nth: int = 1) -> str:
    """The invite link a simulated platform gives a member (its code is the member's id, so a
    replay can write `"invite": "alice"`; a second link of theirs ends in `-2`)."""
    return f"https://invite.invalid/{platform}/{user_id}" + (f"-{nth}" if nth > 1 else "")


@dataclass
class SimulatedInvites:
    """Links made per member, so `/invite new` gives a new one."""

    made: dict[str, int] = field(default_factory=dict)

    def create(self, platform: str, action: CreateInvite) -> ActionResult:
        nth = self.made[action.user_id] = self.made.get(action.user_id, 0) + 1
        link = simulated_link(platform, action.user_id, nth)
        return ActionResult(detail=f"invite link {link}", ref=link)


@dataclass
class RecordingAdapter:
    platform: str = "replay"
    capabilities: frozenset[str] = ALL_ACTION_KINDS
    performed: list[tuple[str, Action]] = field(default_factory=list)
    invites: SimulatedInvites = field(default_factory=SimulatedInvites)
    _next_id: int = 0

    def why_unsupported(self, kind: str) -> str:
        return f"the {self.platform} adapter does not support {kind}"

    def serves(self, community_id: str) -> bool:
        return True

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        self.performed.append((community_id, action))
        if isinstance(action, CreateInvite):
            return self.invites.create(self.platform, action)
        self._next_id += 1
        return ActionResult(ref=f"bot-{self._next_id}")

    async def lookup_member(self, community_id: str, user_id: str) -> Actor | None:
        """A replay file is the whole world: anyone it names is a plain member."""
        return Actor(user_id=user_id)

    async def start(self, sink: object, commands: object) -> None:
        return None

    async def stop(self) -> None:
        return None
