"""The referrals (裂变) section of a playbook: personal links, rewards, caps, campaigns."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    NonNegativeInt,
    PlainSerializer,
    PositiveInt,
    conint,
    model_validator,
)

from bot.configmodel import ConfigModel, Duration, SectionConfig, TemplateText
from rules.points.config import Amount


def _parse_moment(value: Any) -> date | datetime:
    """`2026-12-01` (a local day) or `2026-12-01 20:00` (a local time)."""
    if isinstance(value, date):  # YAML reads an unquoted 2026-12-01 as a date
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(
        f"expected a local day such as 2026-12-01 or '2026-12-01 20:00', got {value!r}"
    )


def _show_moment(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return value.isoformat()


Moment = Annotated[
    date | datetime,
    BeforeValidator(_parse_moment),
    PlainSerializer(_show_moment, return_type=str),
]


def _aware(when: date | datetime, tz: tzinfo, *, end: bool) -> datetime:
    if not isinstance(when, datetime):
        # a day alone: from its start, or — as an end — until its end
        when = datetime.combine(when + timedelta(days=1 if end else 0), time(0))
    return when.replace(tzinfo=tz) if when.tzinfo is None else when


class Links(ConfigModel):
    # Telegram: newcomers through a member's link send a join request that an admin (or the
    # welcome SOP's verification) approves; Discord has no such thing and ignores it
    join_request: bool = False
    # tell the inviter (by DM when possible) that someone joined through their link
    notify_join: bool = False


class Rewards(ConfigModel):
    """Paid to the inviter once an invitee has stayed `after` and written `min_messages`."""

    after: Duration = timedelta(days=7)
    min_messages: NonNegativeInt = 3
    points: Amount = 100  # through the points ledger, once per invitee ever
    # rewarded invitees → a role for the inviter ("roles by invites")
    roles: dict[conint(ge=1, le=100_000), str] = Field(default_factory=dict)
    daily_cap: NonNegativeInt | None = 5  # rewards per inviter per local day; null: none
    total_cap: NonNegativeInt | None = 100  # rewards per inviter ever; null: none
    # take a paid reward back when the invitee leaves or is punished within `revoke_within`
    # of joining
    revoke: bool = False
    revoke_within: Duration = timedelta(days=30)
    notify: Literal["direct", "channel", "none"] = "direct"
    channel: str | None = None  # for notify: channel (default: the default channel)
    text: TemplateText | None = None  # {member} {invitee} {points} {count}


class Flood(ConfigModel):
    """Many joins through one link in a short time: the moderators are alerted and those
    joins earn nothing (raid mode, if anti-spam has it on, applies to them as to any join)."""

    joins: PositiveInt = 10
    window: Duration = timedelta(minutes=10)


class Campaign(ConfigModel):
    name: str = Field(min_length=1, max_length=64)  # what members type after /invites campaign
    title: str | None = None  # shown to members (default: the name)
    start: Moment
    end: Moment  # a day alone means "until the end of that day"
    goal: PositiveInt | None = None  # rewarded invitees for the badge
    role: str | None = None  # the badge, granted once on reaching the goal
    points: Amount = 0  # bonus points on reaching the goal
    winners: conint(ge=1, le=50) = 3
    channel: str | None = None  # the closing post (default: the default channel)
    text: TemplateText | None = None  # closing post: {campaign} {winners} {invitees}

    @property
    def shown(self) -> str:
        return self.title or self.name

    def window(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the community's timezone."""

        return _aware(self.start, tz, end=False), _aware(self.end, tz, end=True)

    @model_validator(mode="after")
    def _ordered(self) -> Campaign:
        start, end = self.window(UTC)
        if end <= start:
            raise ValueError(f"campaign {self.name!r} ends before it starts")
        if (self.role or self.points) and self.goal is None:
            raise ValueError(f"campaign {self.name!r}: a badge role or points need a `goal`")
        return self


class ReferralsConfig(SectionConfig):
    links: Links = Field(default_factory=Links)
    rewards: Rewards = Field(default_factory=Rewards)
    flood: Flood = Field(default_factory=Flood)
    campaigns: list[Campaign] = Field(default_factory=list)
    leaderboard_size: conint(ge=1, le=50) = 10

    @model_validator(mode="after")
    def _distinct(self) -> ReferralsConfig:
        names = [c.name.casefold() for c in self.campaigns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"campaign names must be unique; repeated: {', '.join(dupes)}")
        return self
