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
import sys
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


async def test_qunbot_web_alone_signs_in_with_the_variables_its_config_names(tmp_path):
    """`qunbot web` as an operator starts it: its own process, the tokens in the environment
    variables named by web.token_env / web.moderator_token_env (not the default name)."""
    port = free_port()
    path = write_config(
        tmp_path, "  token_env: SHOP_DASH_TOKEN\n  moderator_token_env: SHOP_DASH_MODS\n"
    )
    mods = "moderators-token-for-the-shop-0123"
    env = {
        **os.environ,
        "SHOP_DASH_TOKEN": TOKEN,
        "SHOP_DASH_MODS": mods,
        "QUNBOT_WEB_TOKEN": "the-default-variable-is-not-read-0123",
    }
    qunbot = Path(sys.executable).with_name("qunbot")
    proc = await asyncio.create_subprocess_exec(
        str(qunbot), "web", "--config", str(path), "--port", str(port),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
        client.cookies.clear()
        login = await client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        return await client.post("/login", data={"csrf": csrf, "token": token, "next": "/"})

    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            for _ in range(400):  # until the server listens
                try:
                    login = await client.get("/login")
                    break
                except httpx.ConnectError:
                    assert proc.returncode is None, await proc.stdout.read()
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"nothing listens on {base}")
            assert "SHOP_DASH_TOKEN" in login.text  # the page says where the token is
            r = await sign_in(client, env["QUNBOT_WEB_TOKEN"])
            assert r.status_code == 401 and "SHOP_DASH_TOKEN" in r.text
            r = await sign_in(client, mods)
            assert r.status_code == 303
            editor = await client.get("/playbook/default.yaml")
            assert editor.status_code == 200 and "Read-only" in editor.text
            r = await sign_in(client, TOKEN)
            assert r.status_code == 303
            home = await client.get("/")
            assert home.status_code == 200 and "default.yaml" in home.text
            assert "admin" in home.text
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert b"Traceback" not in out, out.decode()
    assert b"sign in with $SHOP_DASH_TOKEN" in out
