"""`qunbot init [DIR]`: a commented playbook and a deployment config to start from."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from rich.console import Console

from bot.cli.common import fail

CONFIG = {
    "en": """\
# qunbot deployment config, written by `qunbot init`. Start the bot with:
#   qunbot run --config {config}
# Tokens are never written here: they are read from the environment variables named below.

database:
  # SQLite (one process) or PostgreSQL (several processes):
  #   url: postgresql://qunbot@127.0.0.1:5432/qunbot
  url: sqlite:///data/qunbot.db

# the playbook every community uses; a path relative to this file
playbook: {playbook}

# other playbooks for some communities (a Discord guild or a Telegram chat), e.g.
# communities:
#   - platform: telegram
#     id: "-1001234567890"
#     playbook: other.yaml

adapters:
  discord:
    enabled: false           # true, then: export DISCORD_TOKEN=...
    token_env: DISCORD_TOKEN
  telegram:
    enabled: false           # true, then: export TELEGRAM_BOT_TOKEN=...
    token_env: TELEGRAM_BOT_TOKEN
    mode: polling            # or webhook (then set webhook_url)

log_level: INFO
""",
    "zh": """\
# qunbot 部署配置，由 `qunbot init` 生成。启动机器人：
#   qunbot run --config {config}
# 令牌（token）不写在这里：从下面指定的环境变量读取。

database:
  # SQLite（单进程）或 PostgreSQL（多进程）：
  #   url: postgresql://qunbot@127.0.0.1:5432/qunbot
  url: sqlite:///data/qunbot.db

# 所有社群默认使用的剧本；路径相对于本文件
playbook: {playbook}

# 个别社群（Discord 服务器或 Telegram 群）用其他剧本，例如：
# communities:
#   - platform: telegram
#     id: "-1001234567890"
#     playbook: other.yaml

adapters:
  discord:
    enabled: false           # 改为 true，然后：export DISCORD_TOKEN=...
    token_env: DISCORD_TOKEN
  telegram:
    enabled: false           # 改为 true，然后：export TELEGRAM_BOT_TOKEN=...
    token_env: TELEGRAM_BOT_TOKEN
    mode: polling            # 或 webhook（同时填写 webhook_url）

log_level: INFO
""",
}

NEXT = {
    "en": """Wrote {playbook} and {config}. Next:
  qunbot playbook check {playbook}     validate it after each edit
  qunbot console --playbook {playbook}  try it in the terminal
  qunbot run --config {config}          on Discord/Telegram (enable one in the config first)""",
    "zh": """已生成 {playbook} 和 {config}。接下来：
  qunbot playbook check {playbook}     每次修改后检查剧本
  qunbot console --playbook {playbook}  在终端里试用
  qunbot run --config {config}          接入 Discord/Telegram（先在配置里启用一个平台）""",
}


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        folder: Path = typer.Argument(
            Path("."), help="where to write playbook.yaml and config.yaml"
        ),
        language: str = typer.Option(
            "en", "--language", "-l", help="en (an English community) or zh (a Chinese one)"
        ),
        force: bool = typer.Option(False, "--force", help="overwrite files that exist"),
    ) -> None:
        """Write a commented playbook and a deployment config to start from."""
        from bot.shipped import shipped_playbook

        if language not in CONFIG:
            fail(f"--language must be en or zh, not {language!r}")
        playbook = folder / "playbook.yaml"
        config = folder / "config.yaml"
        existing = [str(p) for p in (playbook, config) if p.exists()]
        if existing and not force:
            fail(f"{' and '.join(existing)} already exist: keep them, or pass --force")
        folder.mkdir(parents=True, exist_ok=True)
        source = shipped_playbook("zh-learning" if language == "zh" else "default")
        shutil.copyfile(source, playbook)
        config.write_text(
            CONFIG[language].format(config=config, playbook=playbook.name), encoding="utf-8"
        )
        Console(highlight=False, soft_wrap=True).print(
            NEXT[language].format(playbook=playbook, config=config), markup=False
        )
