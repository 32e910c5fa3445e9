"""The dashboard's ASGI app: `create_app(ctx)`. Every route but sign-in needs a session."""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bot.web import auth, pages, playbook_routes, signin
from bot.web.context import WebContext
from bot.web.http import Refusal, environment, refuse, wants_json

PUBLIC = ("/login", "/login/link")

SECURITY_HEADERS = {
    # the editor's one inline script; reports are framed from this origin only
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' "
    "'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'self'; "
    "form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # sign-in links never leak through the Referer
    "Cache-Control": "no-store",
}


class Guard(BaseHTTPMiddleware):
    """Language, body size, sign-in and security headers, for every request."""

    def __init__(self, app: object, ctx: WebContext) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.ctx = ctx

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.lang = auth.language(self.ctx, request)
        request.state.user = None
        response = await self._guarded(request, call_next)
        response.headers.update(SECURITY_HEADERS)
        if request.query_params.get("lang") in ("en", "zh"):
            response.set_cookie(auth.LANG_COOKIE, request.state.lang, samesite="lax")
        return response

    async def _guarded(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.method not in ("GET", "HEAD", "POST"):
            return refuse(request, 405, "err.not_found")
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return refuse(request, 411, "err.no_length")
            limit = self.ctx.config.max_upload_bytes
            if int(length) > limit + 64 * 1024:  # the playbook plus the form's other fields
                return refuse(
                    request, 413, "err.too_big", size=f"{int(length):,}", limit=f"{limit:,}"
                )
        path = request.url.path
        if path in PUBLIC or path.startswith("/login/link/"):
            return await call_next(request)
        user = await auth.current_user(self.ctx, request)
        if user is None:
            why = "err.expired" if auth.SESSION_COOKIE in request.cookies else "err.signin"
            if request.method == "GET" and not wants_json(request):
                target = quote(path + (f"?{request.url.query}" if request.url.query else ""))
                reason = "expired" if why == "err.expired" else "signin"
                return RedirectResponse(f"/login?why={reason}&next={target}", status_code=303)
            response = refuse(request, 401, why, back="/login")
            response.delete_cookie(auth.SESSION_COOKIE, path="/")
            return response
        request.state.user = user
        return await call_next(request)


async def _refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refusal)
    return exc.response


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return refuse(request, 404, "err.not_found", back="/")
    if wants_json(request):
        return JSONResponse({"error": str(getattr(exc, "detail", exc))}, status_code=status)
    return refuse(request, status, "err.not_found", back="/")


def create_app(ctx: WebContext) -> Starlette:
    routes = [
        *signin.routes(),
        *pages.routes(),
        *playbook_routes.routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, ctx=ctx)],
        exception_handlers={Refusal: _refusal, HTTPException: _http_error},
    )
    app.state.ctx = ctx
    app.state.env = environment()
    return app
