"""Who gets in, for how long, and what they may change."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.store import dashboard as q
from rules.moderation import store as mod_store
from tests.web.conftest import ADMIN_TOKEN, MOD_TOKEN

PAGES = ("report", "cases", "members", "calendar", "cases/1", "members/bob", "report/file.md")


async def test_nothing_is_served_without_signing_in(dash):
    for path in ["/", *(dash.page(p) for p in PAGES), "/playbook/default.yaml"]:
        r = await dash.client.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?why=signin"), path
        assert "qunbot demo" not in r.text
    before = dash.playbook.read_text()
    r = await dash.client.post("/playbook/default.yaml", data={"do": "save", "text": "x: 1"})
    assert r.status_code == 401 and "Sign in first" in r.text
    r = await dash.client.post("/playbook/default.yaml/check", json={"text": "x"})
    assert r.status_code == 401 and r.json()["error"]
    assert dash.playbook.read_text() == before


async def test_a_wrong_token_is_refused_and_names_the_variable(dash):
    r = await dash.sign_in("not-the-token-at-all")
    assert r.status_code == 401
    assert "QUNBOT_WEB_TOKEN" in r.text
    assert "qb_session" not in r.headers.get("set-cookie", "")
    assert (await dash.client.get("/")).status_code == 303


async def test_the_admin_token_signs_in_and_returns_to_the_page_asked_for(dash):
    wanted = dash.page("members")
    r = await dash.client.get(wanted)
    assert r.status_code == 303
    csrf = await dash.csrf_of(r.headers["location"])
    r = await dash.client.post("/login", data={"csrf": csrf, "token": ADMIN_TOKEN, "next": wanted})
    assert r.status_code == 303 and r.headers["location"] == wanted
    page = await dash.client.get(wanted)
    assert page.status_code == 200 and "alice" in page.text and "admin" in page.text


async def test_sign_in_never_redirects_to_another_site(dash):
    csrf = await dash.csrf_of("/login")
    r = await dash.client.post(
        "/login", data={"csrf": csrf, "token": ADMIN_TOKEN, "next": "//evil.example/x"}
    )
    assert r.headers["location"] == "/"


async def test_a_session_expires_and_then_nothing_is_changed(dash):
    await dash.sign_in()
    editor = await dash.client.get("/playbook/default.yaml")
    csrf = re.search(r'name="csrf" value="([^"]+)"', editor.text).group(1)
    base = re.search(r'name="base" value="([^"]+)"', editor.text).group(1)
    dash.clock.shift = timedelta(minutes=dash.ctx.config.session_minutes + 1)
    r = await dash.client.get(dash.page("cases"))
    assert r.status_code == 303 and "why=expired" in r.headers["location"]
    login = await dash.client.get(r.headers["location"])
    assert "Your session expired" in login.text
    before = dash.playbook.read_text()
    r = await dash.client.post(
        "/playbook/default.yaml",
        data={"csrf": csrf, "base": base, "do": "save", "text": before + "\n# edited\n"},
    )
    assert r.status_code == 401 and "session expired" in r.text
    assert dash.playbook.read_text() == before


async def test_a_forged_form_post_is_refused_before_anything_runs(dash):
    await dash.sign_in()
    editor = await dash.client.get("/playbook/default.yaml")
    base = re.search(r'name="base" value="([^"]+)"', editor.text).group(1)
    before = dash.playbook.read_text()
    edited = before.replace("qunbot demo", "forged")
    for csrf in (None, "0" * 64):
        data = {"base": base, "do": "save", "text": edited}
        if csrf:
            data["csrf"] = csrf
        r = await dash.client.post("/playbook/default.yaml", data=data)
        assert r.status_code == 403 and "security token" in r.text
    r = await dash.client.post(dash.page("cases/1/reverse"), data={"csrf": "nope"})
    assert r.status_code == 403
    r = await dash.client.post(
        "/playbook/default.yaml/check", json={"text": edited}, headers={"X-CSRF-Token": "x"}
    )
    assert r.status_code == 403
    r = await dash.client.post("/logout", data={})
    assert r.status_code == 403
    assert dash.playbook.read_text() == before
    assert dash.ctx.runtime.playbooks.default.version == 1


async def test_the_sign_in_form_itself_needs_its_csrf_token(dash):
    await dash.client.get("/login")  # sets the pre-session cookie
    r = await dash.client.post("/login", data={"csrf": "guess", "token": ADMIN_TOKEN})
    assert r.status_code == 403
    assert (await dash.client.get("/")).status_code == 303


async def test_moderators_read_everything_and_change_nothing(dash):
    r = await dash.sign_in(MOD_TOKEN)
    assert r.status_code == 303
    for p in PAGES:
        assert (await dash.client.get(dash.page(p))).status_code == 200, p
    editor = await dash.client.get("/playbook/default.yaml")
    assert "Read-only" in editor.text and 'id="save"' not in editor.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', editor.text).group(1)
    base = re.search(r'name="base" value="([^"]+)"', editor.text).group(1)
    before = dash.playbook.read_text()
    r = await dash.client.post(
        "/playbook/default.yaml",
        data={"csrf": csrf, "base": base, "do": "save", "text": before + "# x\n"},
    )
    assert r.status_code == 403 and "read-only" in r.text
    assert dash.playbook.read_text() == before
    r = await dash.client.post(dash.page("cases/1/reverse"), data={"csrf": csrf})
    assert r.status_code == 403
    case = await dash.client.get(dash.page("cases/1"))
    assert "not reversed" in case.text
    # checking and dry runs change nothing: moderators may use them
    r = await dash.client.post(
        "/playbook/default.yaml/check", json={"text": before}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and r.json()["ok"]


async def test_a_one_time_link_from_slash_dashboard_signs_in_once(dash):
    link = await dash.dashboard_link()
    assert link.startswith("http://dash.test/login/link/")
    path = link.removeprefix("http://dash.test")
    # opening it (or a chat app's link preview) does not use it up
    for _ in range(2):
        page = await dash.client.get(path)
        assert page.status_code == 200 and "Boss" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    token = path.rsplit("/", 1)[1]
    r = await dash.client.post("/login/link", data={"csrf": csrf, "link": token})
    assert r.status_code == 303
    home = await dash.client.get("/")
    assert home.status_code == 200 and "Boss (test) · admin" in home.text
    dash.client.cookies.clear()
    again = await dash.client.get(path)
    assert again.status_code == 410 and "already used" in again.text


async def test_a_link_expires_and_a_moderator_link_is_read_only(dash):
    old = await dash.dashboard_link()
    dash.clock.shift = timedelta(minutes=dash.ctx.config.link_minutes + 1)
    r = await dash.client.get(old.removeprefix("http://dash.test"))
    assert r.status_code == 410 and "expired" in r.text
    dash.clock.shift = timedelta()
    await dash.bot.advance(timedelta(minutes=dash.ctx.config.link_minutes + 2))
    link = await dash.dashboard_link(admin=False)
    assert "moderator" in (dash.bot.actions[0].text_shown or "")
    path = link.removeprefix("http://dash.test")
    page = await dash.client.get(path)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    await dash.client.post("/login/link", data={"csrf": csrf, "link": path.rsplit("/", 1)[1]})
    editor = await dash.client.get("/playbook/default.yaml")
    assert editor.status_code == 200 and "Read-only" in editor.text


async def test_members_cannot_ask_for_a_link_and_links_never_show_in_the_dashboard(dash):
    dash.bot.clear()
    await dash.bot.command("alice", "dashboard")
    assert [a.kind for a in dash.bot.actions] == ["reply"]
    assert "moderator" in dash.bot.actions[0].text_shown  # "/dashboard needs a moderator"
    link = await dash.dashboard_link()
    ref = dash.ref
    shown = await q.member_audit(dash.bot.runtime.store, ref, "boss")
    dm = [e for e in shown if e["action"] == "send_direct"]
    assert dm and "/login/link/…" in dm[0]["text"]
    assert not any(link.rsplit("/", 1)[1] in (e["text"] or "") for e in shown)


async def test_signing_out_ends_the_session_on_the_server(dash):
    await dash.sign_in()
    cookie = dash.client.cookies.get("qb_session")
    csrf = await dash.csrf_of("/")
    r = await dash.client.post("/logout", data={"csrf": csrf})
    assert r.status_code == 303
    dash.client.cookies.set("qb_session", cookie)  # a copied cookie is dead too
    assert (await dash.client.get("/")).status_code == 303


async def test_pages_carry_security_headers_and_cookies_are_http_only(dash):
    r = await dash.sign_in()
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=lax" in r.headers["set-cookie"].lower()
    page = await dash.client.get("/")
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.headers["referrer-policy"] == "no-referrer"


def sample_paths(dash) -> dict[str, str]:
    """A real URL for every route of the app (a route added without one fails the tests below,
    so every route is checked)."""
    c = f"/c/{dash.community_id}"
    return {
        "/login": "/login",
        "/login/link": "/login/link",
        "/login/link/{token}": "/login/link/not-a-real-link",
        "/logout": "/logout",
        "/": "/",
        "/c/{cid:int}": c,
        "/c/{cid:int}/report": f"{c}/report",
        "/c/{cid:int}/report/file.{fmt}": f"{c}/report/file.md",
        "/c/{cid:int}/cases": f"{c}/cases",
        "/c/{cid:int}/cases/{number:int}": f"{c}/cases/1",
        "/c/{cid:int}/cases/{number:int}/reverse": f"{c}/cases/1/reverse",
        "/c/{cid:int}/members": f"{c}/members",
        "/c/{cid:int}/members/{uid}/export.json": f"{c}/members/bob/export.json",
        "/c/{cid:int}/members/{uid}": f"{c}/members/bob",
        "/c/{cid:int}/calendar": f"{c}/calendar",
        "/c/{cid:int}/playbook": f"{c}/playbook",
        "/playbook/{name:path}/check": "/playbook/default.yaml/check",
        "/playbook/{name:path}": "/playbook/default.yaml",
    }


def app_routes(dash) -> list[tuple[str, str, set[str]]]:
    samples = sample_paths(dash)
    app = dash.client._transport.app  # the ASGI app under test
    found = [(r.path, samples.get(r.path, ""), set(r.methods or ())) for r in app.routes]
    missing = [p for p, url, _ in found if not url]
    assert not missing, f"add a sample URL for {missing}"
    return found


PUBLIC_ROUTES = {"/login", "/login/link", "/login/link/{token}"}


async def state_of(dash) -> tuple[str, int, list, list]:
    store = dash.bot.runtime.store
    cases = [c.reversed_at for c in await mod_store.cases_for(store, dash.ref, "bob", 10)]
    audit = await store.audit_log(dash.ref, limit=1000)
    return dash.playbook.read_text(), dash.ctx.runtime.playbooks.default.version, cases, audit


async def test_every_route_but_sign_in_needs_a_session(dash):
    before = await state_of(dash)
    for route, url, methods in app_routes(dash):
        if route in PUBLIC_ROUTES:
            continue
        if "GET" in methods:
            r = await dash.client.get(url)
            assert r.status_code == 303, url
            assert r.headers["location"].startswith("/login?why=signin"), url
            assert "qunbot demo" not in r.text and "bob" not in r.text, url
        if "POST" in methods:
            r = await dash.client.post(url, data={"do": "save", "text": "x: 1\n", "csrf": "x"})
            assert r.status_code == 401 and "Sign in first" in r.text, url
            r = await dash.client.post(url, json={"text": "x"})
            assert r.status_code == 401 and r.json()["error"], url
    assert await state_of(dash) == before


async def test_every_post_route_refuses_a_forged_form(dash):
    await dash.sign_in()
    before = await state_of(dash)
    for _route, url, methods in app_routes(dash):
        if "POST" not in methods:
            continue
        for csrf in (None, "0" * 64):
            data = {"do": "save", "text": "x: 1\n", "token": ADMIN_TOKEN, "link": "x"}
            if csrf:
                data["csrf"] = csrf
            r = await dash.client.post(url, data=data)
            assert r.status_code == 403, (url, r.status_code)
            assert "did not come from your dashboard page" in r.text, url
    # the live check takes its token in a header
    r = await dash.client.post("/playbook/default.yaml/check", json={"text": "x"})
    assert r.status_code == 403
    assert (await dash.client.get("/")).status_code == 200  # still signed in: logout refused
    assert await state_of(dash) == before


async def test_every_form_on_every_page_carries_its_csrf_token(dash):
    await dash.sign_in()
    csrf = await dash.csrf_of("/")
    pages = [url for _, url, methods in app_routes(dash) if "GET" in methods]
    pages += ["/login", dash.page("cases/2")]
    seen = 0
    for url in pages:
        page = await dash.client.get(url, follow_redirects=True)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", page.text, flags=re.S):
            if 'method="post"' not in form.split(">", 1)[0]:
                continue
            seen += 1
            token = re.search(r'name="csrf" value="([^"]*)"', form)
            assert token, (url, form[:200])
            if "/login" not in url:
                assert token.group(1) == csrf, url
    assert seen >= 4  # sign out on every page, the editor, a case's reversal, sign in


async def test_slash_dashboard_answers_in_the_communitys_language(dash):
    text = dash.playbook.read_text()
    dash.playbook.write_text(text.replace("  language: en ", "  language: zh ", 1))
    assert (await dash.bot.runtime.playbooks.default.reload_async()).ok
    link = await dash.dashboard_link()
    (dm,) = [a for a in dash.bot.actions if a.kind == "send_direct"]
    assert "控制台登录链接（管理员）" in dm.text_shown and link in dm.text_shown
    assert any("我已通过私信" in t for t in dash.bot.texts())
