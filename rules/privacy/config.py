"""The `privacy:` playbook section: how long stored data is kept, and when it is pruned."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from bot.configmodel import ConfigModel, Duration, SectionConfig, format_duration, parse_duration
from rules.points.common import ClockTime


def _period(value: Any) -> timedelta | None:
    """A duration ('90d'), or `forever` / null: never pruned."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("forever", "")):
        return None
    return parse_duration(value)


Period = Annotated[
    timedelta | None,
    BeforeValidator(_period),
    PlainSerializer(lambda v: "forever" if v is None else format_duration(v), return_type=str),
]


class Retention(ConfigModel):
    """How long each kind of record is kept (`forever` keeps it; `0d` drops it at the next
    daily run)."""

    # every action the bot took (who, what, why)
    audit_log: Period = timedelta(days=180)
    # the texts in those rows: alerts quoting flagged messages, replies
    audit_texts: Period = timedelta(days=30)
    # messages per member and day, per hour, joins and leaves (reports compare periods)
    activity: Period = timedelta(days=400)
    # moderation cases whose effect is over (an active ban or warning is never pruned)
    cases: Period = timedelta(days=730)
    # the text of the message a case was opened for
    case_evidence: Period = timedelta(days=90)
    # messages labelled with /spam or /notspam, which the classifier learns from
    spam_samples: Period = timedelta(days=365)


class PrivacyConfig(SectionConfig):
    retention: Retention = Field(default_factory=Retention)
    # local time of the daily pruning run
    prune_at: ClockTime = time(4, 30)
    # how long a /forget button stays valid
    confirm_within: Duration = timedelta(minutes=15)
