"""What the Telegram adapter remembers between updates, in memory and bounded.

Telegram bots cannot list members or look a user up by @username, so the adapter learns from
what it sees: usernames and names of everyone who wrote or joined, each chat's administrators
(cached with an expiry), who opened a private chat with the bot (the only users it may DM), the
author of recent messages (reactions do not say whose message was reacted to), and the last
membership change per member (a join can arrive twice: as a `chat_member` update and as a
`new_chat_members` service message).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from telegram import Chat, User

from bot.sanitize import clean_name

K = TypeVar("K")
V = TypeVar("V")

CREATOR = "creator"
ADMINISTRATOR = "administrator"


class _Bounded(Generic[K, V]):
    """A dict that forgets its least recently written keys beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._limit = limit

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class ChatAdmin:
    status: str  # "creator" or "administrator"
    # full admin: the owner, or an administrator who may appoint other administrators
    full: bool
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class _AdminList:
    admins: dict[int, ChatAdmin]
    fetched_at: datetime


class Directory:
    """Per-adapter memory. No I/O: the adapter fetches, the directory only stores and answers."""

    def __init__(
        self,
        *,
        admin_ttl: timedelta = timedelta(minutes=10),
        membership_window: timedelta = timedelta(minutes=10),
        max_users: int = 200_000,
        max_messages: int = 50_000,
    ) -> None:
        self.admin_ttl = admin_ttl
        self.membership_window = membership_window
        self._user_by_username: _Bounded[str, int] = _Bounded(max_users)
        self._name_by_user: _Bounded[int, str] = _Bounded(max_users)
        self._title_by_chat: _Bounded[int, str] = _Bounded(max_messages)
        self._admins: dict[int, _AdminList] = {}
        # chats that deliver `chat_member` updates (the bot is admin there): their joins are
        # taken from those updates, which carry the invite link, not from service messages
        self._member_update_chats: _Bounded[int, bool] = _Bounded(max_messages)
        # a failed admin lookup is asked again after this, keeping the last list it had
        self.admin_retry = timedelta(seconds=30)
        self._admin_failed_at: dict[int, datetime] = {}
        self._dm_reachable: set[int] = set()
        self._dm_refused: set[int] = set()
        self._author_by_message: _Bounded[tuple[int, int], int] = _Bounded(max_messages)
        self._membership: _Bounded[tuple[int, int], tuple[bool, datetime]] = _Bounded(max_users)
        self._dm_origin: _Bounded[tuple[int, int], str] = _Bounded(max_messages)

    # --- people -------------------------------------------------------------------------------
    def learn_user(self, user: User | None) -> None:
        if user is None:
            return
        # cleaned like every event's names (bot.sanitize): it is written into the bot's posts
        name = clean_name(user.full_name or user.username or "") or str(user.id)
        self._name_by_user.put(user.id, name)
        if user.username:
            self._user_by_username.put(user.username.lower(), user.id)

    def user_id_for(self, username: str) -> int | None:
        return self._user_by_username.get(username.lstrip("@").lower())

    def name_of(self, user_id: int) -> str | None:
        return self._name_by_user.get(user_id)

    def learn_chat(self, chat: Chat | None) -> None:
        if chat is not None and chat.title:
            self._title_by_chat.put(chat.id, chat.title)

    def title_of(self, chat_id: int) -> str | None:
        return self._title_by_chat.get(chat_id)

    # --- administrators -----------------------------------------------------------------------
    def admins_fresh(self, chat_id: int, now: datetime) -> bool:
        """No need to ask Telegram: the list is recent, or the last try failed a moment ago."""
        failed = self._admin_failed_at.get(chat_id)
        if failed is not None and now - failed < self.admin_retry:
            return True
        entry = self._admins.get(chat_id)
        return entry is not None and now - entry.fetched_at < self.admin_ttl

    def set_admins(self, chat_id: int, admins: dict[int, ChatAdmin], now: datetime) -> None:
        self._admins[chat_id] = _AdminList(dict(admins), now)
        self._admin_failed_at.pop(chat_id, None)

    def admin_lookup_failed(self, chat_id: int, now: datetime) -> None:
        """Telegram could not list the administrators: that is not "there are none". The last
        known list stays; the lookup is retried after `admin_retry`."""
        self._admin_failed_at[chat_id] = now

    def forget_admins(self, chat_id: int) -> None:
        self._admins.pop(chat_id, None)

    def admin(self, chat_id: int, user_id: int) -> ChatAdmin | None:
        entry = self._admins.get(chat_id)
        return entry.admins.get(user_id) if entry else None

    def human_admin_ids(self, chat_id: int) -> tuple[int, ...]:
        entry = self._admins.get(chat_id)
        if entry is None:
            return ()
        return tuple(uid for uid, admin in entry.admins.items() if not admin.is_bot)

    # --- who may be messaged privately --------------------------------------------------------
    # (what survives a restart is the runtime's: `dm_reachability`; this only saves calls)
    def mark_dm_reachable(self, user_id: int) -> None:
        self._dm_reachable.add(user_id)
        self._dm_refused.discard(user_id)

    def mark_dm_unreachable(self, user_id: int) -> None:
        self._dm_reachable.discard(user_id)
        self._dm_refused.add(user_id)

    def can_dm(self, user_id: int) -> bool:
        """Known to accept DMs: started the bot or got one since this process started."""
        return user_id in self._dm_reachable

    def dm_refused(self, user_id: int) -> bool:
        """Telegram refused a DM to them since this process started (and they did not /start
        since): not worth another call."""
        return user_id in self._dm_refused

    @property
    def dm_reachable(self) -> frozenset[int]:
        return frozenset(self._dm_reachable)

    # --- messages -----------------------------------------------------------------------------
    def remember_author(self, chat_id: int, message_id: int, user_id: int) -> None:
        self._author_by_message.put((chat_id, message_id), user_id)

    def author_of(self, chat_id: int, message_id: int) -> int | None:
        return self._author_by_message.get((chat_id, message_id))

    def remember_dm_origin(self, user_id: int, message_id: int, community_id: str) -> None:
        """A private message sent on behalf of a community: its button presses belong there."""
        self._dm_origin.put((user_id, message_id), community_id)

    def dm_origin(self, user_id: int, message_id: int) -> str | None:
        return self._dm_origin.get((user_id, message_id))

    # --- membership ---------------------------------------------------------------------------
    def note_member_updates(self, chat_id: int) -> None:
        self._member_update_chats.put(chat_id, True)

    def sends_member_updates(self, chat_id: int) -> bool:
        return self._member_update_chats.get(chat_id) is not None

    def note_membership(self, chat_id: int, user_id: int, present: bool, at: datetime) -> bool:
        """Record a join (present=True) or leave; False when it repeats the last change seen.

        The same change seen again within `membership_window` is a duplicate (chat_member update
        plus service message); older state is not trusted, as the bot may have missed updates.
        """
        key = (chat_id, user_id)
        last = self._membership.get(key)
        self._membership.put(key, (present, at))
        if last is None:
            return True
        was_present, seen_at = last
        return not (was_present == present and abs(at - seen_at) <= self.membership_window)
