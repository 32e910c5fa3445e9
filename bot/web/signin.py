"""Sign-in and out: the token form, one-time links from /dashboard, and signing out."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.store import dashboard as q
from bot.web import auth
from bot.web.context import digest
from bot.web.http import checked_form, ctx_of, render, t, user_of


def routes() -> list[Route]:
    return [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/login/link", link_post, methods=["POST"]),
        Route("/login/link/{token}", link_get, methods=["GET"]),
        Route("/logout", logout, methods=["POST"]),
    ]


def _safe_next(value: object) -> str:
    """Only a path on this site (never //host or a scheme) is followed after sign-in."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value if "\\" not in value else "/"
    return "/"


def _login_page(request: Request, status: int = 200, **context: object) -> Response:

    ctx = ctx_of(request)
    pre = request.cookies.get(auth.PRE_COOKIE) or secrets.token_urlsafe(24)
    why = request.query_params.get("why")
    notice = context.pop("notice", None) or (
        t(request, {"expired": "err.expired", "signin": "err.signin"}[why])
        if why in ("expired", "signin")
        else (t(request, "flash.signed_out") if why == "signed_out" else None)
    )
    response = render(
        request,
        "login.html",
        status,
        pre=pre,
        notice=notice,
        next=_safe_next(request.query_params.get("next")),
        token_env=ctx.config.token_env,
        **context,
    )
    response.set_cookie(auth.PRE_COOKIE, pre, max_age=3600, **auth.cookie_options(ctx))
    return response


def _signed_in(request: Request, secret: str, target: str) -> Response:

    ctx = ctx_of(request)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        secret,
        max_age=ctx.config.session_minutes * 60,
        **auth.cookie_options(ctx),
    )
    response.delete_cookie(auth.PRE_COOKIE, path="/")
    return response


async def login(request: Request) -> Response:

    if request.method == "GET":
        return _login_page(request)
    ctx = ctx_of(request)
    form = await checked_form(request, admin=False, pre_session=True)
    token = form.get("token")
    role = auth.role_for_token(ctx, token if isinstance(token, str) else "")
    if role is None:
        return _login_page(
            request, 401, notice=t(request, "err.wrong_token", env=ctx.config.token_env)
        )
    secret = await auth.new_session(ctx, role, f"{role} token")
    return _signed_in(request, secret, _safe_next(form.get("next")))


async def link_get(request: Request) -> Response:

    ctx = ctx_of(request)
    token = request.path_params["token"]
    state, who = await q.link_state(ctx.store, digest(token), ctx.now())
    if state != "valid":
        return _login_page(
            request, 410 if state != "unknown" else 404, notice=t(request, f"err.link_{state}")
        )
    return _login_page(request, link=token, link_who=who)


async def link_post(request: Request) -> Response:

    ctx = ctx_of(request)
    form = await checked_form(request, admin=False, pre_session=True)
    token = form.get("link")
    hashed = digest(token if isinstance(token, str) else "")
    cred = await q.take_link(ctx.store, hashed, ctx.now())
    if cred is None:
        state, _ = await q.link_state(ctx.store, hashed, ctx.now())
        return _login_page(request, 410, notice=t(request, f"err.link_{state}"))
    secret = await auth.new_session(ctx, cred.role, cred.who)
    return _signed_in(request, secret, "/")


async def logout(request: Request) -> Response:

    await checked_form(request, admin=False)
    await q.end_session(ctx_of(request).store, user_of(request).session_hash)
    response = RedirectResponse("/login?why=signed_out", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response
