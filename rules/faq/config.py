"""The FAQ (常见问题库) section of a playbook."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator, model_validator

from bot.configmodel import ConfigModel, Duration, SectionConfig, TemplateText
from rules.antispam.safe_regex import compile_operator_regex


class Entry(ConfigModel):
    id: str = Field(min_length=1, max_length=64)
    # how /faq lists it for members (default: its first keyword)
    question: str | None = Field(default=None, max_length=200)
    # any of these: Chinese keywords match inside a sentence, latin ones whole words only
    keywords: list[str] = Field(default_factory=list)
    # or regular expressions (RE2: linear time, case-insensitive)
    patterns: list[str] = Field(default_factory=list)
    answer: TemplateText  # {member} {community}
    channels: list[str] = Field(default_factory=list)  # only here (empty: everywhere)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            compile_operator_regex(pattern)
        return patterns

    @model_validator(mode="after")
    def _something_to_match(self) -> Entry:
        if not self.keywords and not self.patterns:
            raise ValueError(f"FAQ entry {self.id!r} needs `keywords` or `patterns`")
        return self


class FaqConfig(SectionConfig):
    entries: list[Entry] = Field(default_factory=list)
    # the same answer is not repeated in one channel within this period
    cooldown: Duration = timedelta(minutes=10)
    # members only: moderators' messages are never answered
    ignore_moderators: bool = True
    top_size: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _unique_ids(self) -> FaqConfig:
        ids = [e.id for e in self.entries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"FAQ entry ids must be unique; repeated: {', '.join(dupes)}")
        return self
