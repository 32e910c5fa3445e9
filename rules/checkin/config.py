"""The check-in (打卡) section of a playbook."""

from __future__ import annotations

from datetime import time
from functools import cached_property
from typing import Literal

from pydantic import Field, PositiveInt, conint, model_validator

from bot.configmodel import ConfigModel, SectionConfig, TemplateText
from rules.points.common import ClockTime
from rules.points.config import Amount


class Freezes(ConfigModel):
    """Streak freezes: a token earned every `every_days` days of streak (at most `max` kept) is
    spent automatically for each missed day, so the streak survives."""

    enabled: bool = True
    every_days: PositiveInt = 7
    max: conint(ge=0, le=30) = 2


class Milestone(ConfigModel):
    days: PositiveInt
    points: Amount = 0
    role: str | None = None
    announce: bool = True  # a public shout-out
    text: TemplateText | None = None  # {member} {days} {points}


class Reminder(ConfigModel):
    """A nudge at a local time to members whose streak ends unless they check in today."""

    enabled: bool = False
    at: ClockTime = time(20, 0)
    min_streak: PositiveInt = 2
    where: Literal["channel", "direct"] = "channel"
    channel: str | None = None  # default: the first check-in channel, else the default channel
    text: TemplateText | None = None  # {members} (channel) or {member} {streak} (direct)


def _default_milestones() -> list[Milestone]:
    return [
        Milestone(days=7, points=50),
        Milestone(days=30, points=200),
        Milestone(days=100, points=1000),
    ]


class CheckinConfig(SectionConfig):
    # a message that starts with one of these is a check-in ("打卡 day 3: read chapter 2")
    keywords: list[str] = Field(default_factory=lambda: ["打卡", "签到", "checkin", "check in"])
    match: Literal["start", "exact"] = "start"
    channels: list[str] = Field(default_factory=list)  # only here (empty: everywhere)
    points: Amount = 10
    freezes: Freezes = Field(default_factory=Freezes)
    milestones: list[Milestone] = Field(default_factory=_default_milestones)
    reminder: Reminder = Field(default_factory=Reminder)
    reply: TemplateText | None = None  # {member} {streak} {best} {rank} {points} {freezes} {note}
    already: TemplateText | None = None  # {member} {streak} {best}
    leaderboard_size: conint(ge=1, le=50) = 10

    @model_validator(mode="after")
    def _distinct_milestones(self) -> CheckinConfig:
        days = [m.days for m in self.milestones]
        if len(days) != len(set(days)):
            raise ValueError("two milestones have the same number of days")
        if any(not k.strip() for k in self.keywords):
            raise ValueError("check-in keywords cannot be empty")
        return self

    @cached_property  # read for every message
    def folded_keywords(self) -> tuple[str, ...]:
        return tuple(k.strip().casefold() for k in self.keywords)

    @cached_property
    def keyword_starts(self) -> frozenset[str]:
        """The first characters of the folded keywords: a text starting otherwise is none."""
        return frozenset(k[0] for k in self.folded_keywords)

    @cached_property
    def longest_keyword(self) -> int:
        return max(map(len, self.folded_keywords))
