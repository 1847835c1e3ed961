"""The map editor: rename, add and reorder stages and touchpoints, edit a touchpoint's match rule
with a live count of the events and customers it matches (and of the events no touchpoint
matches), save to the YAML file keeping its comments, see and restore versions.

Every change is a plain form post (keyboard and no-JavaScript friendly) that an editor may make;
a viewer sees the page but gets 403 on any save. A change that would make the map invalid is not
written: the page shows the problems in the words of ``recorrido map validate``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from recorrido.errors import RecorridoError
from recorrido.journey.validate import check_text
from recorrido.web import map_edits, versions
from recorrido.web.map_files import map_path
from recorrido.web.pages import (
    SECURITY_HEADERS,
    Editor,
    Viewer,
    Visit,
    check_csrf,
    page,
    render,
)

router = APIRouter()


def coverage(workspace, text: str) -> dict | None:
    """``map check``'s figures for the map text: per touchpoint and the unmatched events."""
    from recorrido.journey.check import check_map

    _, journey = check_text(text)
    if journey is None:
        return None
    result = check_map(workspace, journey)
    return {
        "touchpoints": {t.touchpoint: t for t in result.touchpoints},
        "events": result.events,
        "unmatched": result.unmatched_events,
        "unmatched_share": result.unmatched_share,
    }


async def _editor_page(request: Request, current: Visit, name: str, **extra):
    ctx = request.app.state.ctx
    path = map_path(ctx.folder, name)
    text = path.read_text(encoding="utf-8")
    try:
        outline = map_edits.outline(text)
    except RecorridoError as exc:
        return page(
            "map_error.html.j2", current, 422, name=name, problem=exc.localized(current.lang)
        )
    figures = await ctx.arun(coverage, text)
    rules = {
        tp["id"]: map_edits.rule_text(text, tp["id"])
        for stage in outline
        for tp in stage["touchpoints"]
    }
    return page(
        "map_editor.html.j2",
        current,
        extra.pop("status_code", 200),
        name=name,
        outline=outline,
        rules=rules,
        figures=figures,
        history=versions.history(path),
        can_save=current.user.can("editor"),
        problems=extra.pop("problems", []),
        refused=extra.pop("refused", None),
        saved=request.query_params.get("saved"),
    )


@router.get("/maps/{name}/edit")
async def edit_page(request: Request, name: str, current: Viewer):
    return await _editor_page(request, current, name)


@router.post("/maps/{name}/edit")
async def edit(request: Request, name: str, current: Editor):
    """Apply one change (``action``) and save it as a new version when the map stays valid."""
    await check_csrf(request, current)
    ctx = request.app.state.ctx
    path = map_path(ctx.folder, name)
    form = await request.form()
    field = {k: str(v) for k, v in form.items()}
    action = field.get("action", "")
    text = path.read_text(encoding="utf-8")
    try:
        if action == "rule":
            new_text = map_edits.set_rule(text, field["touchpoint"], field.get("rule", ""))
            note = f"rule {field['touchpoint']}"
        elif action == "rename":
            new_text = map_edits.rename(text, field["id"], field.get("name", ""))
            note = f"rename {field['id']}"
        elif action in ("up", "down"):
            new_text = map_edits.move(text, field["id"], -1 if action == "up" else 1)
            note = f"move {field['id']} {action}"
        elif action == "add_stage":
            new_text, new = map_edits.add_stage(
                text, field.get("name", ""), field.get("touchpoint", ""), field.get("channel", "")
            )
            note = f"add stage {new}"
        elif action == "add_touchpoint":
            new_text, new = map_edits.add_touchpoint(
                text, field["stage"], field.get("name", ""), field.get("channel", "")
            )
            note = f"add touchpoint {new}"
        elif action == "restore":
            number = int(field.get("version", "-1"))
            restored = versions.version_text(path, number)
            if restored is None:
                raise map_edits.EditRefused("web_edit_unknown", id=f"v{number}")
            new_text, note = restored, f"restore v{number}"
        else:
            raise map_edits.EditRefused("web_edit_unknown", id=action)
    except (RecorridoError, KeyError) as exc:
        refused = (
            exc.localized(current.lang)
            if isinstance(exc, RecorridoError)
            else current.t("edit_missing_field", field=str(exc))
        )
        return await _editor_page(request, current, name, refused=refused, status_code=422)
    problems = map_edits.check(new_text, current.lang)
    if problems:
        return await _editor_page(request, current, name, problems=problems, status_code=422)
    if new_text != text:
        versions.save(path, new_text, current.user.name, note)
    anchor = field.get("touchpoint") or field.get("id") or ""
    target = f"/maps/{name}/edit?saved=1" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)


@router.post("/maps/{name}/rule-count")
async def rule_count(request: Request, name: str, current: Viewer):
    """The live count under a rule being typed: events and customers it matches, and the events
    that no touchpoint would match with it (an HTML fragment for htmx). Changes nothing."""
    await check_csrf(request, current)
    ctx = request.app.state.ctx
    path = map_path(ctx.folder, name)
    form = await request.form()
    touchpoint = str(form.get("touchpoint", ""))
    rule_text = str(form.get("rule", ""))
    text = path.read_text(encoding="utf-8")
    try:
        new_text = map_edits.set_rule(text, touchpoint, rule_text)
    except RecorridoError as exc:
        return _fragment(current, error=exc.localized(current.lang))
    # The whole map is checked, so a bad rule is worded as `recorrido map validate` words it.
    problems = map_edits.check(new_text, current.lang)
    if problems:
        return _fragment(current, error=problems[0].message)
    figures = await ctx.arun(coverage, new_text)
    row = figures["touchpoints"][touchpoint]
    return _fragment(current, row=row, figures=figures)


def _fragment(current: Visit, **context) -> HTMLResponse:
    context.setdefault("row", None)
    context.setdefault("figures", None)
    context.setdefault("error", None)
    return HTMLResponse(render("rule_count.html.j2", current, **context), headers=SECURITY_HEADERS)
