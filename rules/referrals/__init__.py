"""Referrals (裂变): personal invite links, attribution of every join, rewards for inviters
whose invitees stay and take part (never for self-invites, returning members, bots, or invitees
who leave or are punished), per-inviter caps, campaigns with a leaderboard and a closing post."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from bot.commands import CommandSpec, OptionSpec
from bot.rule import Capability, JobSpec
from rules.referrals import rules as _rules
from rules.referrals.config import Campaign, ReferralsConfig
from rules.referrals.privacy import MEMBER_DATA
from rules.referrals.rules import CAMPAIGN_JOB
from rules.referrals.state import code_of, load_state, part
from rules.referrals.texts import TEXTS


def _campaign_trigger(cfg: ReferralsConfig, tz: tzinfo) -> Any:
    # hourly: a closing post is due at most an hour after its campaign can close
    return CronTrigger(minute=5, timezone=tz) if cfg.campaigns else None


COMMANDS = (
    CommandSpec(
        "invite",
        "Your personal invite link (friends who join and stay earn you rewards)",
        (OptionSpec("new", "choice", "a new link instead of yours", False, ("new",)),),
    ),
    CommandSpec(
        "invites",
        "Who brought the most friends who stayed; `campaign NAME` for a campaign",
        (OptionSpec("campaign", "text", "campaign NAME: that campaign's leaderboard", False),),
    ),
    CommandSpec(
        "referral",
        "How a member joined, who invited them and whom they invited (moderators)",
        (OptionSpec("user", "user", "the member (or use it on their message)", False),),
        permission="moderator",
        on_message=True,
    ),
)

CAPABILITY = Capability(
    name="referrals",
    config=ReferralsConfig,
    rules=(
        _rules.on_invite,
        _rules.on_join,
        _rules.on_leave,
        _rules.on_due,
        _rules.on_board,
        _rules.on_info,
        _rules.on_campaigns,
    ),
    commands=COMMANDS,
    texts=TEXTS,
    jobs=(JobSpec(CAMPAIGN_JOB, _campaign_trigger, reads_buffered=False),),
    priority=70,
    description="Invite links, attribution, rewards for invitees who stay, campaigns",
    load_state=load_state,
    member_data=MEMBER_DATA,
)

__all__ = ["CAPABILITY", "Campaign", "ReferralsConfig", "code_of", "part"]
