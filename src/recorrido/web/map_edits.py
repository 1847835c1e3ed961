"""The editor's changes, made on the map file's own YAML document (ruamel round trip), so the
file keeps its comments, key order, quoting and indentation wherever nothing changed.

Each function takes the file's text and returns the new text; :func:`check` then validates it
with the same code and messages as ``recorrido map validate``. Nothing here writes a file.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from recorrido.errors import RecorridoError
from recorrido.journey.validate import Problem, check_text
from recorrido.journey.yaml_io import _yaml, parse, plain, to_node


class EditRefused(RecorridoError):
    """An edit that cannot be applied (unknown id, a rule that is not YAML...)."""


def _document(text: str):
    document, style = parse(text)
    if not isinstance(document, CommentedMap) or not isinstance(
        document.get("stages"), CommentedSeq
    ):
        raise EditRefused("web_edit_not_a_map")
    return document, style


def _dump(document, style) -> str:
    stream = io.StringIO()
    _yaml(style).dump(document, stream)
    return stream.getvalue()


def _stage(document, stage_id: str) -> CommentedMap:
    for stage in document["stages"]:
        if isinstance(stage, dict) and stage.get("id") == stage_id:
            return stage
    raise EditRefused("web_edit_unknown", id=stage_id)


def _touchpoint(document, touchpoint_id: str) -> tuple[CommentedSeq, int]:
    for stage in document["stages"]:
        touchpoints = stage.get("touchpoints") if isinstance(stage, dict) else None
        for index, tp in enumerate(touchpoints or []):
            if isinstance(tp, dict) and tp.get("id") == touchpoint_id:
                return touchpoints, index
    raise EditRefused("web_edit_unknown", id=touchpoint_id)


def _ids(document) -> set[str]:
    found = set()
    for stage in document["stages"]:
        if isinstance(stage, dict):
            found.add(str(stage.get("id")))
            for tp in stage.get("touchpoints") or []:
                if isinstance(tp, dict):
                    found.add(str(tp.get("id")))
    return found


def new_id(name: str, taken: set[str]) -> str:
    """An id from a name (lowercase ASCII with dashes), unique among ``taken``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "item"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# -- reading ---------------------------------------------------------------------------------


def rule_text(text: str, touchpoint_id: str) -> str:
    """The touchpoint's ``match`` rule as YAML (empty when it has none), for the editor."""
    document, style = _document(text)
    touchpoints, index = _touchpoint(document, touchpoint_id)
    rule = touchpoints[index].get("match")
    if rule is None:
        return ""
    if isinstance(rule, CommentedMap):
        rule.fa.set_block_style()
    stream = io.StringIO()
    _yaml(style).dump(rule, stream)
    return stream.getvalue()


def parse_rule(rule: str) -> Any:
    """The editor's rule text as a YAML node; ``None`` for an empty text (no rule)."""
    if not rule.strip():
        return None
    try:
        node = _yaml().load(rule)
    except YAMLError as exc:
        raise EditRefused("web_edit_rule_yaml", detail=str(exc).splitlines()[0]) from None
    if not isinstance(node, dict):
        raise EditRefused("web_edit_rule_mapping")
    return node


# -- changing --------------------------------------------------------------------------------


def set_rule(text: str, touchpoint_id: str, rule: str) -> str:
    document, style = _document(text)
    touchpoints, index = _touchpoint(document, touchpoint_id)
    tp = touchpoints[index]
    node = parse_rule(rule)
    if node is None:
        tp.pop("match", None)
    elif "match" in tp:
        tp["match"] = node
    else:
        tp.insert(len(tp), "match", node)
    return _dump(document, style)


def rename(text: str, item_id: str, name: str) -> str:
    name = name.strip()
    if not name:
        raise EditRefused("web_edit_name_empty")
    document, style = _document(text)
    try:
        target = _stage(document, item_id)
    except EditRefused:
        touchpoints, index = _touchpoint(document, item_id)
        target = touchpoints[index]
    target["name"] = to_node(name)
    return _dump(document, style)


def move(text: str, item_id: str, delta: int) -> str:
    """Move a stage among the stages, or a touchpoint within its stage, by ``delta`` places."""
    document, style = _document(text)
    sequence, index = _place(document, item_id)
    return _move_within(document, style, sequence, index, index + delta)


