"""The weekly health report's playbook section (`report:`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, ValidationInfo, field_validator

from bot.configmodel import SectionConfig
from bot.reports.charts import CHARTS
from bot.reports.score import HealthConfig

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ChartName = Literal["activity", "heatmap", "tiers", "score"]
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class WeeklyReportConfig(SectionConfig):
    # when the weekly report is posted, in the community's timezone
    weekday: Weekday = "mon"
    time: str = "09:00"
    # where it goes; default: community.mod_log_channel, else community.default_channel
    channel: str | None = None
    # language of the report; default: community.language
    language: Literal["en", "zh"] | None = None
    # the charts posted after the text, one image per post, in this order
    charts: tuple[ChartName, ...] = ("activity", "heatmap", "tiers", "score")
    # where chart images are written (one folder per community and week); a relative path is
    # relative to the playbook file's folder, so it does not depend on where qunbot is started
    output_dir: str = Field(default="reports", validate_default=True)
    top_contributors: PositiveInt = Field(default=5, le=50)
    # post even when the week had no activity ("no data")
    post_when_empty: bool = True
    health: HealthConfig = Field(default_factory=HealthConfig)

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _TIME.match(value.strip()):
            raise ValueError(f"expected a time of day such as '09:00' or '18:30', got {value!r}")
        return value.strip()

    @field_validator("output_dir")
    @classmethod
    def _relative_to_playbook(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError("output_dir is empty: name a folder such as 'reports'")
        path = Path(value.strip()).expanduser()
        base = (info.context or {}).get("base_dir")
        if path.is_absolute() or base is None:
            return str(path)
        return str((Path(base) / path).resolve())

    @field_validator("charts")
    @classmethod
    def _known_charts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        assert set(value) <= set(CHARTS)  # guaranteed by the Literal; keeps the lists in step
        return tuple(dict.fromkeys(value))

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.time.split(":")
        return int(hour), int(minute)
