"""The dashboard on a real socket: `qunbot run` with `web.enabled` serves it from the bot's own
event loop (uvicorn on 127.0.0.1), and a person signs in, opens a page and saves the playbook
over HTTP. Plus the start-up errors an operator can make."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from adapters.recording import RecordingAdapter
from bot.cli import build_app
from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-long-enough-admin-token-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmp_path: Path, web: str) -> Path:
    books = tmp_path / "playbooks"
    books.mkdir(exist_ok=True)
    shutil.copy(ROOT / "playbooks" / "default.yaml", books / "default.yaml")
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database: {{url: 'sqlite:///{tmp_path / 'bot.db'}'}}\n"
        f"playbook: {books / 'default.yaml'}\n"
        "adapters:\n  telegram: {enabled: true}\n"
        f"web:\n{web}",
        encoding="utf-8",
    )
    return path


class PlatformDouble(RecordingAdapter):
    """Stands in for Telegram; remembers the commands the bot registered."""

    registered: list[str] = []

    async def start(self, sink: object, commands: object) -> None:
        PlatformDouble.registered = [c.name for c in commands]  # type: ignore[attr-defined]


async def test_qunbot_run_serves_the_dashboard_in_its_own_loop(tmp_path, monkeypatch):
    import bot.cli.serve as serve_mod

    port = free_port()
    path = write_config(tmp_path, f"  enabled: true\n  port: {port}\n")
    monkeypatch.setenv("QUNBOT_WEB_TOKEN", TOKEN)
    monkeypatch.setattr(
        serve_mod, "build_adapters", lambda cfg: {"telegram": PlatformDouble(platform="telegram")}
    )
    bot = asyncio.create_task(serve_mod.serve_main(load_config(path)))
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            for _ in range(200):  # until the server listens
                try:
                    login = await client.get("/login")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"nothing listens on {base}")
            for _ in range(200):  # the platform starts right after the dashboard
                if PlatformDouble.registered:
                    break
                await asyncio.sleep(0.05)
            assert "dashboard" in PlatformDouble.registered  # /dashboard reached the platform
            assert (await client.get("/")).status_code == 303  # signed out: nothing served
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
            r = await client.post("/login", data={"csrf": csrf, "token": TOKEN, "next": "/"})
            assert r.status_code == 303
            home = await client.get("/")
            assert home.status_code == 200 and "default.yaml" in home.text
            editor = await client.get("/playbook/default.yaml")
            csrf = re.search(r'name="csrf" value="([^"]+)"', editor.text).group(1)
            base_hash = re.search(r'name="base" value="([^"]+)"', editor.text).group(1)
            book = tmp_path / "playbooks" / "default.yaml"
            edited = book.read_text().replace("qunbot demo", "Served over HTTP", 1)
            r = await client.post(
                "/playbook/default.yaml",
                data={"csrf": csrf, "base": base_hash, "do": "save", "text": edited},
            )
            assert r.status_code == 200 and "Saved and reloaded" in r.text
            assert book.read_text() == edited
            again = await client.get("/playbook/default.yaml")
            # reloaded (by the save, and maybe again by the file watcher): it runs the edit
            assert int(re.search(r"running version (\d+)", again.text).group(1)) >= 2
            assert "(no change)" in again.text
    finally:
        os.kill(os.getpid(), signal.SIGTERM)  # what stops `qunbot run`
        await asyncio.wait_for(bot, 20)
    with socket.socket() as s:  # the dashboard stopped with the bot
        assert s.connect_ex(("127.0.0.1", port)) != 0


async def test_a_port_in_use_is_one_readable_error(tmp_path, monkeypatch):
    import bot.cli.serve as serve_mod

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        path = write_config(tmp_path, f"  enabled: true\n  port: {port}\n")
        monkeypatch.setenv("QUNBOT_WEB_TOKEN", TOKEN)
        monkeypatch.setattr(
            serve_mod, "build_adapters", lambda cfg: {"telegram": RecordingAdapter("telegram")}
        )
        with pytest.raises(ConfigError, match=f"could not listen on 127.0.0.1:{port}"):
            await serve_mod.serve_main(load_config(path))


def test_the_dashboard_does_not_start_without_its_token(tmp_path, monkeypatch):
    monkeypatch.delenv("QUNBOT_WEB_TOKEN", raising=False)
    path = write_config(tmp_path, "  enabled: true\n")
    result = CliRunner().invoke(build_app(), ["web", "--config", str(path), "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "QUNBOT_WEB_TOKEN" in result.output and "export" in result.output
    assert "Traceback" not in result.output


def test_a_wrong_web_section_names_the_key(tmp_path):
    path = write_config(tmp_path, "  enabled: true\n  port: 99999\n  colour: blue\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "web.port" in str(exc.value) and "web.colour" in str(exc.value)


def test_the_web_defaults_keep_it_local():
    cfg = load_config(None)
    assert cfg.web.enabled is False and cfg.web.host == "127.0.0.1"
