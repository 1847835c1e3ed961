"""The editor's changes to what a map *says* beyond its skeleton: personas, objectives with their
targets, a stage's lanes (goals, needs, activities, designed emotion, pain points, opportunities,
moments of truth, field notes) and a touchpoint's owner, resources and mode.

Like :mod:`recorrido.web.map_edits`, each function takes the file's text and returns the new
text, changed on the file's own round-trip document: a field that did not change keeps its
comments and flow style, a field the file did not have is inserted where the model puts it among
the keys the file has, and a field emptied in the form is removed (the model's default is empty).
Forms send lists as one item per line. Validation is left to ``map_edits.check``.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from recorrido.journey.model import MODES, PHASES, Objective, Persona, Stage, Touchpoint
from recorrido.journey.yaml_io import plain, sync, to_node
from recorrido.web.map_edits import (
    EditRefused,
    _document,
    _dump,
    _ids,
    _stage,
    _touchpoint,
    new_id,
    parse_rule,
)

#: The stage lanes the editor shows, each a list of texts (one per line in the form).
STAGE_LISTS = (
    "goals",
    "needs",
    "activities",
    "pain_points",
    "opportunities",
    "moments_of_truth",
    "notes",
)
PERSONA_TEXTS = ("description", "demographics", "income")
PERSONA_LISTS = ("needs", "tastes")
EMOTION_SCORES = (-2, -1, 0, 1, 2)
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
#: The model's ``Id``: what an id typed in the editor must look like.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def lines(text: str | None) -> list[str]:
    """A textarea's items: one per non-empty line, trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _set(node: CommentedMap, key: str, value: Any, order: list[str]) -> None:
    """``node[key] = value`` keeping the file's layout; ``None``, ``""`` and ``[]`` remove it."""
    if value is None or value == "" or value == []:
        node.pop(key, None)
        return
    if key in node:
        node[key] = sync(node[key], value)
        return
    node.insert(_position(node, key, order), key, to_node(value))


def _position(node: CommentedMap, key: str, order: list[str]) -> int:
    """Where the model puts ``key``: after the nearest earlier field that the file has."""
    earlier = order[: order.index(key)] if key in order else order
    present = [k for k in earlier if k in node]
    return list(node).index(present[-1]) + 1 if present else 0


class _KeepEnd:
    """Keeps the blank lines that end ``node`` in the file at its end across a change.

    ruamel stores them as a comment on the deepest last key, so a key added after it, or the
    removal of that key, would move them inside the item (or drop them). An end-of-line comment
    (``# ...``) is left where it is: it belongs to its line.
    """

    def __init__(self, node) -> None:
        self.node = node

    def __enter__(self) -> None:
        self.token = None
        where = _last_key(self.node)
        if where is not None:
            slot = where[0].ca.items.get(where[1])
            if slot and len(slot) > 2 and slot[2] is not None and not slot[2].value.strip():
                self.token, slot[2] = slot[2], None

    def __exit__(self, *exc) -> None:
        where = _last_key(self.node) if self.token is not None else None
        if where is not None:
            slot = where[0].ca.items.setdefault(where[1], [None, None, None, None])
            if slot[2] is None:
                slot[2] = self.token


def _last_key(node) -> tuple[CommentedMap, Any] | None:
    """The mapping and key that end ``node`` in block style, or ``None``."""
    while True:
        if isinstance(node, CommentedMap) and node:
            key = list(node)[-1]
            value = node[key]
            if (
                isinstance(value, CommentedMap | CommentedSeq)
                and value
                and not value.fa.flow_style()
            ):
                node = value
                continue
            return node, key
        last = node[-1] if isinstance(node, CommentedSeq) and node else None
        if isinstance(last, CommentedMap) and not node.fa.flow_style():
            node = last
            continue
        return None


def _order(model) -> list[str]:
    return list(model.model_fields)


