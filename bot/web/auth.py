"""Sign-in, sessions, roles and CSRF.

- Sign-in: the admin (or moderators') token from the environment, compared in constant time, or
  a one-time link from `/dashboard`. Either gives a session: a random cookie (HttpOnly,
  SameSite=Lax) whose SHA-256 is stored with its role and expiry; expired sessions sign out.
- CSRF: every POST carries a token derived from the session secret (HMAC), in the form field
  `csrf` or the `X-CSRF-Token` header; sign-in forms, before any session, use a random cookie
  echoed in the form (double submit). A missing or wrong token is refused before anything runs.
- Roles: admin (everything) and moderator (reads everything, changes nothing).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request

from bot.store import dashboard as q
from bot.web.context import WebContext, digest

log = logging.getLogger(__name__)

SESSION_COOKIE = "qb_session"
PRE_COOKIE = "qb_pre"  # CSRF for the sign-in forms, before a session exists
LANG_COOKIE = "qb_lang"
ROLES = ("moderator", "admin")


@dataclass(frozen=True, slots=True)
class User:
    who: str
    role: str
    csrf: str
    session_hash: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def csrf_for(session_secret: str) -> str:
    return hmac.new(session_secret.encode(), b"qunbot-csrf", "sha256").hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (False when either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def role_for_token(ctx: WebContext, token: str) -> str | None:
    """Which role a typed token signs in as. Both tokens are always compared, in constant
    time, so timing tells nothing about which (or whether one) matched."""
    is_admin = same(token, ctx.admin_token)
    is_moderator = same(token, ctx.moderator_token) if ctx.moderator_token else False
    if is_admin:
        return "admin"
    return "moderator" if is_moderator else None


async def _issue(ctx: WebContext, kind: str, role: str, who: str, minutes: int) -> str:
    """A new random secret of `kind`, stored as its hash; returns the secret."""
    secret = secrets.token_urlsafe(32)
    now = ctx.now()
    await q.add_token(
        ctx.store,
        kind=kind,
        token_hash=digest(secret),
        role=role,
        who=who,
        at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    return secret


async def new_session(ctx: WebContext, role: str, who: str) -> str:
    log.info("dashboard: %s signed in (%s)", who, role)
    await q.purge_tokens(ctx.store, ctx.now())
    return await _issue(ctx, "session", role, who, ctx.config.session_minutes)


async def current_user(ctx: WebContext, request: Request) -> User | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret or len(secret) > 200:
        return None
    hashed = digest(secret)
    cred = await q.session(ctx.store, hashed, ctx.now())
    if cred is None:
        return None
    return User(cred.who, cred.role, csrf_for(secret), hashed)


def cookie_options(ctx: WebContext) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": ctx.config.secure_cookies, "path": "/"}


def language(ctx: WebContext, request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return chosen if chosen in ("en", "zh") else ctx.config.language
