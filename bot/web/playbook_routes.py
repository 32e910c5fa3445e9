"""The playbook editor's pages: open, check (also live, from the page's script), diff, save,
upload and the dry run. Playbooks are named by their path under the playbook folder; a name
that leads outside it, or to a file the bot does not run, is refused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.playbook import PlaybookManager
from bot.web import editor
from bot.web.context import WebContext, digest
from bot.web.http import Refusal, checked_form, checked_json, ctx_of, refuse, render, t, user_of


def routes() -> list[Route]:
    return [
        Route("/playbook/{name:path}/check", check_json, methods=["POST"]),
        Route("/playbook/{name:path}", playbook_page, methods=["GET", "POST"]),
    ]


def folder(ctx: WebContext) -> Path:
    """The playbook folder: the deepest folder holding every playbook the bot runs."""
    parents = [str(m.path.resolve().parent) for m in ctx.managers()]
    return Path(os.path.commonpath(parents))


def playbook_name(ctx: WebContext, manager: PlaybookManager) -> str:
    return manager.path.resolve().relative_to(folder(ctx)).as_posix()


def manager_for(request: Request) -> PlaybookManager:
    ctx = ctx_of(request)
    name = request.path_params["name"]
    root = folder(ctx)
    wanted = (root / name).resolve()
    if "\x00" in name or not wanted.is_relative_to(root):
        raise Refusal(refuse(request, 400, "err.outside_folder", back="/", path=name))
    for manager in ctx.managers():
        if manager.path.resolve() == wanted:
            return manager
    raise Refusal(refuse(request, 404, "err.no_playbook", back="/", path=name))


def file_text(manager: PlaybookManager) -> str:
    """What the editor opens: the file as it is now (it may differ from the running version
    when someone broke it outside the dashboard; the diff then shows how)."""
    try:
        return manager.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _problems(request: Request, checked: editor.Checked) -> list[dict[str, Any]]:
    return [
        {
            "line": p.line,
            "column": p.column,
            "path": p.path,
            "message": p.message,
            "text": f"{t(request, 'playbook.problem', line=p.line, column=p.column)} "
            f"{p.path + ': ' if p.path else ''}{p.message}",
        }
        for p in checked.problems
    ]


async def check_json(request: Request) -> Response:
    """The live check behind the editor: problems at their lines and the diff, as JSON."""
    ctx = ctx_of(request)
    manager = manager_for(request)
    body = await checked_json(request)
    text = body.get("text")
    if not isinstance(text, str):
        return JSONResponse({"error": 'send {"text": "..."}'}, status_code=400)
    text = editor.normalize(text)
    checked = await editor.check_off_loop(manager, text)
    summary = (
        t(request, "playbook.valid")
        if checked.ok
        else t(request, "playbook.invalid", count=len(checked.problems))
    )
    return JSONResponse(
        {
            "ok": checked.ok,
            "problems": _problems(request, checked),
            "summary": summary,
            "diff": editor.diff(ctx.running_source(manager), text, manager.path.name),
            "no_diff": t(request, "playbook.no_diff"),
        }
    )


async def playbook_page(request: Request) -> Response:
    ctx = ctx_of(request)
    manager = manager_for(request)
    if request.method == "GET":
        text = editor.normalize(file_text(manager))
        return await _page(request, manager, text, base=digest(text), opened=True)
    form = await checked_form(request, admin=False)
    action = form.get("do")
    action = action if action in ("check", "save", "explain") else "check"
    if action == "save" and not user_of(request).is_admin:
        raise Refusal(refuse(request, 403, "err.read_only"))
    base = str(form.get("base") or "")
    upload = form.get("upload")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(ctx.config.max_upload_bytes + 1)
            text = editor.text_of_upload(data, ctx.config.max_upload_bytes)
        else:
            raw = form.get("text")
            if not isinstance(raw, str):  # a truncated or hand-made post: never save "nothing"
                raise editor.Refused("err.no_text")
            text = editor.text_of_upload(raw.encode("utf-8"), ctx.config.max_upload_bytes)
    except editor.Refused as exc:
        status = 413 if exc.key == "err.too_big" else 400
        return await _page(
            request, manager, file_text(manager), base, status,
            refused=t(request, exc.key, **exc.values),
        )  # fmt: skip
    text = editor.normalize(text)
    extra: dict[str, Any] = {}
    if action == "save":
        user = user_of(request)
        try:
            summary = await editor.save(ctx, manager, text, base, user.who, user.role)
        except editor.Refused as exc:
            status = 409 if exc.key == "err.changed" else 422
            return await _page(
                request, manager, text, base, status, refused=t(request, exc.key, **exc.values)
            )
        return await _page(
            request, manager, text, digest(text), saved=t(request, "flash.saved", summary=summary)
        )
    if action == "explain":
        probe = str(form.get("probe") or "")
        who = str(form.get("as_user") or "someone")
        checked = await editor.check_off_loop(manager, text)
        extra.update(probe=probe, as_user=who)
        if checked.ok:
            extra["explained"] = await editor.explain(ctx, manager, checked.playbook, probe, who)
        else:
            extra["refused"] = t(request, "playbook.explain_invalid")
    return await _page(request, manager, text, base, **extra)


async def _page(
    request: Request,
    manager: PlaybookManager,
    text: str,
    base: str,
    status: int = 200,
    **extra: Any,
) -> Response:
    ctx = ctx_of(request)
    checked = await editor.check_off_loop(manager, text)
    refs = editor.served_by(ctx, manager, await ctx.store.communities())
    served = [f"{r.platform}:{r.external_id}" for r in refs]
    context: dict[str, Any] = {
        "name": playbook_name(ctx, manager),
        "version": manager.version,
        "served": served,
        "text": text,
        "base": base,
        "problems": checked.problems,
        "error_lines": {p.line for p in checked.problems},
        "line_count": max(1, text.count("\n") + 1),
        "valid": checked.ok,
        "diff": editor.diff(ctx.running_source(manager), text, manager.path.name),
        "probe": "",
        "as_user": "someone",
        "explained": None,
        "opened": False,  # a plain GET of the file: the page may offer an unsaved edit back
        "saved": None,
        "nav": "playbook",
    }
    context.update(extra)
    return render(request, "playbook.html", status, **context)
