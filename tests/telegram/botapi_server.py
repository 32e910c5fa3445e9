"""A small Bot API server on 127.0.0.1 for tests of the real HTTP path.

python-telegram-bot's own `HTTPXRequest` and polling loop talk to it over TCP exactly as they talk
to api.telegram.org (reached through `adapters.telegram.base_url`); the answers — payloads,
scripted errors, long-polled getUpdates — come from a `BotApiDouble`, so tests script it the same
way:

    async with BotApiServer(BotApiDouble()) as server:
        adapter = TelegramAdapter(TOKEN, base_url=server.base_url, ...)
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.telegram.botapi_double import JSON, BotApiDouble

# values PTB sends as plain strings; every other form field is JSON encoded
_RAW_TEXT = frozenset({"text", "caption", "question", "data", "callback_query_id", "url"})


def _decode(name: str, value: str) -> Any:
    if name in _RAW_TEXT:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class BotApiServer:
    def __init__(self, api: BotApiDouble, token: str) -> None:
        self.api = api
        self.token = token
        api.long_poll = True  # getUpdates waits as long as the client asks, like Telegram
        self.requests = 0  # HTTP requests served, getUpdates included
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.match_info["token"] != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return web.json_response(body, status=401)
        params: JSON = {}
        files: list[str] = []
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                name = getattr(part, "name", None) or ""
                if getattr(part, "filename", None):
                    files.append(name)
                    await part.read()
                else:
                    params[name] = _decode(name, await part.text())
        elif request.can_read_body:
            form = await request.post()
            params = {k: _decode(k, str(v)) for k, v in form.items()}
        status, body = await self.api.respond(request.match_info["method"], params, tuple(files))
        return web.Response(status=status, body=body, content_type="application/json")

    async def __aenter__(self) -> BotApiServer:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # a poll the client gave up on (the bot stopping) ends at once, as on Telegram
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.api.wake()
        if self._runner is not None:
            await self._runner.cleanup()
