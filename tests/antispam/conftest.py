"""A playbook exercising every anti-spam trigger, shared by the whole-pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import BotHarness

ROOT = Path(__file__).resolve().parents[2]

PLAYBOOK = """
community: {name: Makers, mod_log_channel: mod-log, moderator_roles: [mods]}
welcome: {enabled: false, newcomer_window: 7d}
moderation:
  warnings:
    expire_after: 7d
    ladder:
      - {warnings: 2, action: timeout, duration: 10m}
      - {warnings: 3, action: timeout, duration: 1d}
      - {warnings: 5, action: ban}
antispam:
  classifier: {apply_to: first_messages, first_messages: 3}
  raid: {joins: 5, window: 1m, quiet_period: 10m, newcomers: timeout, restrict_for: 1h}
  rules:
    - name: ads
      triggers:
        keywords: [加微信, 代开发票, 兼职刷单, free crypto, ass]
      actions: {delete: true, warn: 1, reply: "{member}, no ads please."}
    - name: bad-links
      triggers:
        links: {deny_domains: [scam.example], invites: true}
        regex: ['casino\\d+']
      actions: {delete: true, alert: true}
    - name: flood
      triggers:
        flood: {messages: 5, window: 10s}
        duplicates: {count: 3, window: 1m}
      actions: {delete: true, timeout: 5m}
      cooldown: 1m
    - name: mentions
      triggers: {mentions: {max: 4}}
      actions: {delete: true, warn: 1}
    - name: noise
      triggers:
        caps: {min_letters: 15, ratio: 0.8}
        emoji: {max: 8}
        repeated_chars: {max_run: 10}
      actions: {reply: "{member}, please calm down."}
      exempt_roles: [vip]
      channels: [general]
    - name: classifier
      triggers: {classifier: true}
      actions: {delete: true, alert: true}
"""


@pytest.fixture
async def bot(tmp_path):
    harness = await BotHarness.start(tmp_path, PLAYBOOK)
    harness.moderators.add("mod")
    yield harness
    await harness.close()


@pytest.fixture
async def shipped(tmp_path):
    """The bot on playbooks/default.yaml exactly as shipped, with one moderator, `mod`."""
    harness = await BotHarness.start(tmp_path, playbook=ROOT / "playbooks" / "default.yaml")
    harness.moderators.add("mod")
    yield harness
    await harness.close()
