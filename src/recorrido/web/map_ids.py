"""A stage or touchpoint given another id in the editor, and what outside the map file names it.

Inside the map an id is named by the goal (a touchpoint) and the objectives (their stages): they
follow the new id. Outside it, automation files beside the map name touchpoints and stages (an
entry, a condition, a task's owner) and feedback rows carry the stage and touchpoint they were
placed at; a new id would leave them naming nothing, silently (an automation that never enters,
quotes that leave their stage). So the editor changes the id only when nothing outside the map
names it, and otherwise refuses, naming the files and counting the rows, so the person can
decide (change the automation, keep the id). Published automations run their published copy,
which was a file of the folder when published: the folder's files are what is read here.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from recorrido.web.map_details import _ID, _all_ids
from recorrido.web.map_edits import EditRefused, _document, _dump, _stage, _touchpoint

#: The key an automation names each kind with.
KEYS = {"stage": "stage", "touchpoint": "touchpoint"}


def change_id(text: str, kind: str, item_id: str, new: str) -> str:
    """``text`` with the stage or touchpoint ``item_id`` called ``new``, and the goal and the
    objectives that name it following."""
    if kind not in KEYS:
        raise EditRefused("web_edit_unknown", id=kind[:40])
    new = new.strip()
    if not _ID.match(new):
        raise EditRefused("web_edit_id_invalid", id=new[:40])
    document, style = _document(text)
    if kind == "stage":
        item = _stage(document, item_id)
    else:
        touchpoints, index = _touchpoint(document, item_id)
        item = touchpoints[index]
    if new == item_id:
        return text
    if new in _all_ids(document):
        raise EditRefused("web_edit_id_taken", id=new)
    item["id"] = new
    goal = document.get("goal")
    if kind == "touchpoint" and isinstance(goal, dict) and goal.get("touchpoint") == item_id:
        goal["touchpoint"] = new
    if kind == "stage":
        for objective in document.get("objectives") or []:
            named = objective.get("stages") if isinstance(objective, dict) else None
            if isinstance(named, list):
                for place, value in enumerate(named):
                    if value == item_id:
                        named[place] = new
    return _dump(document, style)


def named_outside(workspace, folder: Path, map_file: str, kind: str, item_id: str) -> dict:
    """What outside the map file names the stage or touchpoint ``item_id``: ``files`` (the
    automation files of ``folder`` on this map that name it) and ``feedback`` (the feedback
    rows placed at it)."""
    from recorrido.web.act import automation_names

    files = []
    for name in automation_names(folder):
        try:
            data = YAML(typ="safe").load((Path(folder) / name).read_text(encoding="utf-8"))
        except Exception:  # listed as an automation a moment ago; gone or broken now
            continue
        if _same_map(folder, name, data.get("map"), map_file) and _names(data, KEYS[kind], item_id):
            files.append(name)
    return {"files": files, "feedback": _feedback_rows(workspace, kind, item_id)}


def refuse_if_named(outside: dict, item_id: str) -> None:
    """Refuse the new id, in words, when something outside the map names the old one."""
    if outside["files"] or outside["feedback"]:
        raise EditRefused(
            "web_edit_id_named_outside",
            id=item_id,
            files=", ".join(outside["files"]) or "—",
            rows=outside["feedback"],
        )


def _same_map(folder: Path, automation: str, named, map_file: str) -> bool:
    """Whether the automation's ``map`` (relative to its own file) is this map file."""
    if not isinstance(named, str):
        return False
    here = (Path(folder) / automation).parent
    return (here / named).resolve() == (Path(folder) / map_file).resolve()


def _names(node, key: str, item_id: str) -> bool:
    """Whether ``key: item_id`` appears anywhere in the automation (entry, steps, branches)."""
    if isinstance(node, dict):
        if node.get(key) == item_id:
            return True
        return any(_names(value, key, item_id) for value in node.values())
    if isinstance(node, list):
        return any(_names(value, key, item_id) for value in node)
    return False


def _feedback_rows(workspace, kind: str, item_id: str) -> int:
    from recorrido.feedback.store import FEEDBACK

    if FEEDBACK not in workspace.con.list_tables():
        return 0
    table = workspace.con.table(FEEDBACK)
    return int(table.filter(table[kind] == item_id).count().execute())
