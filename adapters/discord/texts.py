"""Texts the Discord adapter itself shows members, with English defaults.

Everything else a member sees comes from the playbook; these are the few fallbacks the adapter
needs when an action carries no text of its own. Pass a `DiscordTexts(...)` in another language
to `DiscordAdapter(texts=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.templates import render


@dataclass(frozen=True, slots=True)
class DiscordTexts:
    # Warn without text: `{member}` is the mention, `{reason}` the moderator's reason.
    warning: str = "{member}, you have been warned. Reason: {reason}"
    warning_no_reason: str = "{member}, you have been warned."
    # Sent ephemerally when a command produced no answer at all, so Discord does not show
    # "The application did not respond".
    command_done: str = "Done."

    def warn_text(self, member_mention: str, reason: str) -> str:
        template = self.warning if reason else self.warning_no_reason
        return render(template, {"member": member_mention, "reason": reason})
