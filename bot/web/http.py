"""Helpers shared by the dashboard's routes: rendering, refusals, checked form posts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from bot.web.auth import PRE_COOKIE, User, same
from bot.web.context import WebContext
from bot.web.texts import text


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=False,
    )
    env.filters["when"] = _when
    return env


def _when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def ctx_of(request: Request) -> WebContext:
    return request.app.state.ctx


def lang_of(request: Request) -> str:
    return getattr(request.state, "lang", "en")


def user_of(request: Request) -> User:
    return request.state.user


def t(request: Request, key: str, **values: Any) -> str:
    return text(lang_of(request), key, **values)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    env: Environment = request.app.state.env
    page = env.get_template(template).render(
        lang=lang,
        t=lambda key, **v: text(lang, key, **v),
        user=getattr(request.state, "user", None),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("content-type", "") or (
        "application/json" in request.headers.get("accept", "")
    )


def refuse(request: Request, status: int, key: str, back: str | None = None, **values: Any):  # noqa: ANN201
    """A clear refusal: JSON for the editor's script, a page for a person."""
    message = t(request, key, **values)
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(
        request, "message.html", status, title=t(request, "err.title"), message=message, back=back
    )


class Refusal(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


async def checked_form(request: Request, *, admin: bool, pre_session: bool = False) -> FormData:
    """The posted form, after the CSRF check (and the admin check when the action changes
    something). Raises Refusal with the page to show; nothing has run then."""
    ctx = ctx_of(request)
    try:
        form = await request.form(
            max_files=1, max_fields=20, max_part_size=ctx.config.max_upload_bytes
        )
    except Exception:  # noqa: BLE001 - malformed or oversized multipart
        raise Refusal(
            refuse(request, 413, "err.too_big", size="?", limit=f"{ctx.config.max_upload_bytes:,}")
        ) from None
    sent = form.get("csrf")
    sent = sent if isinstance(sent, str) else None
    expected = request.cookies.get(PRE_COOKIE) if pre_session else user_of(request).csrf
    if not same(sent, expected):
        raise Refusal(refuse(request, 403, "err.csrf"))
    if admin and not user_of(request).is_admin:
        raise Refusal(refuse(request, 403, "err.read_only"))
    return form


async def checked_json(request: Request) -> dict[str, Any]:
    """A JSON post from the page's script: CSRF in the X-CSRF-Token header."""
    if not same(request.headers.get("x-csrf-token"), user_of(request).csrf):
        raise Refusal(JSONResponse({"error": t(request, "err.csrf")}, status_code=403))
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise Refusal(JSONResponse({"error": 'send a JSON object {"text": ...}'}, 400))
    return body