def move_to(text: str, item_id: str, position: int) -> str:
    """Put a stage at ``position`` among the stages, or a touchpoint at ``position`` within its
    stage (0-based, clamped): what a drag and drop asks for."""
    document, style = _document(text)
    sequence, index = _place(document, item_id)
    return _move_within(document, style, sequence, index, position)


def _place(document, item_id: str) -> tuple[CommentedSeq, int]:
    stages = document["stages"]
    ids = [s.get("id") if isinstance(s, dict) else None for s in stages]
    if item_id in ids:
        return stages, ids.index(item_id)
    return _touchpoint(document, item_id)


def _move_within(document, style, sequence, index: int, target: int) -> str:
    target = max(0, min(len(sequence) - 1, target))
    if target != index:
        node = sequence[index]
        del sequence[index]
        sequence.insert(target, node)
    return _dump(document, style)


def move_to_stage(text: str, touchpoint_id: str, stage_id: str, position: int | None = None) -> str:
    """Move a touchpoint into another stage, at ``position`` among that stage's touchpoints
    (0-based, clamped; ``None``: last). The node moves whole, its rule and comments with it."""
    document, style = _document(text)
    touchpoints, index = _touchpoint(document, touchpoint_id)
    stage = _stage(document, stage_id)
    if stage.get("touchpoints") is touchpoints:
        return _move_within(
            document, style, touchpoints, index, len(touchpoints) if position is None else position
        )
    node = touchpoints[index]
    del touchpoints[index]
    if not isinstance(stage.get("touchpoints"), list):
        stage["touchpoints"] = CommentedSeq()
    target = stage["touchpoints"]
    where = len(target) if position is None else max(0, min(len(target), position))
    target.insert(where, node)
    return _dump(document, style)


def remove(text: str, item_id: str) -> str:
    """Remove a stage (with its touchpoints) or a touchpoint. What pointed at it (the goal, an
    objective's stages, a stage left with no touchpoint) is then reported by :func:`check`, in
    ``recorrido map validate``'s words, and the edit is not saved."""
    document, style = _document(text)
    sequence, index = _place(document, item_id)
    del sequence[index]
    return _dump(document, style)


def add_stage(text: str, name: str, touchpoint: str, channel: str = "") -> tuple[str, str]:
    """Append a stage named ``name`` with its first touchpoint (a map's stage needs one);
    returns the new text and the stage's id."""
    name, touchpoint = name.strip(), touchpoint.strip()
    if not name or not touchpoint:
        raise EditRefused("web_edit_name_empty")
    document, style = _document(text)
    taken = _ids(document)
    stage_id = new_id(name, taken)
    item: dict = {"id": new_id(touchpoint, taken | {stage_id}), "name": touchpoint}
    if channel.strip():
        item["channel"] = channel.strip()
    document["stages"].append(to_node({"id": stage_id, "name": name, "touchpoints": [item]}))
    return _dump(document, style), stage_id


def add_touchpoint(text: str, stage_id: str, name: str, channel: str = "") -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise EditRefused("web_edit_name_empty")
    document, style = _document(text)
    stage = _stage(document, stage_id)
    tp_id = new_id(name, _ids(document))
    item: dict = {"id": tp_id, "name": name}
    if channel.strip():
        item["channel"] = channel.strip()
    if not isinstance(stage.get("touchpoints"), list):
        stage["touchpoints"] = CommentedSeq()
    stage["touchpoints"].append(to_node(item))
    return _dump(document, style), tp_id


def check(text: str, lang: str) -> list[Problem]:
    """The problems of the new text, worded as ``recorrido map validate`` words them."""
    return check_text(text, lang)[0]


def outline(text: str) -> list[dict]:
    """Stages and touchpoints (id, name, rule present) in file order, for the editor page."""
    document, _ = _document(text)
    data = plain(document)
    return [
        {
            "id": stage.get("id"),
            "name": stage.get("name"),
            "touchpoints": [
                {
                    "id": tp.get("id"),
                    "name": tp.get("name"),
                    "channel": tp.get("channel"),
                    "has_rule": tp.get("match") is not None,
                }
                for tp in stage.get("touchpoints") or []
                if isinstance(tp, dict)
            ],
        }
        for stage in data["stages"]
        if isinstance(stage, dict)
    ]
