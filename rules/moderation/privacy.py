"""What moderation keeps about members, for /mydata and /forget (`bot.privacy`)."""

from __future__ import annotations

from bot.privacy import MemberRows
from rules.moderation.models import ModerationCase, SpamSample

MEMBER_DATA = (
    # a case stays (the case numbers and others' history count on it); its target becomes an
    # anonymous key and the offending message text goes
    MemberRows(
        ModerationCase,
        "anonymise",
        also=("actor_id", "reversed_by"),
        clear=("evidence",),
        scrub=("reason",),
        private=("id", "community_id"),
        label="moderation_cases",
    ),
    # labelled messages they wrote go (the text is theirs); samples they labelled stay
    MemberRows(
        SpamSample,
        "delete",
        column="author_id",
        also=("added_by",),
        private=("id", "community_id"),
        label="spam_samples",
    ),
)
