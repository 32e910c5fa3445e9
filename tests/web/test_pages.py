"""What an operator sees: communities, the health report, cases, members, calendar, and the
dashboard in Chinese."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from adapters.recording import simulated_link
from bot.events import Actor, MemberJoined
from bot.store import privacy as privacy_q
from tests.harness import COMMUNITY, PLATFORM
from tests.web.conftest import MOD_TOKEN


def rows(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    cells = [r.split(">", 1)[1] for r in body.split("<tr")[2:]]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in cells]


async def test_the_communities_page_lists_each_with_members_and_cases(dash):
    await dash.sign_in()
    page = await dash.client.get("/")
    (row,) = rows(page.text, "communities")
    # alice, bob and the moderator (known by their standing) are present (carol left), two cases
    assert row.split()[:5] == ["qunbot", "demo", "test", "3", "2"]
    assert "default.yaml" in row


async def test_the_health_report_of_any_period_with_its_charts(dash):
    await dash.sign_in()
    page = await dash.client.get(dash.page("report?from=2026-03-02&to=2026-03-08"))
    assert page.status_code == 200 and 'value="2026-03-02"' in page.text
    html = await dash.client.get(dash.page("report/file.html?from=2026-03-02&to=2026-03-08"))
    assert html.status_code == 200
    assert "2026-03-02" in html.text and html.text.count("data:image/png;base64,") >= 2
    md = await dash.client.get(dash.page("report/file.md?from=2026-03-02&to=2026-03-08"))
    assert "attachment" in md.headers["content-disposition"] and "2026-03-02" in md.text
    data = (
        await dash.client.get(dash.page("report/file.json?from=2026-03-02&to=2026-03-08"))
    ).json()
    assert data["schema"] == "qunbot.health_report/1"
    period = data["current"]["period"]
    assert (period["start"], period["end"], period["days"]) == ("2026-03-02", "2026-03-08", 7)
    # alice and bob posted every day of that week
    assert data["current"]["dau_per_day"] == [2] * 7
    # a period of a single day: the same report, for that day
    day = await dash.client.get(dash.page("report/file.md?from=2026-03-05&to=2026-03-05"))
    assert "2026-03-05" in day.text


async def test_a_bad_period_says_how_to_write_it(dash):
    await dash.sign_in()
    r = await dash.client.get(dash.page("report?from=March"))
    assert r.status_code == 400 and "write a date such as 2026-03-02" in r.text
    r = await dash.client.get(dash.page("report/file.md?from=2026-03-09&to=2026-03-02"))
    assert r.status_code == 400 and "ends (2026-03-02) before it starts" in r.text
    # a decade would hold the bot's loop for seconds; the ends of the calendar overflowed
    r = await dash.client.get(dash.page("report/file.html?from=2016-01-01&to=2026-03-08"))
    assert r.status_code == 400 and "at most 366 days (3,720 asked)" in r.text
    assert "qunbot report" in r.text
    year = await dash.client.get(dash.page("report/file.json?from=2025-03-09&to=2026-03-09"))
    assert year.status_code == 200 and year.json()["current"]["period"]["days"] == 366
    for query in ("from=0001-01-01&to=0001-01-05", "from=9999-12-31", "to=0001-01-01"):
        r = await dash.client.get(dash.page(f"report/file.html?{query}"))
        assert r.status_code == 400 and "choose days between 1971-01-01" in r.text, query
    r = await dash.client.get(dash.page("cases?to=9999-12-31"))
    assert r.status_code == 400 and "choose days between 1971-01-01" in r.text
    r = await dash.client.get("/c/999/cases")
    assert r.status_code == 404 and "no community 999" in r.text


async def test_cases_filter_by_member_type_moderator_and_date(dash):
    await dash.sign_in()

    async def numbers(query: str) -> list[str]:
        page = await dash.client.get(dash.page(f"cases?{query}"))
        assert page.status_code == 200
        return [r.split()[0] for r in rows(page.text, "cases")]

    assert await numbers("") == ["#2", "#1"]
    assert await numbers("member=bo") == ["#1"]  # part of a name
    assert await numbers("member=carol") == ["#2"]
    assert await numbers("type=timeout") == ["#2"]
    assert await numbers("moderator=mod") == ["#2", "#1"]
    assert await numbers("moderator=someone-else") == []
    assert await numbers("moderator=MO") == ["#2", "#1"]  # part of the moderator's name
    assert await numbers("from=2026-03-12&to=2026-03-12") == ["#2", "#1"]
    assert await numbers("to=2026-03-11") == []
    assert await numbers("member=bob&type=timeout") == []


async def test_the_type_filter_finds_every_action_of_an_incident(dash):
    # bob's second warning reaches the ladder's first step: one case, "warn + timeout"
    await dash.bot.command("mod", "warn", user="bob", reason="again")
    await dash.sign_in()
    page = await dash.client.get(dash.page("cases?type=timeout"))
    found = rows(page.text, "cases")
    assert [r.split()[0] for r in found] == ["#3", "#2"]
    assert "warn + timeout" in found[0]
    assert [
        r.split()[0]
        for r in rows((await dash.client.get(dash.page("cases?type=warn"))).text, "cases")
    ] == ["#3", "#1"]
    options = re.findall(r'<option value="([a-z_]+)"', page.text)
    assert options == ["timeout", "warn"]
    assert [
        r.split()[0]
        for r in rows((await dash.client.get(dash.page("cases?type=ti%25"))).text, "cases")
    ] == []


async def test_a_case_shows_its_actions_and_an_admin_reverses_it(dash):
    await dash.sign_in()
    page = await dash.client.get(dash.page("cases/2"))
    assert "spamming links" in page.text and "not reversed" in page.text
    kinds = [r.split()[4] for r in rows(page.text, "case-actions")]  # date time UTC rule kind
    assert "timeout" in kinds
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    dash.bot.clear()
    r = await dash.client.post(dash.page("cases/2/reverse"), data={"csrf": csrf})
    assert r.status_code == 303
    after = await dash.client.get(r.headers["location"])
    assert "Case #2 reversed" in after.text and "reversed by dashboard:admin token" in after.text
    # the platform really lifted the timeout, and the audit log says who did it
    assert any(a.kind == "remove_timeout" and a.target_user == "carol" for a in dash.bot.actions)
    ref = dash.ref
    log = await dash.bot.runtime.store.audit_log(ref, limit=10)
    assert any(e["action"] == "case_reverse" and "admin token" in e["reason"] for e in log)
    r = await dash.client.get(dash.page("cases/77"))
    assert r.status_code == 404 and "no case #77" in r.text


async def test_members_search_standing_points_streak_tier_and_joins(dash):
    await dash.sign_in()
    page = await dash.client.get(dash.page("members"))
    table = {r.split()[0]: r for r in rows(page.text, "members")}
    assert set(table) == {"alice", "bob", "carol", "mod"}  # the moderator, by their standing
    assert "warned (1 points)" in table["bob"]
    assert "timed out" in table["carol"]
    assert table["alice"].split()[1] == "good"
    found = await dash.client.get(dash.page("members?q=car"))
    assert [r.split()[0] for r in rows(found.text, "members")] == ["carol"]
    none = await dash.client.get(dash.page("members?q=50%25"))
    assert rows(none.text, "members") == []  # a LIKE wildcard is searched for, not expanded
    alice = await dash.client.get(dash.page("members/alice"))
    facts = " ".join(rows(alice.text, "member-facts"))
    assert "1 days (best 1, 1 check-ins)" in facts
    assert "1 join(s)" in facts and "present" in facts
    carol = await dash.client.get(dash.page("members/carol"))
    assert "2026-03-12" in " ".join(rows(carol.text, "member-facts"))  # when she left


async def test_a_members_page_lists_every_join_and_leave(dash):
    # carol joined, left; she comes back and leaves again: four rows, oldest first
    await dash.bot.advance(timedelta(days=1))
    await dash.bot.join("carol")
    await dash.bot.advance(timedelta(hours=5))
    await dash.bot.leave("carol")
    await dash.bot.runtime.store.flush()
    await dash.sign_in()
    page = await dash.client.get(dash.page("members/carol"))
    history = rows(page.text, "member-joins")
    assert [r.split()[-1] for r in history] == ["joined", "left", "joined", "left"]
    assert history[2].startswith("2026-03-13") and history[3].startswith("2026-03-13")
    assert "2 join(s)" in " ".join(rows(page.text, "member-facts"))
    zh = await dash.client.get(dash.page("members/carol?lang=zh"))
    kinds = [r.split()[-1] for r in rows(zh.text, "member-joins")]
    assert kinds == ["加入", "离开", "加入", "离开"]


async def test_members_show_who_invited_them_and_whom_they_brought(dash):
    await dash.bot.command("alice", "invite")
    await dash.bot.join("dave", invite=simulated_link(PLATFORM, "alice"))
    await dash.bot.say("dave", "hi all, alice sent me")
    await dash.bot.join("erin")  # no link: organic
    await dash.bot.runtime.store.flush()
    await dash.sign_in()
    page = await dash.client.get(dash.page("members"))
    head = page.text.split('id="members"', 1)[1].split("</tr>", 1)[0]
    assert "Invited (stayed)" in head
    table = {r.split()[0]: r for r in rows(page.text, "members")}
    assert "1 (0)" in table["alice"]  # brought dave, who has not stayed long enough yet
    alice = await dash.client.get(dash.page("members/alice"))
    facts = " ".join(rows(alice.text, "member-facts"))
    assert "invited 1, 0 stayed" in facts
    assert [r.split()[0] for r in rows(alice.text, "member-invites")] == ["dave"]
    dave = await dash.client.get(dash.page("members/dave"))
    assert "through the invite link of alice" in " ".join(rows(dave.text, "member-facts"))
    erin = await dash.client.get(dash.page("members/erin"))
    assert "without an invite link" in " ".join(rows(erin.text, "member-facts"))
    zh = await dash.client.get(dash.page("members/dave?lang=zh"))
    assert "通过 alice 的邀请链接" in zh.text


async def test_a_members_data_export_is_what_qunbot_member_export_writes(dash):
    await dash.bot.command("bob", "invite")
    await dash.bot.join("dave", invite=simulated_link(PLATFORM, "bob"))
    await dash.sign_in()
    r = await dash.client.get(dash.page("members/bob/export.json"))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = json.loads(r.text)
    assert data["member"] == "bob" and data["platform"] == PLATFORM
    rows_of = data["data"]
    (member,) = rows_of["member"]
    assert member["message_count"] == 10
    assert [c["reason"] for c in rows_of["moderation_cases"]] == ["rude to newcomers"]
    assert any(a["action"] == "warn" for a in rows_of["bot_actions"])
    assert [j["kind"] for j in rows_of["joins_and_leaves"]] == ["join"]
    assert any(link["link"].endswith("/bob") for link in rows_of["invite_links"])
    # the invitee's join names bob as inviter: part of bob's data too
    assert any(j.get("inviter") == "bob" for j in rows_of["referrals"])
    # the same rows as the operator's command and the member's own /mydata
    expected = await privacy_q.export_member(
        dash.bot.runtime.store, dash.ref, "bob", dash.bot.runtime.store.member_rows
    )
    assert rows_of == json.loads(json.dumps(expected, default=str))
    r = await dash.client.get(dash.page("members/nobody/export.json"))
    assert r.status_code == 404


async def test_a_sign_in_link_never_shows_in_a_members_export(dash):
    link = await dash.dashboard_link()
    await dash.client.get("/")  # not signed in
    await dash.sign_in(MOD_TOKEN)
    r = await dash.client.get(dash.page("members/boss/export.json"))
    assert r.status_code == 200
    token = link.rsplit("/", 1)[1]
    assert token not in r.text and "/login/link/…" in r.text


async def test_the_calendar_shows_the_next_month_of_posts(dash):
    await dash.sign_in()
    page = await dash.client.get(dash.page("calendar"))
    posts = rows(page.text, "calendar")
    days = sorted({p.split()[1] for p in posts})
    assert days[0] == dash.bot.now.date().isoformat()
    last = dash.bot.now.date() + timedelta(days=31)
    assert days[-1] <= last.isoformat() and days[-1] >= (last - timedelta(days=3)).isoformat()
    assert any("morning-knowledge" in p for p in posts)


async def test_names_from_the_chat_are_escaped(dash):
    await dash.bot.emit(
        MemberJoined(
            platform=PLATFORM,
            community_id=COMMUNITY,
            occurred_at=dash.bot.now,
            member=Actor("eve", '<script>alert("x")</script>'),
        )
    )
    await dash.sign_in()
    page = await dash.client.get(dash.page("members"))
    assert '<script>alert("x")</script>' not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


async def test_the_dashboard_speaks_chinese(dash):
    await dash.sign_in()
    page = await dash.client.get(dash.page("cases?lang=zh"))
    assert "案例" in page.text and "筛选" in page.text and 'lang="zh-CN"' in page.text
    later = await dash.client.get(dash.page("members"))  # the choice is remembered
    assert "成员" in later.text and "搜索" in later.text
    r = await dash.client.get(dash.page("report?from=bad"))
    assert "请写成 2026-03-02 这样的日期" in r.text
    editor = await dash.client.get("/playbook/default.yaml")
    assert "✓ 有效" in editor.text and "保存并重新加载" in editor.text
