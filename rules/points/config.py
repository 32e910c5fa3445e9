"""The points section of a playbook: sources, levels, tiers, shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from functools import cached_property

from pydantic import Field, NonNegativeInt, PositiveInt, conint, model_validator

from bot.configmodel import ConfigModel, Duration, SectionConfig, TemplateText
from rules.points.common import ClockTime
from rules.points.levels import MAX_LEVEL, thresholds

# one source event never pays more than this; keeps a typo from minting a fortune
Amount = conint(ge=0, le=100_000)


class MessagePoints(ConfigModel):
    enabled: bool = True
    points: Amount = 10
    # a member earns for at most one message per cooldown
    cooldown: Duration = timedelta(seconds=60)
    # characters after trimming; Chinese characters count one each
    min_length: NonNegativeInt = 3
    # message points per member per local day; null: no cap
    daily_cap: NonNegativeInt | None = 300
    channels: list[str] = Field(default_factory=list)  # only these (empty: everywhere)
    ignore_channels: list[str] = Field(default_factory=list)
    # a message whose text repeats one of the member's last few paid messages earns nothing
    duplicate_memory: conint(ge=0, le=50) = 5

    @cached_property  # read for every message
    def paid(self) -> PaidMessages:
        return PaidMessages(
            self.enabled and self.points != 0,
            self.points,
            self.cooldown,
            self.min_length,
            self.daily_cap,
            frozenset(self.channels),
            frozenset(self.ignore_channels),
            self.duplicate_memory,
        )


@dataclass(frozen=True, slots=True)
class PaidMessages:
    """`MessagePoints` as every message reads it: plain fields. A playbook model's attribute
    costs several times a slot's (pydantic's `__getattr__` keeps CPython from specializing the
    read), and the points rule reads about ten of them per message."""

    on: bool  # enabled, and a message earns something
    points: int
    cooldown: timedelta
    min_length: int
    daily_cap: int | None
    channels: frozenset[str]  # empty: everywhere
    ignore_channels: frozenset[str]
    duplicate_memory: int


class ReactionPoints(ConfigModel):
    enabled: bool = True
    points: Amount = 2  # to the author of the message, per member who reacts
    daily_cap: NonNegativeInt | None = 40  # reaction points one author receives per day


class NewcomerReply(ConfigModel):
    """Points for the first member who replies to a newcomer's message (welcome's window)."""

    enabled: bool = True
    points: Amount = 20  # once per newcomer and helper
    daily_cap: NonNegativeInt | None = 100  # newcomer-reply points per helper per local day


class Curve(ConfigModel):
    """XP to go from level L to L+1 is a·L² + b·L + c."""

    a: NonNegativeInt = 5
    b: NonNegativeInt = 50
    c: PositiveInt = 100


class Levels(ConfigModel):
    curve: Curve = Field(default_factory=Curve)
    # instead of the curve: cumulative XP to reach level 1, 2, 3, ... (strictly increasing)
    table: list[NonNegativeInt] | None = None
    # level → role granted on reaching it
    roles: dict[conint(ge=1, le=MAX_LEVEL), str] = Field(default_factory=dict)
    announce: bool = True
    channel: str | None = None  # default: where the member earned it
    text: TemplateText | None = None  # {member} {level} {role}

    @model_validator(mode="after")
    def _increasing(self) -> Levels:
        if self.table is not None:
            if not self.table:
                raise ValueError("`table` needs at least one level (or leave it out)")
            if self.table[0] <= 0:
                raise ValueError("the first level must need more than 0 XP")
            for i, (low, high) in enumerate(zip(self.table, self.table[1:], strict=False)):
                if high <= low:
                    raise ValueError(
                        f"levels must need more XP as they go up: level {i + 2} needs {high} "
                        f"but level {i + 1} already needs {low}"
                    )
        return self

    @cached_property  # read for every paid message
    def needed(self) -> tuple[int, ...]:
        table = tuple(self.table) if self.table else None
        return thresholds(self.curve.a, self.curve.b, self.curve.c, table)


class Tier(ConfigModel):
    """A step of the pyramid. A member is in the highest tier whose conditions all hold."""

    id: str = Field(min_length=1, max_length=64)
    name: str  # shown to members, e.g. 活跃 or Active
    min_xp: NonNegativeInt = 0
    min_messages: NonNegativeInt = 0  # lifetime messages
    min_active_days: NonNegativeInt = 0  # days with a message within `active_window`
    role: str | None = None  # granted while in this tier
    announce: bool = True  # announce promotions into this tier


def _default_tiers() -> list[Tier]:
    return [
        Tier(id="lurker", name="Lurker", announce=False),
        Tier(id="newcomer", name="Newcomer", min_messages=1, announce=False),
        Tier(id="active", name="Active", min_xp=300, min_active_days=8),
        Tier(id="core", name="Core", min_xp=2000, min_active_days=15),
        Tier(id="koc", name="KOC", min_xp=8000, min_active_days=20),
    ]


class Tiers(ConfigModel):
    enabled: bool = True
    ladder: list[Tier] = Field(default_factory=_default_tiers)
    active_window: Duration = timedelta(days=30)
    at: ClockTime = time(4, 0)  # local time of the daily re-evaluation
    channel: str | None = None  # promotions are announced here (default channel)
    text: TemplateText | None = None  # {member} {tier}
    demote: bool = True  # False: members never move down

    @model_validator(mode="after")
    def _ladder(self) -> Tiers:
        if not self.ladder:
            raise ValueError("`ladder` needs at least one tier")
        ids = [t.id for t in self.ladder]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"tier ids must be unique; repeated: {', '.join(dupes)}")
        return self


class ShopItem(ConfigModel):
    name: str
    cost: conint(ge=1, le=10_000_000)
    stock: NonNegativeInt | None = None  # null: unlimited
    description: str = ""


class Shop(ConfigModel):
    enabled: bool = True
    # item id (what members type after /redeem) → item
    items: dict[str, ShopItem] = Field(default_factory=dict)
    channels: list[str] = Field(default_factory=list)  # /shop and /redeem only here


class Grants(ConfigModel):
    # /points give|take refuses amounts above this (typo guard)
    max_amount: conint(ge=1, le=1_000_000) = 1000


class PointsConfig(SectionConfig):
    messages: MessagePoints = Field(default_factory=MessagePoints)
    reactions: ReactionPoints = Field(default_factory=ReactionPoints)
    newcomer_reply: NewcomerReply = Field(default_factory=NewcomerReply)
    levels: Levels = Field(default_factory=Levels)
    tiers: Tiers = Field(default_factory=Tiers)
    shop: Shop = Field(default_factory=Shop)
    grants: Grants = Field(default_factory=Grants)
    leaderboard_size: conint(ge=1, le=50) = 10

    @cached_property  # read for every message
    def message_path(self) -> tuple[PaidMessages, tuple[int, ...]]:
        """What a message reads of the section: its points and the level thresholds."""
        return self.messages.paid, self.levels.needed
