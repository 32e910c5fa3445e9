"""Playbooks: the schema assembled from capabilities, the located-error loader, hot reload."""

from bot.playbook.loader import PlaybookInvalid, PlaybookProblem, load_playbook, parse_playbook
from bot.playbook.manager import PlaybookManager, ReloadResult
from bot.playbook.schema import CommunitySettings, build_playbook_model

__all__ = [
    "CommunitySettings",
    "PlaybookInvalid",
    "PlaybookManager",
    "PlaybookProblem",
    "ReloadResult",
    "build_playbook_model",
    "load_playbook",
    "parse_playbook",
]
