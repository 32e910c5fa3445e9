"""Actions: what a rule asks the platform to do, as plain values.

Rules return actions; the executor runs them through an adapter, one after another. An adapter
declares which action kinds it can perform (`Adapter.capabilities`); the executor skips the rest
and says so in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    kind: ClassVar[str] = "action"
    # moderation actions become numbered cases
    is_moderation: ClassVar[bool] = False

    @property
    def target_user(self) -> str | None:
        return None

    @property
    def channel(self) -> str | None:
        return None

    @property
    def text_shown(self) -> str | None:
        """The text a person would see, if the action shows any."""
        return None


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    custom_id: str
    # a link that opens a private chat with the bot (Telegram: t.me/<bot>?start=...); pressing
    # Start there comes back as a press of this button (`custom_id`, may be "") in this community.
    # Platforms without such links (Discord can always open a DM) leave the button out.
    opens_dm: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Post(Action):
    """A new message in a channel."""

    kind: ClassVar[str] = "post"

    channel_id: str
    text: str
    buttons: tuple[Button, ...] = ()
    mentions: tuple[str, ...] = ()
    image: str | None = None  # path to a local file
    poll_question: str | None = None
    poll_options: tuple[str, ...] = ()
    # a moderators' report (a routed alert): what to show instead if the channel is public
    public_text: str | None = None

    @property
    def channel(self) -> str:
        return self.channel_id

    @property
    def text_shown(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply(Action):
    """An answer to a message (or to the command that asked)."""

    kind: ClassVar[str] = "reply"

    channel_id: str
    text: str
    reply_to: str | None = None
    user_id: str | None = None  # the member being answered
    ephemeral: bool = False  # only the asker sees it, where the platform can
    # shown instead when a private answer can only be given in the public chat (no quotes)
    public_text: str | None = None
    buttons: tuple[Button, ...] = ()

    @property
    def target_user(self) -> str | None:
        return self.user_id

    @property
    def channel(self) -> str:
        return self.channel_id

    @property
    def text_shown(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDirect(Action):
    kind: ClassVar[str] = "send_direct"

    user_id: str
    text: str
    buttons: tuple[Button, ...] = ()
    # when the member cannot be messaged privately, the fallback's "open a chat with me" link
    # sends this button id back once they start the bot (e.g. "welcome.dm": deliver it then)
    on_start: str = ""

    @property
    def target_user(self) -> str:
        return self.user_id

    @property
    def text_shown(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True, kw_only=True)
class SendFile(Action):
    """A file for one member only: a private document (Telegram sendDocument in their chat
    with the bot, a Discord DM attachment; the console writes it and prints the path).
    The content is never copied into the audit log, only the caption."""

    kind: ClassVar[str] = "send_file"

    user_id: str
    filename: str
    data: bytes
    caption: str = ""

    @property
    def target_user(self) -> str:
        return self.user_id

    @property
    def text_shown(self) -> str | None:
        return self.caption or None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteMessage(Action):
    kind: ClassVar[str] = "delete_message"
    is_moderation: ClassVar[bool] = False

    channel_id: str
    message_id: str
    user_id: str | None = None  # author, for the audit log

    @property
    def target_user(self) -> str | None:
        return self.user_id

    @property
    def channel(self) -> str:
        return self.channel_id


@dataclass(frozen=True, slots=True, kw_only=True)
class _Moderation(Action):
    is_moderation: ClassVar[bool] = True

    user_id: str
    reason: str = ""

    @property
    def target_user(self) -> str:
        return self.user_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Warn(_Moderation):
    """A recorded warning; the adapter tells the member (publicly or by DM)."""

    kind: ClassVar[str] = "warn"

    channel_id: str | None = None
    weight: int = 1
    text: str = ""

    @property
    def channel(self) -> str | None:
        return self.channel_id

    @property
    def text_shown(self) -> str | None:
        return self.text or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout(_Moderation):
    """Mute until `until` (Discord native timeout, Telegram restrict with until_date)."""

    kind: ClassVar[str] = "timeout"

    until: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveTimeout(_Moderation):
    kind: ClassVar[str] = "remove_timeout"


@dataclass(frozen=True, slots=True, kw_only=True)
class Kick(_Moderation):
    kind: ClassVar[str] = "kick"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ban(_Moderation):
    kind: ClassVar[str] = "ban"

    delete_message_seconds: int = 0
    until: datetime | None = None  # None: permanent


@dataclass(frozen=True, slots=True, kw_only=True)
class Unban(_Moderation):
    kind: ClassVar[str] = "unban"


@dataclass(frozen=True, slots=True, kw_only=True)
class AddRole(Action):
    kind: ClassVar[str] = "add_role"

    user_id: str
    role: str
    reason: str = ""

    @property
    def target_user(self) -> str:
        return self.user_id


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveRole(Action):
    kind: ClassVar[str] = "remove_role"

    user_id: str
    role: str
    reason: str = ""

    @property
    def target_user(self) -> str:
        return self.user_id


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertModerators(Action):
    """A message to the moderators' log channel (or their DMs where there is none).

    `text` is for moderators' eyes (it may quote a defanged excerpt); `public_text`, when set,
    is what an adapter shows instead if the alert can only go where members read it (it names
    the member and the rule and quotes nothing)."""

    kind: ClassVar[str] = "alert_moderators"

    text: str
    user_id: str | None = None  # the member the alert is about
    image: str | None = None
    public_text: str | None = None

    @property
    def target_user(self) -> str | None:
        return self.user_id

    @property
    def text_shown(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateInvite(Action):
    """A personal invite link for a member (Telegram: a named link; Discord: an invite the bot
    creates in `channel_id`), then `text` sent to them as a `Reply` would be, with `{link}`
    replaced by the new link. The outcome's `ref` is the link, for the patch that stores it."""

    kind: ClassVar[str] = "create_invite"

    user_id: str
    name: str  # the link's name on the platform (Telegram shows it to admins)
    channel_id: str
    text: str
    reply_to: str | None = None
    ephemeral: bool = True
    join_request: bool = False  # newcomers ask to join and are approved (verification first)

    @property
    def target_user(self) -> str:
        return self.user_id

    @property
    def channel(self) -> str:
        return self.channel_id

    @property
    def text_shown(self) -> str:
        return self.text

    def reply(self, link: str) -> Reply:
        """The answer that carries the link, once it exists."""
        return Reply(
            channel_id=self.channel_id,
            reply_to=self.reply_to,
            user_id=self.user_id,
            ephemeral=self.ephemeral,
            text=self.text.replace("{link}", link),
        )


def shown_text(action: Action, ref: str | None) -> str | None:
    """What a person saw: an invite's text with the link it carried."""
    text = action.text_shown
    if text is not None and ref and isinstance(action, CreateInvite):
        return text.replace("{link}", ref)
    return text


ALL_ACTION_KINDS: frozenset[str] = frozenset(
    cls.kind
    for cls in (
        Post,
        Reply,
        SendDirect,
        SendFile,
        DeleteMessage,
        Warn,
        Timeout,
        RemoveTimeout,
        Kick,
        Ban,
        Unban,
        AddRole,
        RemoveRole,
        AlertModerators,
        CreateInvite,
    )
)
