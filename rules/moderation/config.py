"""The moderation section: warnings that expire, the escalation ladder, cases, /report."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, PositiveInt, field_validator, model_validator

from bot.configmodel import ConfigModel, Duration, SectionConfig, format_duration


class LadderStep(ConfigModel):
    # applies when a member's active warning points reach this number
    warnings: PositiveInt
    action: Literal["timeout", "kick", "ban"]
    duration: Duration | None = None  # timeout: required; ban: optional (temporary ban)

    @model_validator(mode="after")
    def _duration_fits(self) -> LadderStep:
        if self.action == "timeout" and (self.duration is None or self.duration <= timedelta(0)):
            raise ValueError("a timeout step needs a `duration` longer than zero, e.g. 10m")
        if self.action == "kick" and self.duration is not None:
            raise ValueError("a kick has no duration; use timeout or ban for that")
        if (
            self.duration is not None
            and self.duration > timedelta(days=28)
            and (self.action == "timeout")
        ):
            raise ValueError("a timeout lasts at most 28 days (Discord's limit); use ban")
        return self


def _default_ladder() -> list[LadderStep]:
    return [
        LadderStep(warnings=2, action="timeout", duration=timedelta(minutes=10)),
        LadderStep(warnings=3, action="timeout", duration=timedelta(days=1)),
        LadderStep(warnings=5, action="ban"),
    ]


class WarningsConfig(ConfigModel):
    # a warning stops counting after this long (Red's never-expiring warnings are a complaint)
    expire_after: Duration = timedelta(days=30)
    default_weight: PositiveInt = 1
    ladder: list[LadderStep] = Field(default_factory=_default_ladder)

    @field_validator("expire_after")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("warnings must expire after more than zero time, e.g. 30d")
        return value

    @field_validator("ladder")
    @classmethod
    def _increasing(cls, ladder: list[LadderStep]) -> list[LadderStep]:
        for i in range(1, len(ladder)):
            before, step = ladder[i - 1], ladder[i]
            if step.warnings <= before.warnings:
                raise ValueError(
                    f"impossible ladder: step {i + 1} ({step.warnings} warnings → {step.action}) "
                    f"must need more warnings than step {i} ({before.warnings} warnings → "
                    f"{before.action}); list the steps from the fewest warnings up"
                )
            if (
                before.action in ("ban", "kick")
                and before.duration is None
                and (step.action == "timeout")
            ):
                raise ValueError(
                    f"impossible ladder: step {i + 1} times out a member whom step {i} already "
                    f"removed ({before.action})"
                )
        return ladder

    def step_crossed(self, before: int, after: int) -> LadderStep | None:
        """The highest step whose threshold lies in (before, after]: what this warning earns."""
        crossed = [s for s in self.ladder if before < s.warnings <= after]
        return crossed[-1] if crossed else None


class MemberReportsConfig(ConfigModel):
    enabled: bool = True
    # a member may send this many reports per `window`
    limit: PositiveInt = 3
    window: Duration = timedelta(minutes=10)


class ModerationConfig(SectionConfig):
    warnings: WarningsConfig = Field(default_factory=WarningsConfig)
    # post every case to the moderator log channel (community.mod_log_channel), if one is set
    log_cases: bool = True
    default_timeout: Duration = timedelta(minutes=10)
    max_purge: PositiveInt = 100
    report: MemberReportsConfig = Field(default_factory=MemberReportsConfig)

    @field_validator("default_timeout")
    @classmethod
    def _not_zero(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError(f"must be longer than zero, got {format_duration(value)}")
        return value
