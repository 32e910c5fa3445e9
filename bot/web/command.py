"""`/dashboard`: an admin or moderator asks the bot for a one-time sign-in link, sent by DM.

The link's secret is drawn here and only its hash is stored, by a patch that the executor
applies before the DM is sent (write before act): a link that reaches someone always works.
The dashboard never shows the link again (its pages redact sign-in links in the audit log).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.actions import SendDirect
from bot.commands import CommandSpec
from bot.engine import member_standing
from bot.events import CommandInvoked
from bot.rule import ApplyContext, Decision, Patch, RuleContext, answer
from bot.runtime import Runtime
from bot.store import dashboard as q
from bot.web.context import WebContext, digest
from bot.web.texts import text

DASHBOARD = CommandSpec(
    "dashboard",
    "Get a one-time sign-in link to the web dashboard, by direct message",
    (),
    permission="moderator",
)


@dataclass(frozen=True, slots=True)
class StoreSignInLink(Patch):
    token_hash: str
    role: str
    who: str
    at: datetime
    expires_at: datetime

    async def apply(self, ctx: ApplyContext) -> None:
        await q.add_token(
            ctx.store,
            kind="link",
            token_hash=self.token_hash,
            role=self.role,
            who=self.who,
            at=self.at,
            expires_at=self.expires_at,
        )


def install_dashboard_command(runtime: Runtime, web: WebContext) -> None:
    async def dashboard(event: CommandInvoked, ctx: RuleContext) -> Decision:
        lang = ctx.view.settings.language
        role = (
            "admin" if member_standing(event.actor, ctx.view.settings) == "admin" else "moderator"
        )
        if not event.actor.can_dm:
            return Decision.act([answer(event, text(lang, "cmd.no_dm"))], "cannot DM the member")
        secret = secrets.token_urlsafe(32)
        minutes = web.config.link_minutes
        link = StoreSignInLink(
            digest(secret),
            role,
            f"{event.actor.display} ({event.platform})",
            ctx.now,
            ctx.now + timedelta(minutes=minutes),
        )
        url = f"{web.base_url}/login/link/{secret}"
        message = text(lang, "cmd.link", role=text(lang, f"role.{role}"), minutes=minutes, url=url)
        return Decision.act(
            [
                SendDirect(user_id=event.actor.user_id, text=message),
                answer(event, text(lang, "cmd.sent")),
            ],
            f"one-time dashboard link ({role}) for {event.actor.display}",
            [link],
        )

    runtime.add_command(DASHBOARD, dashboard)
