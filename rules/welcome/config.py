"""The welcome SOP's playbook section."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from bot.configmodel import ConfigModel, Duration, SectionConfig, TemplateText
from bot.templates import Template


class Burst(ConfigModel):
    # this many joins within `window` switch greetings to one batched message
    joins: PositiveInt = 3
    window: Duration = timedelta(minutes=1)


class Verification(ConfigModel):
    enabled: bool = False
    # button: press a button; answer: type the answer in the chat
    mode: Literal["button", "answer"] = "button"
    prompt: TemplateText = Template(
        "{member}, please press the button below within {timeout} to show you are human."
    )
    button_label: str = "I am human ✅"
    answer: str | None = None
    wrong_answer: TemplateText = Template("{member}, that is not the answer. Try again.")
    timeout: Duration = timedelta(minutes=10)
    on_timeout: Literal["kick", "ban", "none"] = "kick"
    removed_text: TemplateText = Template("{member} did not verify in time and was removed.")

    @model_validator(mode="after")
    def _answer_needed(self) -> Verification:
        if self.enabled and self.mode == "answer" and not (self.answer or "").strip():
            raise ValueError("mode 'answer' needs an `answer` the newcomer must type")
        if self.timeout <= timedelta(0):
            raise ValueError("timeout must be longer than zero")
        return self


class FollowUp(ConfigModel):
    after: Duration
    text: TemplateText
    # only when the newcomer has not posted since joining
    only_if_silent: bool = True
    where: Literal["channel", "direct"] = "channel"


class WelcomeConfig(SectionConfig):
    channel: str | None = None  # default: community.default_channel
    greeting: TemplateText = Template("Welcome to {community}, {member}! 👋")
    batch_greeting: TemplateText = Template("Welcome to {community}, {members}! 👋")
    # a direct message with the rules and FAQ; leave out to send none
    direct_message: TemplateText | None = None
    verification: Verification = Field(default_factory=Verification)
    followups: list[FollowUp] = Field(default_factory=list)
    burst: Burst = Field(default_factory=Burst)
    # a member who rejoins within this period is not greeted again
    regreet_after: Duration = timedelta(days=30)
    # other rules treat members as newcomers for this long after they join
    newcomer_window: Duration = timedelta(days=7)
    greet_bots: bool = False