def _list(document: CommentedMap, key: str) -> CommentedSeq:
    """The map's top-level list ``key`` (personas, objectives), made where the model puts it."""
    if not isinstance(document.get(key), list):
        document.pop(key, None)
        document.insert(_position(document, key, _order_of_map()), key, CommentedSeq())
    return document[key]


def _order_of_map() -> list[str]:
    from recorrido.journey.model import JourneyMap

    return _order(JourneyMap)


def _find(items: CommentedSeq, item_id: str) -> CommentedMap:
    for item in items:
        if isinstance(item, dict) and item.get("id") == item_id:
            return item
    raise EditRefused("web_edit_unknown", id=item_id)


def _all_ids(document: CommentedMap) -> set[str]:
    taken = _ids(document)
    for key in ("personas", "objectives"):
        for item in document.get(key) or []:
            if isinstance(item, dict):
                taken.add(str(item.get("id")))
    return taken


def _target(text: str) -> Any:
    """A target as typed: a number when it reads as one (``0.05``, ``0,05``, ``12``), else the
    text (``< 60 %``), as the model accepts both."""
    text = text.strip()
    if not text:
        return None
    if _NUMBER.match(text):
        number = float(text.replace(",", "."))
        return int(number) if "." not in text and "," not in text else number
    return text


# -- stages and touchpoints ------------------------------------------------------------------


def set_stage_details(text: str, stage_id: str, field: dict[str, str]) -> str:
    """The stage's lanes from the form: one list per lane, the emotion's score and words."""
    document, style = _document(text)
    stage = _stage(document, stage_id)
    order = _order(Stage)
    with _KeepEnd(stage):
        if "phase" in field:
            phase = field["phase"].strip()
            if phase and phase not in PHASES:
                raise EditRefused("web_edit_unknown", id=phase[:40])
            _set(stage, "phase", phase, order)
        if "description" in field:
            _set(stage, "description", field["description"].strip(), order)
        for key in STAGE_LISTS:
            if key in field:
                _set(stage, key, lines(field[key]), order)
        if "emotion_score" in field:
            score_text = field["emotion_score"].strip()
            if not score_text:
                _set(stage, "emotion", None, order)
            else:
                try:
                    score = int(score_text)
                except ValueError:
                    raise EditRefused("web_edit_emotion_score", value=score_text[:20]) from None
                words = lines(field.get("emotion_words", "").replace(",", "\n"))
                emotion: dict[str, Any] = {"score": score}
                if words:
                    emotion["words"] = words
                old = stage.get("emotion")
                if isinstance(old, CommentedMap):
                    _set(old, "score", score, ["score", "words"])
                    _set(old, "words", words, ["score", "words"])
                else:
                    _set(stage, "emotion", emotion, order)
    return _dump(document, style)


def set_touchpoint_details(
    text: str, touchpoint_id: str, field: dict[str, str], personas: list[str] | None = None
) -> str:
    """A touchpoint's channel, description, owner, resources (one per line), mode, KPI (metric
    and target) and the personas who use it (``None``: the form did not hold them)."""
    document, style = _document(text)
    touchpoints, index = _touchpoint(document, touchpoint_id)
    tp = touchpoints[index]
    order = _order(Touchpoint)
    with _KeepEnd(tp):
        for key in ("channel", "description"):
            if key in field:
                _set(tp, key, field[key].strip(), order)
        if "kpi_metric" in field:
            _set_kpi(tp, field["kpi_metric"].strip(), field.get("kpi_target", ""), order)
        if personas is not None:
            _set(tp, "personas", personas, order)
        if "owner" in field:
            _set(tp, "owner", field["owner"].strip(), order)
        if "resources" in field:
            _set(tp, "resources", lines(field["resources"]), order)
        if "mode" in field:
            mode = field["mode"].strip()
            if mode and mode not in MODES:
                raise EditRefused("web_edit_unknown", id=mode[:40])
            _set(tp, "mode", mode, order)
    return _dump(document, style)


