"""An offline Telegram Bot API for tests: a `BaseRequest` that answers like Telegram.

    api = BotApiDouble()
    adapter = TelegramAdapter(TOKEN, request=api, rate_limit=False)
    await adapter.start(sink, commands)
    updates = UpdateBuilder()
    await adapter.feed(updates.message(CHAT, ALICE, "hello @bob"))
    api.calls_to("sendMessage")          # [{"chat_id": ..., "text": ...}, ...]
    api.fail_next("banChatMember", ApiFailure.forbidden())

Every call is recorded with its decoded parameters (`api.calls`, refused ones too; `api.delivered`
for what Telegram accepted). Failures are scripted per method (optionally only for matching
parameters) and used once each. Like Telegram, it refuses a message to a private chat of anyone
who never pressed Start (403 "bot can't initiate conversation"): `api.start(user)`, or an
`UpdateBuilder(api=api)` whose `private(...)` updates do it. `push_update` serves updates
through getUpdates for tests that run the real poller (`botapi_server.py` serves it over HTTP).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.request import BaseRequest, RequestData

TOKEN = "123456:TEST-token-for-the-offline-double"
BOT_ID = 123456
BOT_USERNAME = "qunbot_test_bot"
GROUP_ID = -1001234567890

JSON = dict[str, Any]


# --- payload pieces ---------------------------------------------------------------------------
def user(
    user_id: int, first_name: str = "", *, username: str | None = None, is_bot: bool = False
) -> JSON:
    data: JSON = {"id": user_id, "is_bot": is_bot, "first_name": first_name or f"User{user_id}"}
    if username:
        data["username"] = username
    return data


def group(chat_id: int = GROUP_ID, title: str = "Test group", *, forum: bool = False) -> JSON:
    data: JSON = {"id": chat_id, "type": "supergroup", "title": title}
    if forum:
        data["is_forum"] = True
    return data


def private_chat(of_user: JSON) -> JSON:
    return {"id": of_user["id"], "type": "private", "first_name": of_user["first_name"]}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def auto_entities(text: str) -> list[JSON]:
    """The entities Telegram would attach: a leading bot command and every @mention."""
    entities: list[JSON] = []
    words = [(i, w) for i, w in _word_starts(text)]
    for index, word in words:
        if index == 0 and word.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(word)})
        elif word.startswith("@") and len(word) > 1:
            name = "@" + "".join(c for c in word[1:] if c.isalnum() or c == "_")
            entities.append(
                {"type": "mention", "offset": _utf16_len(text[:index]), "length": _utf16_len(name)}
            )
    return entities


def _word_starts(text: str) -> Iterable[tuple[int, str]]:
    index = 0
    for word in text.split():
        index = text.index(word, index)
        yield index, word
        index += len(word)


def text_mention(text: str, name: str, of_user: JSON) -> JSON:
    """An entity linking `name` inside `text` to a user (for members without a @username)."""
    index = text.index(name)
    return {
        "type": "text_mention",
        "offset": _utf16_len(text[:index]),
        "length": _utf16_len(name),
        "user": of_user,
    }


def chat_member(of_user: JSON, status: str, **extra: Any) -> JSON:
    """A ChatMember of the given status with every field Telegram sends for it."""
    data: JSON = {"user": of_user, "status": status}
    if status == "creator":
        data |= {"is_anonymous": False}
    elif status == "administrator":
        data |= {
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": False,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
        }
    elif status == "restricted":
        data |= {"is_member": True, "until_date": 0} | dict.fromkeys(
            (
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_send_messages",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_manage_topics",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_edit_tag",
                "can_react_to_messages",
            ),
            False,
        )
    elif status == "kicked":
        data |= {"until_date": 0}
    return data | extra


# --- whole updates ----------------------------------------------------------------------------
@dataclass
class UpdateBuilder:
    """Builds update payloads with increasing update and message ids and a moving clock."""

    chat_id: int = GROUP_ID
    now: datetime = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    step: timedelta = timedelta(seconds=1)
    # the Bot API the updates go to: a private message or unblocking lets it DM that person
    api: BotApiDouble | None = None
    _update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    def _tick(self, at: datetime | None) -> int:
        if at is None:
            self.now += self.step
            at = self.now
        return int(at.timestamp())

    def _wrap(self, key: str, body: JSON) -> JSON:
        return {"update_id": next(self._update_ids), key: body}

    def message_body(
        self,
        sender: JSON,
        text: str = "",
        *,
        chat: JSON | None = None,
        message_id: int | None = None,
        at: datetime | None = None,
        reply_to: JSON | None = None,
        entities: Sequence[JSON] | None = None,
        forwarded_from: JSON | None = None,
        photo: bool = False,
        thread_id: int | None = None,
        **extra: Any,
    ) -> JSON:
        body: JSON = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "date": self._tick(at),
            "chat": chat or group(self.chat_id),
            "from": sender,
        }
        if photo:
            body["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
            if text:
                body["caption"] = text
                body["caption_entities"] = list(entities or auto_entities(text))
        elif text:
            body["text"] = text
            found = list(entities) if entities is not None else auto_entities(text)
            if found:
                body["entities"] = found
        if reply_to is not None:
            body["reply_to_message"] = reply_to
        if forwarded_from is not None:
            body["forward_origin"] = {
                "type": "user",
                "date": body["date"] - 60,
                "sender_user": forwarded_from,
            }
        if thread_id is not None:
            body["message_thread_id"] = thread_id
            body["is_topic_message"] = True
        return body | extra

    def message(self, sender: JSON, text: str = "", **kwargs: Any) -> JSON:
        return self._wrap("message", self.message_body(sender, text, **kwargs))

    def edited(self, original: JSON, new_text: str, *, at: datetime | None = None) -> JSON:
        """An edit of a message built earlier (pass the update or its message)."""
        body = dict(original.get("message", original))
        body["edit_date"] = self._tick(at)
        body["text"] = new_text
        body["entities"] = auto_entities(new_text)
        return self._wrap("edited_message", body)

    def private(self, sender: JSON, text: str = "/start", **kwargs: Any) -> JSON:
        if self.api is not None:
            self.api.start(sender)
        return self.message(sender, text, chat=private_chat(sender), **kwargs)

    def new_members(self, members: Sequence[JSON], *, at: datetime | None = None) -> JSON:
        """The "X joined the group" service message (absent when members are hidden)."""
        return self.message(members[0], new_chat_members=list(members), at=at)

    def member_left(self, member: JSON, *, at: datetime | None = None) -> JSON:
        return self.message(member, left_chat_member=member, at=at)

    def chat_member(
        self,
        member: JSON,
        old: str = "left",
        new: str = "member",
        *,
        by: JSON | None = None,
        at: datetime | None = None,
        old_extra: Mapping[str, Any] | None = None,
        new_extra: Mapping[str, Any] | None = None,
        invite_link: JSON | None = None,
    ) -> JSON:
        """`invite_link`: the ChatInviteLink the member joined through (see `created_links`)."""
        body = {
            "chat": group(self.chat_id),
            "from": by or member,
            "date": self._tick(at),
            "old_chat_member": chat_member(member, old, **(old_extra or {})),
            "new_chat_member": chat_member(member, new, **(new_extra or {})),
        }
        if invite_link is not None:
            body["invite_link"] = invite_link
        return self._wrap("chat_member", body)

    def my_chat_member_private(self, of_user: JSON, new: str) -> JSON:
        """The bot's status in a user's private chat: "kicked" when they block the bot."""
        if self.api is not None:
            self.api.started.discard(of_user["id"])
            if new == "member":
                self.api.start(of_user)
        bot = user(BOT_ID, "Qunbot", username=BOT_USERNAME, is_bot=True)
        return self._wrap(
            "my_chat_member",
            {
                "chat": private_chat(of_user),
                "from": of_user,
                "date": self._tick(None),
                "old_chat_member": chat_member(bot, "member"),
                "new_chat_member": chat_member(bot, new),
            },
        )

    def button(
        self, presser: JSON, data: str, *, message_id: int, chat: JSON | None = None
    ) -> JSON:
        return self._wrap(
            "callback_query",
            {
                "id": f"cb{message_id}-{presser['id']}",
                "from": presser,
                "chat_instance": "ci1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": self._tick(None),
                    "chat": chat or group(self.chat_id),
                    "from": user(BOT_ID, "Qunbot", username=BOT_USERNAME, is_bot=True),
                    "text": "press a button",
                },
            },
        )

    def reaction(
        self,
        reactor: JSON,
        message_id: int,
        new: Sequence[str],
        old: Sequence[str] = (),
        *,
        at: datetime | None = None,
    ) -> JSON:
        def emoji(items: Sequence[str]) -> list[JSON]:
            return [{"type": "emoji", "emoji": e} for e in items]

        return self._wrap(
            "message_reaction",
            {
                "chat": group(self.chat_id),
                "message_id": message_id,
                "user": reactor,
                "date": self._tick(at),
                "old_reaction": emoji(old),
                "new_reaction": emoji(new),
            },
        )


# --- scripted failures ------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiFailure:
    status: int
    description: str
    parameters: JSON | None = None

    @classmethod
    def retry_after(cls, seconds: int) -> ApiFailure:
        return cls(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @classmethod
    def forbidden(cls, description: str = "Forbidden: bot was blocked by the user") -> ApiFailure:
        return cls(403, description)

    @classmethod
    def bad_request(cls, description: str = "Bad Request: user not found") -> ApiFailure:
        return cls(400, description)

    @classmethod
    def unauthorized(cls) -> ApiFailure:
        return cls(401, "Unauthorized")

    @classmethod
    def server_error(cls) -> ApiFailure:
        return cls(502, "Bad Gateway")

    def body(self) -> bytes:
        data: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            data["parameters"] = self.parameters
        return json.dumps(data).encode()


@dataclass(frozen=True)
class Call:
    method: str
    params: JSON
    files: tuple[str, ...] = ()  # names of uploaded files (multipart parts)
    refused: int = 0  # the error status it was answered with (0: it succeeded)


@dataclass
class _Scripted:
    failure: ApiFailure
    when: Callable[[JSON], bool] | None


class BotApiDouble(BaseRequest):
    """Answers Bot API methods with the JSON Telegram would return and records every call."""

    def __init__(
        self,
        *,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        now: datetime = datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.now = now
        self.calls: list[Call] = []
        self.uploads: list[tuple[str, bytes]] = []
        self.admins: dict[int, list[JSON]] = {}
        self.chat_permissions: dict[int, JSON] = {}
        self.created_links: list[JSON] = []  # createChatInviteLink answers, oldest first
        self._failures: dict[str, list[_Scripted]] = {}
        self._message_ids = itertools.count(5000)
        self._pending: list[JSON] = []
        self._arrived = asyncio.Event()
        self.long_poll = False
        # people who pressed Start in a private chat with the bot: the only ones it may DM
        self.started: set[int] = set()

    # --- scripting ----------------------------------------------------------------------------
    def fail_next(
        self, method: str, failure: ApiFailure, *, when: Callable[[JSON], bool] | None = None
    ) -> None:
        """The next call of `method` (whose params satisfy `when`) fails with `failure`."""
        self._failures.setdefault(method, []).append(_Scripted(failure, when))

    def reject_token(self) -> None:
        self.fail_next("getMe", ApiFailure.unauthorized())

    def set_admins(
        self, chat_id: int, owner: JSON, *admins: JSON, bots: Sequence[JSON] = ()
    ) -> None:
        self.admins[chat_id] = [
            chat_member(owner, "creator"),
            *(chat_member(a, "administrator") for a in admins),
            *(chat_member(b, "administrator") for b in bots),
        ]

    def start(self, person: JSON) -> None:
        """`person` opened a private chat with the bot (pressed Start)."""
        self.started.add(int(person["id"]))

    def push_update(self, payload: JSON) -> None:
        """Serve `payload` through getUpdates (for tests that run the real poller)."""
        self._pending.append(payload)
        self._arrived.set()

    def wake(self) -> None:
        """End a waiting getUpdates now (empty), e.g. when the server shuts down."""
        self._arrived.set()

    # --- reading the record -------------------------------------------------------------------
    def calls_to(self, method: str) -> list[JSON]:
        """Every attempt, refused ones included."""
        return [call.params for call in self.calls if call.method == method]

    def delivered(self, method: str = "sendMessage") -> list[JSON]:
        """The calls Telegram accepted (a DM to someone who never started the bot is not)."""
        return [c.params for c in self.calls if c.method == method and not c.refused]

    @property
    def methods(self) -> list[str]:
        """Methods called, in order, without the start-up calls."""
        return [c.method for c in self.calls if c.method not in ("getMe", "setMyCommands")]

    def clear(self) -> None:
        self.calls.clear()
        self.uploads.clear()

    # --- BaseRequest --------------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = (
            tuple(request_data.multipart_data)
            if request_data and request_data.contains_files
            else ()
        )
        for name in files:  # (file name, content) of each uploaded file
            part = request_data.multipart_data[name]  # type: ignore[union-attr]
            self.uploads.append((str(part[0]), bytes(part[1])))
        return await self.respond(api_method, params, files)

    async def respond(
        self, api_method: str, params: JSON, files: tuple[str, ...] = ()
    ) -> tuple[int, bytes]:
        """The HTTP status and body Telegram would answer `api_method` with (also used by the
        local HTTP server in botapi_server.py)."""
        failure = self._take_failure(api_method, params) or self._dm_refusal(api_method, params)
        if api_method != "getUpdates":
            self.calls.append(Call(api_method, params, files, failure.status if failure else 0))
        if failure is not None:
            return failure.status, failure.body()
        if api_method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            answer = getattr(self, f"_answer_{api_method}", None)
            if answer is None:
                return 400, ApiFailure(400, f"Bad Request: the double has no {api_method}").body()
            result = answer(params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _dm_refusal(self, method: str, params: JSON) -> ApiFailure | None:
        """What Telegram answers a bot writing first to someone who never pressed Start."""
        chat_id = params.get("chat_id")
        if not method.startswith("send") or chat_id is None or int(chat_id) < 0:
            return None
        if int(chat_id) in self.started:
            return None
        return ApiFailure.forbidden("Forbidden: bot can't initiate conversation with a user")

    def _take_failure(self, method: str, params: JSON) -> ApiFailure | None:
        for scripted in self._failures.get(method, []):
            if scripted.when is None or scripted.when(params):
                self._failures[method].remove(scripted)
                return scripted.failure
        return None

    # --- answers ------------------------------------------------------------------------------
    def _bot_user(self) -> JSON:
        return user(self.bot_id, "Qunbot", username=self.bot_username, is_bot=True)

    def _chat(self, chat_id: Any) -> JSON:
        chat_id = int(chat_id)
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        return group(chat_id)

    def _sent(self, params: JSON, **content: Any) -> JSON:
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(self.now.timestamp()),
            "chat": self._chat(params["chat_id"]),
            "from": self._bot_user(),
        }
        if "message_thread_id" in params:
            message["message_thread_id"] = params["message_thread_id"]
        return message | content

    def _answer_getMe(self, params: JSON) -> JSON:
        return self._bot_user() | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _answer_sendMessage(self, params: JSON) -> JSON:
        return self._sent(params, text=params["text"])

    def _answer_sendPhoto(self, params: JSON) -> JSON:
        photo = [{"file_id": "ph", "file_unique_id": "phu", "width": 320, "height": 240}]
        extra = {"caption": params["caption"]} if "caption" in params else {}
        return self._sent(params, photo=photo, **extra)

    def _answer_sendDocument(self, params: JSON) -> JSON:
        document = {"file_id": "doc", "file_unique_id": "docu", "file_name": "file"}
        extra = {"caption": params["caption"]} if "caption" in params else {}
        return self._sent(params, document=document, **extra)

    def _answer_sendPoll(self, params: JSON) -> JSON:
        options = [
            {
                "text": o["text"] if isinstance(o, dict) else o,
                "voter_count": 0,
                "persistent_id": f"opt{i}",
            }
            for i, o in enumerate(params["options"])
        ]
        poll = {
            "id": "poll1",
            "question": params["question"],
            "options": options,
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True),
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        return self._sent(params, poll=poll)

    def _answer_createChatInviteLink(self, params: JSON) -> JSON:
        """A named link as Telegram returns it; every link made is kept in `created_links`."""
        link = {
            "invite_link": f"https://t.me/+Inv{len(self.created_links) + 1}x{params['chat_id']}",
            "creator": self._bot_user(),
            "creates_join_request": bool(params.get("creates_join_request", False)),
            "is_primary": False,
            "is_revoked": False,
        }
        if params.get("name"):
            link["name"] = params["name"]
        self.created_links.append(link)
        return link

    def _answer_getChatAdministrators(self, params: JSON) -> list[JSON]:
        return self.admins.get(int(params["chat_id"]), [])

    def _answer_getChatMember(self, params: JSON) -> JSON:
        """Administrators as listed; anyone else a plain member (script `fail_next` with
        `bad_request("Bad Request: user not found")` for someone not in the group)."""
        uid = int(params["user_id"])
        for admin in self.admins.get(int(params["chat_id"]), []):
            if admin["user"]["id"] == uid:
                return admin
        return chat_member(user(uid, f"User {uid}"), "member")

    def _answer_getChat(self, params: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        permissions = self.chat_permissions.get(
            chat_id,
            {
                "can_send_messages": True,
                "can_send_photos": True,
                "can_send_polls": False,
                "can_add_web_page_previews": False,
                "can_invite_users": True,
                "can_pin_messages": False,
                "can_change_info": False,
            },
        )
        return self._chat(chat_id) | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
            "permissions": permissions,
        }

    def _true(self, params: JSON) -> bool:
        return True

    _answer_deleteMessage = _true
    _answer_restrictChatMember = _true
    _answer_banChatMember = _true
    _answer_unbanChatMember = _true
    _answer_banChatSenderChat = _true
    _answer_unbanChatSenderChat = _true
    _answer_setMyCommands = _true
    _answer_deleteMyCommands = _true
    _answer_answerCallbackQuery = _true
    _answer_deleteWebhook = _true
    _answer_setWebhook = _true
    _answer_close = _true

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset", 0) or 0)
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending:
            self._arrived.clear()
            # a short long-poll unless `long_poll` (the HTTP server honours the `timeout` asked)
            wait = float(params.get("timeout", 0) or 0) if self.long_poll else 0.05
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=wait)
            except TimeoutError:
                return []
        return list(self._pending)
