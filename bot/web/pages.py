"""The community pages: the list, health report, cases, members, data export and calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.events import Actor, CommandInvoked
from bot.reports.render import render_json, render_markdown
from bot.store import CommunityRef
from bot.store import dashboard as q
from bot.store import privacy as privacy_q
from bot.web import reporting
from bot.web.editor import audit_entry
from bot.web.http import Refusal, checked_form, ctx_of, lang_of, refuse, render, t, user_of
from bot.web.playbook_routes import playbook_name
from rules.calendar import store as calendar_store
from rules.checkin import store as checkin_q
from rules.moderation import store as mod
from rules.points import store as points_q
from rules.privacy.rules import export_document
from rules.referrals import store as referrals_q

PAGE = 50

# a report is measured and drawn inside the bot's process: a year at most (about 2 s), and
# days whose previous period and look-back still are dates
MAX_REPORT_DAYS = 366
FIRST_DAY, LAST_DAY = date(1971, 1, 1), date(9000, 12, 31)


def routes() -> list[Route]:
    return [
        Route("/", communities),
        Route("/c/{cid:int}", lambda r: RedirectResponse(f"/c/{r.path_params['cid']}/report")),
        Route("/c/{cid:int}/report", report_page),
        Route("/c/{cid:int}/report/file.{fmt}", report_file),
        Route("/c/{cid:int}/cases", cases_page),
        Route("/c/{cid:int}/cases/{number:int}", case_page),
        Route("/c/{cid:int}/cases/{number:int}/reverse", reverse_case, methods=["POST"]),
        Route("/c/{cid:int}/members", members_page),
        Route("/c/{cid:int}/members/{uid}/export.json", member_export),
        Route("/c/{cid:int}/members/{uid}", member_page),
        Route("/c/{cid:int}/calendar", calendar_page),
        Route("/c/{cid:int}/playbook", community_playbook),
    ]


def label(ref: CommunityRef, name: str = "") -> str:
    return name or f"{ref.platform}:{ref.external_id}"


async def communities(request: Request) -> Response:
    ctx = ctx_of(request)
    rows = []
    for s in await q.community_summaries(ctx.store):
        manager = ctx.runtime.playbooks.for_community(s.ref.platform, s.ref.external_id)
        rows.append(
            {
                "ref": s.ref,
                "label": label(s.ref, s.name or manager.current.community.name),
                "members": s.members,
                "cases": s.cases,
                "last_active_at": s.last_active_at,
                "playbook": playbook_name(ctx, manager),
            }
        )
    books = [(playbook_name(ctx, m), m.version) for m in ctx.managers()]
    return render(request, "communities.html", nav="home", rows=rows, playbooks=books)


async def _community(request: Request) -> tuple[CommunityRef, Any, dict[str, Any]]:
    """The community of the URL, its running playbook, and what every page's header needs."""
    ctx = ctx_of(request)
    cid = request.path_params["cid"]
    ref = await q.community_by_id(ctx.store, cid)
    if ref is None:
        raise Refusal(refuse(request, 404, "err.no_community", back="/", id=cid))
    playbook = ctx.runtime.playbooks.for_community(ref.platform, ref.external_id).current
    header = {"community": ref, "community_label": label(ref, playbook.community.name)}
    return ref, playbook, header


def _day(request: Request, field: str) -> date | None:
    value = request.query_params.get(field, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Refusal(refuse(request, 400, "err.bad_date", field=field, value=value)) from None
    if not FIRST_DAY <= day <= LAST_DAY:  # the ends of the calendar overflow day arithmetic
        raise Refusal(
            refuse(request, 400, "err.date_range", value=day, first=FIRST_DAY, last=LAST_DAY)
        )
    return day


def _period(request: Request, playbook: Any) -> tuple[date, date]:
    start, end = _day(request, "from"), _day(request, "to")
    start, end = reporting.period(playbook, ctx_of(request).now(), start, end)
    if end < start:
        raise Refusal(refuse(request, 400, "err.bad_period", start=start, end=end))
    days = (end - start).days + 1
    if days > MAX_REPORT_DAYS:
        raise Refusal(
            refuse(request, 400, "err.long_period", max=MAX_REPORT_DAYS, days=f"{days:,}")
        )
    return start, end


async def report_page(request: Request) -> Response:
    ref, playbook, header = await _community(request)
    start, end = _period(request, playbook)
    query = urlencode({"from": start, "to": end, "lang": lang_of(request)})
    return render(request, "report.html", nav="report", start=start, end=end, query=query, **header)


async def report_file(request: Request) -> Response:
    ctx = ctx_of(request)
    fmt = request.path_params["fmt"]
    if fmt not in ("md", "json", "html"):
        raise Refusal(refuse(request, 404, "err.not_found"))
    ref, playbook, _ = await _community(request)
    start, end = _period(request, playbook)
    report = await reporting.build(
        ctx.store, ref, playbook, start, end, ctx.now(), lang_of(request)
    )
    if fmt == "html":
        from starlette.responses import HTMLResponse

        return HTMLResponse(await reporting.html(report))
    body = render_markdown(report) if fmt == "md" else render_json(report)
    media = "text/markdown" if fmt == "md" else "application/json"
    filename = f"report-{ref.platform}-{ref.external_id}-{start}_{end}.{fmt}"
    return PlainTextResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _bounds(playbook: Any, start: date | None, end: date | None) -> tuple[Any, Any]:
    """Local days (community timezone) to UTC instants; `end` is inclusive."""
    tz = playbook.community.tz
    lo = datetime.combine(start, time(0), tzinfo=tz) if start else None
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz) if end else None
    return lo, hi


