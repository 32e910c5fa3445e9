"""The silent-member reactivation (沉默唤醒) section of a playbook."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Literal

from pydantic import Field, conint, model_validator

from bot.configmodel import ConfigModel, Duration, SectionConfig, TemplateText
from rules.points.common import ClockTime, in_window
from rules.points.config import Amount


class Step(ConfigModel):
    """One campaign step: members silent for `after` get this contact, once per silence."""

    after: Duration
    # auto: a direct message where the platform allows it, else the public digest
    via: Literal["auto", "direct", "digest"] = "auto"
    text: TemplateText | None = None  # the direct message: {member} {days} {community}


class QuietHours(ConfigModel):
    start: ClockTime = time(22, 0)
    end: ClockTime = time(8, 0)


class Digest(ConfigModel):
    """A public post that mentions a few silent members (where no DM is possible)."""

    channel: str | None = None  # default: the community's default channel
    max_mentions: conint(ge=1, le=50) = 5
    every: Duration = timedelta(days=3)  # at most one digest per period
    text: TemplateText | None = None  # {members}


class Comeback(ConfigModel):
    within: Duration = timedelta(days=7)  # a post this soon after a nudge earns the bonus
    points: Amount = 30
    greet: bool = True
    text: TemplateText | None = None  # {member} {points}


def _default_steps() -> list[Step]:
    return [
        Step(after=timedelta(days=7)),
        Step(after=timedelta(days=14)),
        Step(after=timedelta(days=30), via="digest"),
    ]


class ReactivationConfig(SectionConfig):
    # silence tiers, for /silent and the reports
    tiers: list[Duration] = Field(
        default_factory=lambda: [timedelta(days=7), timedelta(days=14), timedelta(days=30)]
    )
    steps: list[Step] = Field(default_factory=_default_steps)
    at: ClockTime = time(10, 0)  # local time of the daily sweep
    quiet_hours: QuietHours | None = Field(default_factory=QuietHours)
    # at most this many contacts per member within `cap_period`
    contact_cap: conint(ge=1, le=100) = 2
    cap_period: Duration = timedelta(days=30)
    # reactivated = posted within this long after a nudge
    measure_window: Duration = timedelta(days=7)
    exclude_newcomers: bool = True  # inside welcome's newcomer window
    digest: Digest = Field(default_factory=Digest)
    comeback: Comeback = Field(default_factory=Comeback)
    quiet_reply: TemplateText | None = None
    unquiet_reply: TemplateText | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ReactivationConfig:
        for name, values in (("tiers", self.tiers), ("steps", [s.after for s in self.steps])):
            if any(v <= timedelta(0) for v in values):
                raise ValueError(f"{name}: silence must last longer than zero")
            if any(b <= a for a, b in zip(values, values[1:], strict=False)):
                raise ValueError(f"{name} must be in increasing order of silence")
        if self.quiet_hours and in_window(self.at, self.quiet_hours.start, self.quiet_hours.end):
            raise ValueError(
                f"the sweep time {self.at.strftime('%H:%M')} is inside quiet hours "
                f"({self.quiet_hours.start.strftime('%H:%M')}–"
                f"{self.quiet_hours.end.strftime('%H:%M')}); move `at` or the quiet hours"
            )
        return self
