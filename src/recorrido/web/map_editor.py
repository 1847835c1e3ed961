"""The map editor: rename, add and reorder stages and touchpoints (↑/↓ buttons, or a drag that
``static/editor.js`` turns into a ``move_to`` post), edit a touchpoint's match rule with a live
count of the events and customers it matches (and of the events no touchpoint matches), edit
what the map says beyond its skeleton (:mod:`recorrido.web.map_details`: personas, objectives,
a stage's lanes and designed emotion, a touchpoint's owner and resources), save to the YAML file
keeping its comments, see and restore versions.

Every change is a plain form post (keyboard and no-JavaScript friendly) that an editor may make;
a viewer sees the page but gets 403 on any save. A change that would make the map invalid is not
written: the page shows the problems in the words of ``recorrido map validate``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from recorrido.errors import RecorridoError
from recorrido.journey.model import MODES, PHASES
from recorrido.journey.validate import check_text
from recorrido.web import map_details, map_edits, map_header, map_ids, versions, warm_pages
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


_COVERAGE: OrderedDict = OrderedDict()
_COVERAGE_SIZE = 16


def coverage(workspace, text: str) -> dict | None:
    """``map check``'s figures for the map text: per touchpoint and the unmatched events.

    Kept for the last few texts (keyed by workspace, text and latest ingest), so the page shown
    again after a refused edit, or a rule typed back to what it was, is not counted again."""
    import ibis

    from recorrido.journey.check import check_map

    latest = workspace.ingest_log.aggregate(n=ibis._.ingest_id.max()).execute()["n"][0]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    key = (str(workspace.folder), digest, str(latest))
    if key in _COVERAGE:
        _COVERAGE.move_to_end(key)
        return _COVERAGE[key]
    _, journey = check_text(text)
    if journey is None:
        return None
    result = check_map(workspace, journey)
    found = {
        "touchpoints": {t.touchpoint: t for t in result.touchpoints},
        "events": result.events,
        "unmatched": result.unmatched_events,
        "unmatched_share": result.unmatched_share,
    }
    _COVERAGE[key] = found
    while len(_COVERAGE) > _COVERAGE_SIZE:
        _COVERAGE.popitem(last=False)
    return found


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
    details = map_details.details(text)
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
        details=details,
        header=map_header.header(text),
        phases=PHASES,
        scores=map_details.EMOTION_SCORES,
        lanes=map_details.STAGE_LISTS,
        modes=MODES,
        opened=request.query_params.get("open", ""),
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
        elif action == "move_to":
            new_text = map_edits.move_to(text, field["id"], _position(field.get("position")))
            note = f"move {field['id']} to {field.get('position')}"
        elif action == "move_stage":
            at = _position(field["position"]) if field.get("position") else None
            new_text = map_edits.move_to_stage(text, field["id"], field["stage"], at)
            note = f"move {field['id']} to stage {field['stage']}"
        elif action == "remove":
            new_text = map_edits.remove(text, field["id"])
            note = f"remove {field['id']}"
        elif action == "map_header":
            new_text, note = map_header.set_header(text, field), "map"
        elif action in DETAIL_ACTIONS:
            new_text, note = _detail_edit(action, text, field, form)
            if action in ID_ACTIONS and field.get("new_id", "").strip() not in ("", field["id"]):
                new_text = await _new_map_id(request, name, action, new_text, field)
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
        warm_pages.changed(request.app)  # the map's default answers are new questions
    anchor = field.get("touchpoint") or field.get("id") or field.get("action") or ""
    opened = f"&open={quote(field['id'])}" if action in DETAIL_ACTIONS and "id" in field else ""
    target = f"/maps/{quote(name)}/edit?saved=1{opened}" + (
        f"#{quote(_anchor(action, anchor))}" if anchor else ""
    )
    return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)


#: The actions of :mod:`recorrido.web.map_details`: what a map says beyond its skeleton.
DETAIL_ACTIONS = (
    "stage_details",
    "touchpoint_details",
    "persona",
    "add_persona",
    "remove_persona",
    "objective",
    "add_objective",
    "remove_objective",
)


#: The detail actions whose form also gives the stage or touchpoint another id.
ID_ACTIONS = {"stage_details": "stage", "touchpoint_details": "touchpoint"}


async def _new_map_id(request: Request, name: str, action: str, text: str, field: dict) -> str:
    """``text`` with the stage's or touchpoint's new id, unless something outside the map
    names the old one (``web/map_ids.py``); ``field["id"]`` then names it by its new id."""
    ctx = request.app.state.ctx
    kind = ID_ACTIONS[action]
    outside = await ctx.arun(map_ids.named_outside, ctx.folder, name, kind, field["id"])
    map_ids.refuse_if_named(outside, field["id"])
    changed = map_ids.change_id(text, kind, field["id"], field["new_id"])
    field["id"] = field["new_id"].strip()
    return changed


def _detail_edit(action: str, text: str, field: dict, form) -> tuple[str, str]:
    """The new text and the version's note for one of :data:`DETAIL_ACTIONS`."""
    stages = form.getlist("stages")
    if action == "stage_details":
        return map_details.set_stage_details(text, field["id"], field), f"details {field['id']}"
    if action == "touchpoint_details":
        # Checkboxes send nothing when none is ticked: the form says it holds them.
        personas = [str(p) for p in form.getlist("personas")] if "personas_shown" in field else None
        new_text = map_details.set_touchpoint_details(text, field["id"], field, personas)
        return new_text, f"details {field['id']}"
    if action == "persona":
        new_text = _new_id(map_details.set_persona(text, field["id"], field), "personas", field)
        return new_text, f"persona {field['id']}"
    if action == "add_persona":
        new_text, new = map_details.add_persona(text, field.get("name", ""))
        field["id"] = new
        return new_text, f"add persona {new}"
    if action == "objective":
        # Checkboxes send nothing when none is ticked: the form says it holds them.
        chosen = [str(s) for s in stages] if "stages_shown" in field else None
        new_text = map_details.set_objective(text, field["id"], field, chosen)
        return _new_id(new_text, "objectives", field), f"objective {field['id']}"
    if action == "add_objective":
        new_text, new = map_details.add_objective(text, field.get("text", ""))
        field["id"] = new
        return new_text, f"add objective {new}"
    kind = "personas" if action == "remove_persona" else "objectives"
    return map_details.remove_item(text, kind, field["id"]), f"remove {field['id']}"


def _new_id(text: str, kind: str, field: dict) -> str:
    """``text`` with the persona's or objective's id changed when the form typed another one;
    ``field["id"]`` then names it by its new id (the page scrolls back to it)."""
    new = field.get("new_id", "").strip()
    if not new or new == field["id"]:
        return text
    changed = map_details.change_id(text, kind, field["id"], new)
    field["id"] = new
    return changed


def _position(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise map_edits.EditRefused("web_edit_unknown", id=str(value)[:20]) from None


def _anchor(action: str, item_id: str) -> str:
    """The element the page scrolls back to after a save."""
    if action in ("persona", "add_persona"):
        return f"persona-{item_id}"
    if action in ("objective", "add_objective"):
        return f"objective-{item_id}"
    if action == "map_header":
        return "map-header"
    if action == "remove":
        return "stages"
    if action in ("remove_persona", "remove_objective"):
        return "personas" if action == "remove_persona" else "objectives"
    return f"item-{item_id}"


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