def _page(request: Request) -> int:
    value = request.query_params.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


def _pager(request: Request, total: int) -> dict[str, Any]:
    keep = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return {
        "page": _page(request),
        "pages": max(1, -(-total // PAGE)),
        "pager_query": urlencode(keep),
    }


async def cases_page(request: Request) -> Response:
    ctx = ctx_of(request)
    ref, playbook, header = await _community(request)
    start, end = _day(request, "from"), _day(request, "to")
    lo, hi = _bounds(playbook, start, end)
    params = request.query_params
    f = q.CaseFilter(
        member=params.get("member", "").strip() or None,
        action=params.get("type", "").strip() or None,
        moderator=params.get("moderator", "").strip() or None,
        start=lo,
        end=hi,
    )
    page = _page(request)
    found, total = await q.search_cases(ctx.store, ref, f, limit=PAGE, offset=(page - 1) * PAGE)
    names = await q.member_names(ctx.store, ref, [c.user_id for c in found])
    return render(
        request,
        "cases.html",
        nav="cases",
        cases=found,
        total=total,
        f=f,
        start=start or "",
        end=end or "",
        kinds=await q.case_kinds(ctx.store, ref),
        names=names,
        **_pager(request, total),
        **header,
    )


async def case_page(request: Request) -> Response:
    ctx = ctx_of(request)
    ref, _, header = await _community(request)
    number = request.path_params["number"]
    found = await mod.case(ctx.store, ref, number)
    if found is None:
        raise Refusal(refuse(request, 404, "err.no_case", back=f"/c/{ref.id}/cases", number=number))
    names = await q.member_names(ctx.store, ref, [found.user_id])
    flash = (
        t(request, "flash.reversed", number=number) if "reversed" in request.query_params else None
    )
    return render(
        request,
        "case.html",
        nav="cases",
        case=found,
        member_name=names.get(found.user_id, found.user_id),
        actions=await q.case_actions(ctx.store, ref, found),
        can_reverse=ctx.embedded,
        flash=flash,
        **header,
    )


async def reverse_case(request: Request) -> Response:
    """Reverse through the moderation capability, as `/case N reverse` would (so the ban or
    timeout is lifted on the platform); only where the bot runs in this process."""
    ctx = ctx_of(request)
    await checked_form(request, admin=True)
    ref, playbook, _ = await _community(request)
    number = request.path_params["number"]
    back = f"/c/{ref.id}/cases/{number}"
    if not ctx.embedded:
        raise Refusal(refuse(request, 409, "case.reverse_needs_bot", back=back))
    who = user_of(request).who
    now = ctx.now()
    await ctx.runtime.handle(
        CommandInvoked(
            platform=ref.platform,
            community_id=ref.external_id,
            occurred_at=now,
            command="case",
            actor=Actor(user_id=f"dashboard:{who}", name=f"{who} (dashboard)", is_admin=True),
            channel_id=playbook.community.mod_log_channel or playbook.community.default_channel,
            args={"number": number, "action": "reverse"},
        )
    )
    after = await mod.case(ctx.store, ref, number)
    if after is None or after.reversed_at is None:
        detail = "the moderation section is off, or the case does not exist"
        raise Refusal(
            refuse(request, 409, "err.reverse_failed", back=back, number=number, detail=detail)
        )
    role = user_of(request).role
    await ctx.store.audit(ref, [audit_entry(now, "case_reverse", who, role, f"case #{number}")])
    return RedirectResponse(f"{back}?reversed=1", status_code=303)


def _standing(request: Request, st: q.Standing | None) -> str:
    if st is None:
        return t(request, "standing.good")
    if st.banned:
        return t(request, "standing.banned")
    if st.timed_out_until:
        return f"{t(request, 'standing.timed_out')} → {st.timed_out_until:%Y-%m-%d %H:%M}"
    if st.warning_weight:
        return t(request, "standing.warned", weight=st.warning_weight)
    return t(request, "standing.good")


async def members_page(request: Request) -> Response:
    ctx = ctx_of(request)
    ref, _, header = await _community(request)
    query = request.query_params.get("q", "").strip()
    page = _page(request)
    found, total = await q.search_members(
        ctx.store, ref, query, limit=PAGE, offset=(page - 1) * PAGE
    )
    ids = [m.user_id for m in found]
    invites = await referrals_q.invite_counts(ctx.store, ref, ids)
    balances = await points_q.all_balances(ctx.store, ref)
    streaks = await checkin_q.all_streaks(ctx.store, ref)
    tiers = await points_q.member_tiers(ctx.store, ref)
    standing = await q.standings(ctx.store, ref, ids, ctx.now())
    rows = [
        {
            "info": m,
            "balance": balances.get(m.user_id, points_q.Balance()),
            "streak": streaks.get(m.user_id),
            "tier": tiers.get(m.user_id),
            "standing": _standing(request, standing.get(m.user_id)),
            "invites": invites.get(m.user_id),
        }
        for m in found
    ]
    return render(
        request,
        "members.html",
        nav="members",
        rows=rows,
        total=total,
        query=query,
        **_pager(request, total),
        **header,
    )


async def _member(request: Request, ref: CommunityRef) -> Any:
    uid = request.path_params["uid"]
    info = await ctx_of(request).store.member(ref, uid)
    if info is None:
        raise Refusal(refuse(request, 404, "err.no_member", back=f"/c/{ref.id}/members", id=uid))
    return info


async def member_page(request: Request) -> Response:
    ctx = ctx_of(request)
    ref, _, header = await _community(request)
    info = await _member(request, ref)
    uid = info.user_id
    standing = await q.standings(ctx.store, ref, [uid], ctx.now())
    came, brought = await referrals_q.member_joins(ctx.store, ref, uid)
    names = await q.member_names(ctx.store, ref, [r.inviter for r in came if r.inviter])
    names |= await q.member_names(ctx.store, ref, [r.user_id for r in brought])
    row = {
        "balance": await points_q.balance_of(ctx.store, ref, uid),
        "streak": await checkin_q.streak_of(ctx.store, ref, uid),
        "tier": (await points_q.member_tiers(ctx.store, ref)).get(uid),
        "standing": _standing(request, standing.get(uid)),
    }
    return render(
        request,
        "member.html",
        nav="members",
        info=info,
        row=row,
        cases=await mod.cases_for(ctx.store, ref, uid, limit=100),
        audit=await q.member_audit(ctx.store, ref, uid, limit=100),
        redeemed=await points_q.redemptions(ctx.store, ref, uid),
        joins_leaves=await q.membership_history(ctx.store, ref, uid),
        came=came,
        brought=brought,
        stayed=sum(1 for r in brought if r.status == "rewarded"),
        names=names,
        **header,
    )


async def member_export(request: Request) -> Response:
    """Everything stored about one member, as JSON: the very document `/mydata` sends them and
    `qunbot member export` writes (every row each capability declares about members: the
    member record, joins and leaves, invites, cases, points, streak, the bot's actions...).
    Sign-in links sent by /dashboard are cut, as everywhere in the dashboard."""
    ctx = ctx_of(request)
    ref, playbook, _ = await _community(request)
    info = await _member(request, ref)
    uid = info.user_id
    await ctx.store.flush()  # the latest counts are part of it
    rows = await privacy_q.export_member(ctx.store, ref, uid, ctx.store.member_rows)
    name = playbook.community.name or ref.external_id
    document = export_document(name, ref.platform, uid, rows, ctx.now())
    body = q.redacted(document.decode("utf-8")) or ""
    filename = f"member-{ref.platform}-{ref.external_id}-{uid}.json".replace('"', "")
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def calendar_page(request: Request) -> Response:
    from bot.cli.cmd_calendar import month_posts

    ctx = ctx_of(request)
    ref, playbook, header = await _community(request)
    tz = playbook.community.tz
    now = ctx.now()
    today = now.astimezone(tz).date()
    until = today + timedelta(days=31)
    section = getattr(playbook, "calendar", None)
    enabled = bool(section is not None and section.enabled)
    rows = []
    if enabled:
        first = today.replace(day=1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        for month in (first, following):
            rows += [
                r for r in month_posts(playbook, month) if now <= r[0] and r[0].date() <= until
            ]
    recent = await calendar_store.occurrences_since(ctx.store, ref, now - timedelta(days=7))
    return render(
        request,
        "calendar.html",
        nav="calendar",
        enabled=enabled,
        rows=sorted(rows),
        recent=recent[-50:],
        start=today,
        end=until,
        tz=playbook.community.timezone,
        **header,
    )


async def community_playbook(request: Request) -> Response:
    ctx = ctx_of(request)
    ref, _, _ = await _community(request)
    manager = ctx.runtime.playbooks.for_community(ref.platform, ref.external_id)
    return RedirectResponse(f"/playbook/{playbook_name(ctx, manager)}", status_code=303)