def _set_kpi(tp: CommentedMap, metric: str, target_text: str, order: list[str]) -> None:
    """The KPI from its two fields: no metric removes it (a target alone means nothing)."""
    if not metric:
        if _target(target_text) is not None:
            raise EditRefused("web_edit_kpi_no_metric")
        _set(tp, "kpi", None, order)
        return
    old = tp.get("kpi")
    if isinstance(old, CommentedMap):
        _set(old, "metric", metric, ["metric", "target"])
        _set(old, "target", _target(target_text), ["metric", "target"])
    else:
        kpi: dict[str, Any] = {"metric": metric}
        if _target(target_text) is not None:
            kpi["target"] = _target(target_text)
        _set(tp, "kpi", kpi, order)


# -- personas --------------------------------------------------------------------------------


def add_persona(text: str, name: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise EditRefused("web_edit_name_empty")
    document, style = _document(text)
    persona_id = new_id(name, _all_ids(document))
    items = _list(document, "personas")
    with _KeepEnd(items):
        items.append(to_node({"id": persona_id, "name": name}))
    return _dump(document, style), persona_id


def set_persona(text: str, persona_id: str, field: dict[str, str]) -> str:
    """A persona's name, texts, lists (one per line) and the data rule that selects them."""
    document, style = _document(text)
    persona = _find(document.get("personas") or CommentedSeq(), persona_id)
    order = _order(Persona)
    with _KeepEnd(persona):
        if "name" in field:
            if not field["name"].strip():
                raise EditRefused("web_edit_name_empty")
            _set(persona, "name", field["name"].strip(), order)
        for key in PERSONA_TEXTS:
            if key in field:
                _set(persona, key, field[key].strip(), order)
        for key in PERSONA_LISTS:
            if key in field:
                _set(persona, key, lines(field[key]), order)
        if "rule" in field:
            node = parse_rule(field["rule"])
            if node is None:
                persona.pop("rule", None)
            elif plain(node) != plain(persona.get("rule")):
                _set(persona, "rule", None, order)
                persona.insert(_position(persona, "rule", order), "rule", node)
    return _dump(document, style)


def change_id(text: str, kind: str, item_id: str, new: str) -> str:
    """Give a persona or an objective another id, and every touchpoint that names the persona
    the new one. (A stage's or touchpoint's id: ``web/map_ids.py``, which also looks outside
    the map file.)"""
    if kind not in ("personas", "objectives"):
        raise EditRefused("web_edit_unknown", id=kind[:40])
    new = new.strip()
    if not _ID.match(new):
        raise EditRefused("web_edit_id_invalid", id=new[:40])
    document, style = _document(text)
    item = _find(document.get(kind) or CommentedSeq(), item_id)
    if new == item_id:
        return text
    if new in _all_ids(document):
        raise EditRefused("web_edit_id_taken", id=new)
    item["id"] = new
    if kind == "personas":
        for stage in document["stages"]:
            for tp in (stage.get("touchpoints") or []) if isinstance(stage, dict) else []:
                named = tp.get("personas") if isinstance(tp, dict) else None
                if isinstance(named, list):
                    for index, value in enumerate(named):
                        if value == item_id:
                            named[index] = new
    return _dump(document, style)


def remove_item(text: str, kind: str, item_id: str) -> str:
    """Remove a persona or an objective; references to it are then reported by validation."""
    if kind not in ("personas", "objectives"):
        raise EditRefused("web_edit_unknown", id=kind[:40])
    document, style = _document(text)
    items = document.get(kind) or CommentedSeq()
    item = _find(items, item_id)
    with _KeepEnd(items):
        items.remove(item)
    if not items:
        document.pop(kind, None)
    return _dump(document, style)


# -- objectives ------------------------------------------------------------------------------


def add_objective(text: str, words: str) -> tuple[str, str]:
    words = words.strip()
    if not words:
        raise EditRefused("web_edit_name_empty")
    document, style = _document(text)
    objective_id = new_id(" ".join(words.split()[:4]), _all_ids(document))
    items = _list(document, "objectives")
    with _KeepEnd(items):
        items.append(to_node({"id": objective_id, "text": words}))
    return _dump(document, style), objective_id


def set_objective(
    text: str, objective_id: str, field: dict[str, str], stages: list[str] | None
) -> str:
    """An objective's words, metric, target (a number when it reads as one) and stages."""
    document, style = _document(text)
    objective = _find(document.get("objectives") or CommentedSeq(), objective_id)
    order = _order(Objective)
    with _KeepEnd(objective):
        if "text" in field:
            if not field["text"].strip():
                raise EditRefused("web_edit_name_empty")
            _set(objective, "text", field["text"].strip(), order)
        if "metric" in field:
            _set(objective, "metric", field["metric"].strip(), order)
        if "target" in field:
            _set(objective, "target", _target(field["target"]), order)
        if stages is not None:
            _set(objective, "stages", stages, order)
    return _dump(document, style)


# -- reading, for the page -------------------------------------------------------------------


def details(text: str) -> dict:
    """Personas, objectives and every stage's and touchpoint's details as plain values."""
    document, _ = _document(text)
    data = plain(document)
    stages = {}
    touchpoints = {}
    for stage in data["stages"]:
        if not isinstance(stage, dict):
            continue
        emotion = stage.get("emotion") if isinstance(stage.get("emotion"), dict) else {}
        stages[stage.get("id")] = {
            "phase": stage.get("phase") or "",
            "description": stage.get("description") or "",
            **{key: _as_list(stage.get(key)) for key in STAGE_LISTS},
            "emotion_score": emotion.get("score"),
            "emotion_words": _as_list(emotion.get("words")),
        }
        for tp in stage.get("touchpoints") or []:
            if isinstance(tp, dict):
                kpi = tp.get("kpi") if isinstance(tp.get("kpi"), dict) else {}
                touchpoints[tp.get("id")] = {
                    "channel": tp.get("channel") or "",
                    "description": tp.get("description") or "",
                    "kpi_metric": kpi.get("metric") or "",
                    "kpi_target": "" if kpi.get("target") is None else str(kpi.get("target")),
                    "personas": _as_list(tp.get("personas")),
                    "owner": tp.get("owner") or "",
                    "resources": _as_list(tp.get("resources")),
                    "mode": tp.get("mode") or "",
                }
    personas = []
    for persona in data.get("personas") or []:
        if not isinstance(persona, dict):
            continue
        rule = _rule_text(document, persona.get("id"))
        personas.append(
            {
                "id": persona.get("id"),
                "name": persona.get("name") or "",
                **{key: persona.get(key) or "" for key in PERSONA_TEXTS},
                **{key: _as_list(persona.get(key)) for key in PERSONA_LISTS},
                "rule": rule,
            }
        )
    objectives = [
        {
            "id": o.get("id"),
            "text": o.get("text") or "",
            "metric": o.get("metric") or "",
            "target": "" if o.get("target") is None else str(o.get("target")),
            "stages": _as_list(o.get("stages")),
        }
        for o in data.get("objectives") or []
        if isinstance(o, dict)
    ]
    return {
        "stages": stages,
        "touchpoints": touchpoints,
        "personas": personas,
        "objectives": objectives,
    }


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _rule_text(document: CommentedMap, persona_id: Any) -> str:
    import io

    from recorrido.journey.yaml_io import _yaml

    for persona in document.get("personas") or []:
        if isinstance(persona, dict) and persona.get("id") == persona_id:
            rule = persona.get("rule")
            if rule is None:
                return ""
            if isinstance(rule, CommentedMap):
                rule.fa.set_block_style()
            stream = io.StringIO()
            _yaml().dump(rule, stream)
            return stream.getvalue()
    return ""
