"""The playbook editor: the same checker as `qunbot playbook check`, save only when valid and
only over what was opened, hot reload, diff, dry run, and bad input refused with nothing
written."""

from __future__ import annotations

import asyncio
import re

import httpx

from bot.playbook import PlaybookInvalid, load_playbook
from bot.web import WebContext, create_app
from tests.web.conftest import ADMIN_TOKEN

EDITOR = "/playbook/default.yaml"


async def open_editor(dash) -> tuple[str, str, str]:
    page = await dash.client.get(EDITOR)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    base = re.search(r'name="base" value="([^"]+)"', page.text).group(1)
    return page.text, csrf, base


def broken(text: str) -> tuple[str, int]:
    """The playbook with a misspelt key in the welcome section, and that key's line."""
    edited = text.replace("  greeting:", "  greting:", 1)
    line = edited.splitlines().index(next(x for x in edited.splitlines() if "greting:" in x))
    return edited, line + 1


async def test_the_editor_opens_the_running_playbook_as_valid(dash):
    await dash.sign_in()
    page, _, _ = await open_editor(dash)
    assert "✓ valid" in page
    assert "qunbot demo" in page  # the YAML itself, escaped in the textarea
    assert 'id="problems" class="bad"></ul>' in page


async def test_a_keystroke_check_shows_the_same_problems_as_playbook_check(dash, tmp_path):
    await dash.sign_in()
    _, csrf, _ = await open_editor(dash)
    edited, line = broken(dash.playbook.read_text())
    r = await dash.client.post(
        f"{EDITOR}/check", json={"text": edited}, headers={"X-CSRF-Token": csrf}
    )
    found = r.json()
    assert r.status_code == 200 and not found["ok"]
    # what the terminal says for the same text
    copy = dash.playbook.with_name("copy.yaml")
    copy.write_text(edited)
    try:
        load_playbook(copy, dash.bot.runtime.playbooks.default.model)
        raise AssertionError("the CLI checker accepted it")
    except PlaybookInvalid as exc:
        cli = [(p.line, p.column, p.path, p.message) for p in exc.problems]
    web = [(p["line"], p["column"], p["path"], p["message"]) for p in found["problems"]]
    assert web == sorted(cli)
    assert web[0][0] == line and "did you mean 'greeting'" in web[0][3]
    assert any(d.startswith("+") and "greting" in d for d in found["diff"])


