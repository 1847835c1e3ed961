"""The editor's changes to the map as a whole: its name, description, language and goal.

Like the other editor modules, each function takes the file's text and returns the new text,
changed on the file's own round-trip document; validation is left to ``map_edits.check`` (a goal
naming a touchpoint without a rule is refused there, in ``recorrido map validate``'s words).
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap

from recorrido.journey.model import JourneyMap
from recorrido.journey.yaml_io import plain
from recorrido.web.map_details import _KeepEnd, _order, _set
from recorrido.web.map_edits import EditRefused, _document, _dump

LANGUAGES = ("es", "en")


def set_header(text: str, field: dict[str, str]) -> str:
    """Name, description and language from the form; the goal from ``goal_touchpoint`` or
    ``goal_event`` (one of them: a goal is a touchpoint reached or an event done)."""
    document, style = _document(text)
    order = _order(JourneyMap)
    with _KeepEnd(document):
        if "name" in field:
            if not field["name"].strip():
                raise EditRefused("web_edit_name_empty")
            _set(document, "name", field["name"].strip(), order)
        if "description" in field:
            _set(document, "description", field["description"].strip(), order)
        if "language" in field:
            language = field["language"].strip()
            if language not in LANGUAGES:
                raise EditRefused("web_edit_unknown", id=language[:40])
            if "language" in document or language != "es":  # "es" is the model's default
                _set(document, "language", language, order)
        if "goal_touchpoint" in field or "goal_event" in field:
            _set_goal(
                document,
                field.get("goal_touchpoint", "").strip(),
                field.get("goal_event", "").strip(),
                order,
            )
    return _dump(document, style)


def _set_goal(document: CommentedMap, touchpoint: str, event: str, order: list[str]) -> None:
    if touchpoint and event:
        raise EditRefused("web_edit_goal_both")
    if not touchpoint and not event:
        _set(document, "goal", None, order)
        return
    key, value = ("touchpoint", touchpoint) if touchpoint else ("event", event)
    old = document.get("goal")
    if isinstance(old, CommentedMap) and list(old) == [key]:
        _set(old, key, value, [key])
    else:
        _set(document, "goal", None, order)
        _set(document, "goal", {key: value}, order)


def header(text: str) -> dict:
    """Name, description, language and goal as plain values, for the editor page."""
    document, _ = _document(text)
    data = plain(document)
    goal = data.get("goal") if isinstance(data.get("goal"), dict) else {}
    return {
        "name": data.get("name") or "",
        "description": data.get("description") or "",
        "language": data.get("language") or "es",
        "goal_touchpoint": goal.get("touchpoint") or "",
        "goal_event": goal.get("event") or "",
    }
