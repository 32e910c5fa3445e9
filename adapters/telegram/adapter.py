"""`TelegramAdapter`: python-telegram-bot 22 behind the `bot.adapter.Adapter` protocol."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from adapters.telegram.commands import valid_command_name
from adapters.telegram.directory import Directory
from adapters.telegram.execute import UNSUPPORTED, ActionRunner
from adapters.telegram.ratelimit import SendingRateLimiter
from adapters.telegram.translate import GROUP_TYPES, TranslateContext, translate_update
from bot.actions import ALL_ACTION_KINDS, Action
from bot.adapter import ActionResult, AdapterStartError, EventSink, PlatformError
from bot.commands import CommandSpec
from bot.events import Actor
from bot.sanitize import clean_event

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "chat_member",
    "my_chat_member",
    "callback_query",
    "message_reaction",
)
Mode = Literal["polling", "webhook"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TelegramAdapter:
    platform = "telegram"
    capabilities: frozenset[str] = ALL_ACTION_KINDS - frozenset(UNSUPPORTED)

    def __init__(
        self,
        token: str,
        *,
        request: BaseRequest | None = None,
        mode: Mode = "polling",
        webhook_url: str | None = None,
        listen: str = "0.0.0.0",
        port: int = 8443,
        url_path: str = "telegram",
        secret_token: str | None = None,
        rate_limit: bool = True,
        drop_pending_updates: bool = False,
        moderator_chat_id: int | None = None,
        admin_ttl: timedelta = timedelta(minutes=10),
        token_env: str = "TELEGRAM_BOT_TOKEN",
        clock: Callable[[], datetime] = _utc_now,
        poll_through_request: bool = False,
        base_url: str | None = None,
        base_file_url: str | None = None,
        menu_translations: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """`request`: a `BaseRequest` to use instead of HTTP (tests). With it, updates are fed
        through `feed()` unless `poll_through_request` runs the real poller against it.
        `moderator_chat_id`: a separate moderators' group for `AlertModerators`.
        `base_url` / `base_file_url`: a self-hosted Bot API server (e.g.
        "http://127.0.0.1:8081/bot"; the token is appended, or put where "{token}" stands),
        used for every call, polling and webhook alike.
        `menu_translations`: language code → command name → description, for the `/` menu
        people whose Telegram is set to that language see."""
        if mode not in ("polling", "webhook"):
            raise ValueError(f"mode must be 'polling' or 'webhook', not {mode!r}")
        if mode == "webhook" and not webhook_url:
            raise ValueError("webhook mode needs webhook_url, the public https URL Telegram calls")
        self.mode: Mode = mode
        self._webhook = {
            "listen": listen,
            "port": port,
            "url_path": url_path,
            "webhook_url": webhook_url,
            "secret_token": secret_token,
        }
        self._drop_pending = drop_pending_updates
        self._menu_translations = dict(menu_translations or {})
        self._token_env = token_env
        self._clock = clock
        self.directory = Directory(admin_ttl=admin_ttl)
        self._commands: dict[str, CommandSpec] = {}
        self._sink: EventSink | None = None
        self._started = False
        self._handler_errors: list[BaseException] = []
        self._app = self._build(
            token, request, rate_limit, poll_through_request, base_url, base_file_url
        )
        self._runner = ActionRunner(
            self._app.bot,
            self.directory,
            clock=clock,
            moderator_chat_id=moderator_chat_id,
        )
        self._app.add_handler(TypeHandler(Update, self._on_update))
        self._app.add_error_handler(self._on_error)

    def _build(
        self,
        token: str,
        request: BaseRequest | None,
        rate_limit: bool,
        poll_offline: bool,
        base_url: str | None,
        base_file_url: str | None,
    ) -> Application:
        builder = ApplicationBuilder().token(token).job_queue(None)
        if base_url:
            builder = builder.base_url(base_url)
        if base_file_url:
            builder = builder.base_file_url(base_file_url)
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
            if not poll_offline:
                builder = builder.updater(None)
        if rate_limit:
            builder = builder.rate_limiter(SendingRateLimiter())
        try:
            return builder.build()
        except InvalidToken as exc:
            raise self._bad_token(exc) from exc

    def _bad_token(self, exc: Exception) -> AdapterStartError:
        return AdapterStartError(
            kind=PlatformError.FORBIDDEN,
            message=f"{self._token_env} was rejected by Telegram ({exc}). "
            "Create a bot with @BotFather "
            f"(/newbot), copy the token it gives you and set it in the {self._token_env} "
            "environment variable; if the token leaked, revoke it with /revoke and use the new "
            "one.",
        )

    # --- the Adapter protocol -----------------------------------------------------------------
    def why_unsupported(self, kind: str) -> str:
        if kind in self.capabilities:
            return ""
        return UNSUPPORTED.get(kind, f"The Telegram adapter does not perform {kind!r} actions.")

    def serves(self, community_id: str) -> bool:
        return True  # a chat is served by the bot it talks to: the one this adapter runs

    @property
    def application(self) -> Application:
        return self._app

    @property
    def dm_reachable(self) -> frozenset[str]:
        """Users known in this process to accept private messages (the durable record is the
        runtime's `dm_reachability`)."""
        return frozenset(str(uid) for uid in self.directory.dm_reachable)

    def receive_call(self) -> tuple[str, dict[str, Any]]:
        """The Updater method and arguments `start` uses to receive updates."""
        common = {
            "allowed_updates": list(ALLOWED_UPDATES),
            "drop_pending_updates": self._drop_pending,
        }
        if self.mode == "webhook":
            return "start_webhook", {**self._webhook, **common}
        return "start_polling", common

    async def start(self, sink: EventSink, commands: list[CommandSpec]) -> None:
        self._sink = sink
        self._commands = {spec.name.lower(): spec for spec in commands}
        try:
            await self._app.initialize()  # getMe: the first call that uses the token
        except InvalidToken as exc:
            raise self._bad_token(exc) from exc
        except NetworkError as exc:
            raise AdapterStartError(
                kind=PlatformError.UNAVAILABLE,
                message=f"could not reach Telegram to check {self._token_env}: {exc}. "
                "Check the network or proxy, then start again.",
            ) from exc
        await self._register_commands(commands)
        await self._app.start()
        self._started = True
        updater = self._app.updater
        if updater is not None:
            method, kwargs = self.receive_call()
            await getattr(updater, method)(**kwargs)
        log.info("telegram: running as @%s (%s)", self._app.bot.username, self.mode)

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        updater = self._app.updater
        if updater is not None and updater.running:
            await updater.stop()
        await self._app.stop()
        await self._app.shutdown()

    async def execute(self, community_id: str, action: Action) -> ActionResult:
        return await self._runner.run(community_id, action)

    async def lookup_member(self, community_id: str, user_id: str) -> Actor | None:
        return await self._runner.lookup_member(community_id, user_id)

    # --- receiving ----------------------------------------------------------------------------
    async def feed(self, payload: Mapping[str, Any]) -> None:
        """Process one update given as Bot API JSON, exactly as if it had been received.

        Unlike live updates (whose failures are logged), an error raised while handling a fed
        update (e.g. by the sink) is raised here, so tests see it."""
        if not self._started:
            raise RuntimeError("start() the adapter before feeding updates")
        self._handler_errors.clear()
        await self._app.process_update(Update.de_json(dict(payload), self._app.bot))
        if self._handler_errors:
            raise self._handler_errors[0]

    async def _register_commands(self, commands: list[CommandSpec]) -> None:
        """The `/` menu by scope: members' commands for everyone (private chats and groups),
        all commands for group administrators, so a member's menu never lists /ban; once more
        per translated language."""
        valid = []
        for spec in commands:
            if valid_command_name(spec.name):
                valid.append(spec)
            else:
                log.warning(
                    "telegram: command %r not registered: names are 1-32 of a-z, 0-9 and _",
                    spec.name,
                )
        for language, described in [(None, {}), *self._menu_translations.items()]:
            everything = [
                BotCommand(s.name, (described.get(s.name) or s.description)[:256] or s.name)
                for s in valid
            ]
            members = [
                c for c, s in zip(everything, valid, strict=True) if s.permission == "member"
            ]
            menus = (
                (members, BotCommandScopeDefault()),
                (members, BotCommandScopeAllGroupChats()),
                (everything, BotCommandScopeAllChatAdministrators()),
            )
            for listed, scope in menus:
                try:
                    await self._app.bot.set_my_commands(listed, scope=scope, language_code=language)
                except TelegramError as exc:  # a convenience: typed commands still work
                    log.warning("telegram: could not register the %s menu: %s", scope.type, exc)

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            # stop the button's spinner at once; what it does is the engine's business
            try:
                await update.callback_query.answer()
            except TelegramError as exc:
                log.info("telegram: could not answer a button press: %s", exc)
        chat = update.effective_chat
        if chat is not None and chat.type in GROUP_TYPES and update.effective_user is not None:
            await self._runner.refresh_admins(chat.id)
        ctx = TranslateContext(
            bot_id=self._app.bot.id,
            bot_username=self._app.bot.username,
            commands=self._commands,
            directory=self.directory,
            now=self._clock(),
        )
        for event in translate_update(update, ctx):
            if self._sink is not None:
                await self._sink(clean_event(event))  # bounded, encodable ids and texts

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: failed to handle update %s", update, exc_info=context.error)
        if context.error is not None:
            self._handler_errors.append(context.error)