async def test_check_without_script_marks_the_error_line_and_saves_nothing(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    before = dash.playbook.read_text()
    edited, line = broken(before)
    r = await dash.client.post(
        EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": edited}
    )
    assert r.status_code == 422 and "Not saved" in r.text
    assert f'<div data-line="{line}" class="err">{line}</div>' in r.text
    assert f"line {line}, column" in r.text
    assert dash.playbook.read_text() == before
    assert dash.bot.runtime.playbooks.default.version == 1


async def test_a_valid_save_writes_reloads_and_is_audited_with_who(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    before = dash.playbook.read_text()
    edited = before.replace('name: "qunbot demo"', 'name: "Renamed club"', 1)
    r = await dash.client.post(
        EDITOR, data={"csrf": csrf, "base": base, "do": "check", "text": edited}
    )
    assert '<span class="del">-  name: &#34;qunbot demo&#34;' in r.text  # the diff first
    assert dash.playbook.read_text() == before
    r = await dash.client.post(
        EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": edited}
    )
    assert r.status_code == 200 and "Saved and reloaded" in r.text
    assert dash.playbook.read_text() == edited
    manager = dash.bot.runtime.playbooks.default
    assert manager.version == 2 and manager.current.community.name == "Renamed club"
    ref = dash.ref
    log = await dash.bot.runtime.store.audit_log(ref, limit=5)
    saved = [e for e in log if e["action"] == "playbook_save"]
    assert saved and saved[-1]["reason"] == "by admin token (admin) from the web dashboard"
    assert "+1 −1 lines" in saved[-1]["detail"]
    # the bot now greets with the new name
    dash.bot.clear()
    await dash.bot.join("dave")
    assert any("Renamed club" in t for t in dash.bot.texts())


async def test_saving_twice_at_once_refuses_the_second(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    before = dash.playbook.read_text()
    first = before.replace('name: "qunbot demo"', 'name: "First"', 1)
    second = before.replace('name: "qunbot demo"', 'name: "Second"', 1)
    results = await asyncio.gather(
        *(
            dash.client.post(EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": t})
            for t in (first, second)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409]
    # which of the two wins is a race; the other is refused and keeps its text in the editor
    (saved,) = (t for t, r in zip((first, second), results, strict=True) if r.status_code == 200)
    refused = next(r for r in results if r.status_code == 409)
    assert "changed since you opened it" in refused.text
    lost_name = "Second" if saved is first else "First"
    assert lost_name in refused.text  # the refused edit is still in the editor, not lost
    assert dash.playbook.read_text() == saved
    assert dash.bot.runtime.playbooks.default.version == 2


async def test_two_dashboards_saving_the_same_file_at_once_refuse_the_second(dash):
    # `qunbot run` and `qunbot web` on the same playbook folder: two dashboards, each with
    # its own in-process lock; the file itself is the lock they share
    other_ctx = WebContext(dash.bot.runtime, dash.ctx.config, ADMIN_TOKEN, now=dash.clock)
    transport = httpx.ASGITransport(app=create_app(other_ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
        await dash.sign_in()
        login = await other.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
        await other.post("/login", data={"csrf": token, "token": ADMIN_TOKEN, "next": "/"})
        _, csrf, base = await open_editor(dash)
        page = await other.get(EDITOR)
        other_csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        assert re.search(r'name="base" value="([^"]+)"', page.text).group(1) == base
        before = dash.playbook.read_text()
        first = before.replace('name: "qunbot demo"', 'name: "First"', 1)
        second = before.replace('name: "qunbot demo"', 'name: "Second"', 1)
        results = await asyncio.gather(
            dash.client.post(
                EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": first}
            ),
            other.post(
                EDITOR, data={"csrf": other_csrf, "base": base, "do": "save", "text": second}
            ),
        )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.status_code for r in results]
    refused = next(r for r in results if r.status_code == 409)
    assert "changed since you opened it" in refused.text
    (saved,) = (t for t, r in zip((first, second), results, strict=True) if r.status_code == 200)
    assert dash.playbook.read_text() == saved  # the one that was told "saved" is on disk


async def test_a_playbook_that_is_a_symlink_stays_one_after_a_save(dash):
    # deployments often link the playbook from a folder kept elsewhere (config management)
    real = dash.playbook.parent / "shared" / "default.yaml"
    real.parent.mkdir()
    real.write_text(dash.playbook.read_text())
    dash.playbook.unlink()
    dash.playbook.symlink_to(real)
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    edited = real.read_text().replace('name: "qunbot demo"', 'name: "Linked"', 1)
    r = await dash.client.post(
        EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": edited}
    )
    assert r.status_code == 200 and "Saved and reloaded" in r.text
    assert dash.playbook.is_symlink() and real.read_text() == edited
    assert dash.bot.runtime.playbooks.default.version == 2


async def test_a_file_edited_outside_since_opening_is_not_overwritten(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    outside = dash.playbook.read_text() + "\n# edited on the server\n"
    dash.playbook.write_text(outside)
    r = await dash.client.post(
        EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": "community: {}\n"}
    )
    assert r.status_code == 409
    assert dash.playbook.read_text() == outside


async def test_huge_binary_and_non_utf8_uploads_are_refused_with_nothing_written(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    before = dash.playbook.read_text()
    limit = dash.ctx.config.max_upload_bytes
    cases = [
        (b"a: b\n" * (limit // 5 + 10), 413, "Too big"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 400, "binary file"),
        ("community:\n  name: caf\xe9\n".encode("latin-1"), 400, "Not UTF-8"),
    ]
    for data, status, words in cases:
        r = await dash.client.post(
            EDITOR,
            data={"csrf": csrf, "base": base, "do": "save"},
            files={"upload": ("playbook.yaml", data, "application/octet-stream")},
        )
        assert r.status_code == status, (words, r.text[:500])
        assert words in r.text
        assert dash.playbook.read_text() == before
    # far over the limit: refused from the request's size alone
    r = await dash.client.post(
        EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": "x" * (limit * 3)}
    )
    assert r.status_code == 413
    assert dash.playbook.read_text() == before
    assert dash.bot.runtime.playbooks.default.version == 1


async def test_a_valid_upload_is_saved(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    edited = dash.playbook.read_text().replace("qunbot demo", "Uploaded", 1)
    r = await dash.client.post(
        EDITOR,
        data={"csrf": csrf, "base": base, "do": "save"},
        files={"upload": ("mine.yaml", edited.encode(), "text/yaml")},
    )
    assert r.status_code == 200 and dash.playbook.read_text() == edited
    log = await dash.bot.runtime.store.audit_log(dash.ref, limit=5)
    assert [e["reason"] for e in log if e["action"] == "playbook_save"] == [
        "by admin token (admin) from the web dashboard"
    ]


async def test_paths_that_leave_the_playbook_folder_are_refused(dash):
    await dash.sign_in()
    (dash.playbook.parent / "notes.yaml").write_text("secret: 1\n")
    for path in (
        "/playbook/..%2F..%2Fetc%2Fpasswd",
        "/playbook/%2E%2E/bot.db",
        "/playbook/%2Fetc%2Fpasswd",
    ):
        r = await dash.client.get(path)
        assert r.status_code in (400, 404), path
        assert "outside the playbook folder" in r.text or "not a playbook" in r.text, path
        assert "root:" not in r.text
    r = await dash.client.get("/playbook/notes.yaml")
    assert r.status_code == 404 and "not a playbook this bot runs" in r.text
    _, csrf, _ = await open_editor(dash)
    r = await dash.client.post(
        "/playbook/..%2Fbot.db", data={"csrf": csrf, "do": "save", "text": "x: 1\n"}
    )
    assert r.status_code == 400
    assert (dash.playbook.parent / "notes.yaml").read_text() == "secret: 1\n"


async def test_the_dry_run_uses_the_edited_version_and_changes_nothing(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    before = dash.playbook.read_text()
    probe = "see you at the zorblax meetup tomorrow"
    r = await dash.client.post(
        EDITOR,
        data={"csrf": csrf, "base": base, "do": "explain", "text": before, "probe": probe},
    )
    assert r.status_code == 200 and 'id="explain"' in r.text
    assert "keyword &#39;zorblax&#39;" not in r.text  # the running version lets it pass
    edited = before.replace("keywords: [代开发票,", "keywords: [zorblax, 代开发票,", 1)
    assert edited != before, "the test playbook has no ads keywords to extend"
    r = await dash.client.post(
        EDITOR,
        data={"csrf": csrf, "base": base, "do": "explain", "text": edited, "probe": probe},
    )
    assert r.status_code == 200, r.text[:2000]
    assert "✓ <strong>antispam.enforce</strong>: ads: keyword &#39;zorblax&#39;" in r.text
    assert dash.playbook.read_text() == before
    assert dash.bot.runtime.playbooks.default.version == 1


async def test_a_save_without_a_playbook_or_with_an_empty_one_writes_nothing(dash):
    # an empty file passes `playbook check` (every default); a save must not wipe the playbook
    # because a form arrived truncated or without its text
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    before = dash.playbook.read_text()
    r = await dash.client.post(EDITOR, data={"csrf": csrf, "base": base, "do": "save"})
    assert r.status_code == 400 and "carried no playbook" in r.text
    for empty in ("", "\n  \n"):
        r = await dash.client.post(
            EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": empty}
        )
        assert r.status_code == 422 and "the playbook is empty" in r.text
    r = await dash.client.post(
        EDITOR,
        data={"csrf": csrf, "base": base, "do": "save"},
        files={"upload": ("empty.yaml", b"", "text/yaml")},
    )
    assert r.status_code in (400, 422) and "Nothing was written" in r.text
    assert dash.playbook.read_text() == before
    assert dash.bot.runtime.playbooks.default.version == 1
    # on purpose, one setting is enough
    r = await dash.client.post(
        EDITOR, data={"csrf": csrf, "base": base, "do": "save", "text": "version: 1\n"}
    )
    assert r.status_code == 200 and dash.playbook.read_text() == "version: 1\n"


async def test_a_post_of_unknown_size_is_refused_before_it_is_read(dash):
    await dash.sign_in()
    _, csrf, base = await open_editor(dash)
    before = dash.playbook.read_text()

    async def endless():  # chunked: no Content-Length to check against the limit
        yield f"csrf={csrf}&base={base}&do=save&text=".encode()
        for _ in range(64):
            yield b"x" * 65536

    r = await dash.client.post(
        EDITOR, content=endless(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 411 and "Content-Length" in r.text
    assert dash.playbook.read_text() == before
