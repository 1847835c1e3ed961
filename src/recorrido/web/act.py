"""The Act page: the workspace's automation files, each drawn as a step graph with its per-step
counts, a dry run over stored history, and publish / pause behind a confirmation.

Automation files are the YAML files at the top of the workspace folder that read as automations
(``id``, ``entry`` and ``steps``; maps have ``stages``). Counts come from the automations' own
store (``DIR/automations.sqlite``, :meth:`Store.status`, the figures of ``recorrido automations
status``), summed over versions; the dry run is :func:`recorrido.automations.dryrun.dry_run`, the
code of ``recorrido automations dry-run``, on the server's one connection. The graph is SVG drawn
on the server: no script, so it obeys the page's Content-Security-Policy as it is.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from ruamel.yaml import YAML

from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.web.map_files import map_names, map_path
from recorrido.web.pages import SECURITY_HEADERS, Editor, PageError, Viewer, check_csrf, page

router = APIRouter()

ROW = 46  # height of one step's row in the graph, in SVG units
INDENT = 28  # how far a branch's steps sit to the right of the step they hang from
BOX_WIDTH = 480


@dataclass
class Node:
    """One step as drawn: its box, its kind and its counts."""

    id: str
    kind: str
    x: int
    y: int
    counts: dict[str, int]
    branches: dict[str, int]


@dataclass
class AutomationFile:
    file: str
    id: str | None = None
    name: str | None = None
    problems: list[str] = field(default_factory=list)
    published: dict[str, Any] | None = None  # the row of Store.listing()
    status: dict[str, Any] | None = None
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[int, int, int, int]] = field(default_factory=list)
    height: int = 0


def automation_names(folder: Path) -> list[str]:
    """The YAML files of ``folder`` that read as automations (a cheap look at the top keys)."""
    found = []
    for name in map_names(folder):
        try:
            data = YAML(typ="safe").load((Path(folder) / name).read_text(encoding="utf-8"))
        except Exception:  # any unreadable YAML is simply not an automation
            continue
        if isinstance(data, dict) and {"id", "entry", "steps"} <= data.keys():
            found.append(name)
    return found


def automation_path(folder: Path, name: str) -> Path:
    """Only names of automation files that are in the folder (no other path can be reached)."""
    if name not in automation_names(folder):
        raise PageError(404, "not_found")
    return Path(folder) / name


def step_counts(status: dict | None) -> dict[str, dict[str, Any]]:
    """Per step, the counts of every version added together."""
    total: dict[str, dict[str, Any]] = {}
    for row in (status or {}).get("steps", []):
        entry = total.setdefault(row["step"], {"counts": {}, "branches": {}})
        for key in ("entered", "waiting", "proceeded", "exited", "goal"):
            entry["counts"][key] = entry["counts"].get(key, 0) + row[key]
        for branch, count in row["branches"].items():
            entry["branches"][branch] = entry["branches"].get(branch, 0) + count
    return total


def dry_run_counts(steps: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    """The dry run's per-step counts (``DryRunResult.steps``) in the shape of :func:`step_counts`
    (a pass still waiting at the window's end is counted as waiting)."""
    from recorrido.automations.step_figures import step_figures

    shaped = {}
    for step, c in steps.items():
        figures = step_figures(c)
        shaped[step] = {"branches": figures.pop("branches"), "counts": figures}
    return shaped


def layout(automation, counts: dict[str, dict[str, Any]]) -> tuple[list[Node], list, int]:
    """Steps top to bottom in file order; a branch's steps indented under the step they hang
    from, with a line from that step to each of them, and one line down the main path."""
    from recorrido.automations.model import children

    nodes: list[Node] = []
    edges: list[tuple[int, int, int, int]] = []

    def place(steps, depth: int, parent: Node | None) -> None:
        previous = parent
        for step in steps:
            figures = counts.get(step.id, {"counts": {}, "branches": {}})
            node = Node(
                step.id,
                step.kind,
                4 + depth * INDENT,
                4 + len(nodes) * ROW,
                figures["counts"],
                figures["branches"],
            )
            nodes.append(node)
            if previous is not None:
                edges.append((previous.x + 10, previous.y + ROW - 10, node.x + 10, node.y))
            previous = node
            for branch in children(step):
                place(branch, depth + 1, node)

    place(automation.steps, 0, None)
    return nodes, edges, 8 + len(nodes) * ROW


def describe(folder: Path, name: str, lang: str) -> AutomationFile:
    """One automation file: its problems, or its steps laid out with their counts."""
    from recorrido.automations.store import Store
    from recorrido.automations.validate import validate_file

    shown = AutomationFile(name)
    try:
        problems, automation = validate_file(Path(folder) / name, lang)
    except RecorridoError as exc:
        shown.problems = [message(exc.key, lang, **exc.params)]
        return shown
    if automation is None or problems:
        shown.problems = [str(p) for p in problems]
        return shown
    shown.id, shown.name = automation.id, automation.name
    store = Store.for_folder(folder)
    shown.published = next((r for r in store.listing() if r["automation"] == automation.id), None)
    if shown.published is not None:
        shown.status = store.status(automation.id)
    shown.nodes, shown.edges, shown.height = layout(automation, step_counts(shown.status))
    return shown


def _folder(request: Request) -> Path:
    return Path(request.app.state.ctx.folder)


@router.get("/act")
async def act(request: Request, current: Viewer, draft: str = ""):
    folder = _folder(request)
    names = automation_names(folder)
    files = [await run_in_threadpool(describe, folder, n, current.lang) for n in names]
    return page(
        "act.html.j2",
        current,
        files=files,
        box_width=BOX_WIDTH,
        row=ROW,
        draft=draft if draft in names else "",
    )


@router.post("/act/draft")
async def start_draft(
    request: Request,
    current: Editor,
    map: str = Form(...),
    touchpoint: str = Form(""),
    stage: str = Form(""),
    days: str = Form(""),
    action: str = Form("email"),
    url: str = Form(""),
):
    """A draft automation from the map's panel (``web/act_draft.py``), then the Act page with
    it: nothing is published until its confirmation there."""
    from recorrido.journey import JourneyMap
    from recorrido.web.act_draft import DAYS_DEFAULT
    from recorrido.web.act_draft import draft as write_draft

    await check_csrf(request, current)
    folder = _folder(request)
    path = map_path(folder, map)
    if bool(touchpoint) == bool(stage):
        raise PageError(404, "not_found")
    try:
        wait = int(days.strip()) if days.strip() else DAYS_DEFAULT
    except ValueError:
        wait = -1

    def work() -> str:
        journey = JourneyMap.load(path)
        return write_draft(
            folder,
            map,
            journey,
            touchpoint=touchpoint or None,
            stage=stage or None,
            days=wait,
            author=current.user.name,
            action=action,
            url=url,
        )

    try:
        name = await run_in_threadpool(work)
    except RecorridoError as exc:
        problem = message(exc.key, current.lang, **exc.params)
        return page("act_draft_error.html.j2", current, 422, problem=problem, map=map)
    return RedirectResponse(
        f"/act?draft={quote(name)}#draft", status_code=303, headers=SECURITY_HEADERS
    )


@router.get("/act/{name}/dry-run")
async def dry_run_page(
    request: Request, name: str, current: Viewer, start: str = "", end: str = ""
):
    """The dry run of one file over stored history (every day held, or the days asked)."""
    from recorrido.automations.dryrun import dry_run, parse_day
    from recorrido.automations.validate import load_automation, load_journey_for

    path = automation_path(_folder(request), name)

    def work(ws):
        from datetime import timedelta

        automation = load_automation(path)
        journey = load_journey_for(path, automation, None)
        # The days held, as `recorrido automations dry-run` takes them when none are given.
        low, high = ws.con.sql("select min(timestamp), max(timestamp) from events").to_pyarrow()
        first = parse_day(start) if start else low[0].as_py()
        last = parse_day(end, end=True) if end else high[0].as_py() + timedelta(microseconds=1)
        return automation, dry_run(ws, automation, first, last, journey)

    result, problem, shown = None, None, None
    try:
        automation, result = await request.app.state.ctx.arun(work)
    except RecorridoError as exc:
        problem = message(exc.key, current.lang, **exc.params)
    else:
        # the same graph as the Act page's, with what the dry run counted at each step
        shown = AutomationFile(name, automation.id, automation.name)
        shown.nodes, shown.edges, shown.height = layout(automation, dry_run_counts(result.steps))
    return page(
        "act_dry_run.html.j2",
        current,
        file=name,
        result=result,
        shown=shown,
        box_width=BOX_WIDTH,
        row=ROW,
        problem=problem,
        start=start,
        end=end,
    )


@router.get("/act/{name}/confirm")
async def confirm(request: Request, name: str, current: Editor, action: str = "publish"):
    """The confirmation before a change: what will happen, and one button to do it."""
    if action not in ("publish", "pause", "resume"):
        raise PageError(404, "not_found")
    folder = _folder(request)
    automation_path(folder, name)
    shown = await run_in_threadpool(describe, folder, name, current.lang)
    return page("act_confirm.html.j2", current, file=name, action=action, shown=shown)


@router.post("/act/{name}/publish")
async def publish(request: Request, name: str, current: Editor):
    from recorrido.automations.store import Store
    from recorrido.automations.validate import load_automation, load_journey_for

    await check_csrf(request, current)
    folder = _folder(request)
    path = automation_path(folder, name)

    def work():
        automation = load_automation(path)
        journey = load_journey_for(path, automation, None)
        return Store.for_folder(folder).publish(automation, path, journey)

    with contextlib.suppress(RecorridoError):  # the Act page lists the file's problems
        await run_in_threadpool(work)
    return RedirectResponse("/act", status_code=303, headers=SECURITY_HEADERS)


@router.post("/act/{name}/pause")
async def pause(request: Request, name: str, current: Editor, resume: str = Form("")):
    from recorrido.automations.store import Store
    from recorrido.automations.validate import load_automation

    await check_csrf(request, current)
    folder = _folder(request)
    path = automation_path(folder, name)

    def work():
        Store.for_folder(folder).set_paused(load_automation(path).id, resume != "yes")

    with contextlib.suppress(RecorridoError):  # not published: the Act page says so
        await run_in_threadpool(work)
    return RedirectResponse("/act", status_code=303, headers=SECURITY_HEADERS)
