"""Every problem of a map file at once, each with its code, key path, line and column.

Three passes over the same document, none of which stops the others: YAML syntax, the typed model
(pydantic's errors are translated into problems pointing into the file), and the checks that need
the whole map (unique ids, references, stages without touchpoints, the goal). The whole-map checks
read the raw document defensively, so they still run when the model refused something else.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from recorrido.errors import RecorridoError, did_you_mean
from recorrido.i18n import LANGUAGES, message
from recorrido.journey.model import JourneyMap
from recorrido.journey.yaml_io import (
    YamlSyntaxError,
    YamlTooLarge,
    format_path,
    locate,
    parse,
    plain,
)

_PYDANTIC_TYPES = {
    "string_type": "text",
    "string_sub_type": "text",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "list_type": "list",
    "model_type": "mapping",
    "model_attributes_type": "mapping",
    "dict_type": "mapping",
}
#: A broken file's ``language:`` line, read without YAML so its error is in that language.
_DECLARED_LANGUAGE = re.compile(r"^language:\s*[\"']?(es|en)\b", re.MULTILINE)
#: Problems raised by the model's own validators keep their code.
_OWN_CODES = {
    "empty_rule",
    "invalid_regex",
    "invalid_property_key",
    "condition_operator",
    "goal_invalid",
}


@dataclass
class Problem:
    """One thing wrong in a map (or automation) file. ``line`` and ``column`` are 1-based."""

    code: str
    path: str
    line: int
    column: int
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}"
        return f"{where} {self.path or '-'}: {self.message}"


class MapInvalid(RecorridoError):
    """A map file with problems; ``problems`` lists them all."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0]
        super().__init__(
            "map_invalid",
            path=source,
            count=len(problems),
            line=first.line,
            column=first.column,
            first=first.message,
        )


def validate_map(path: str | Path, lang: str | None = None) -> list[Problem]:
    """The problems of the map file at ``path`` (empty when it is valid).

    Messages are in ``lang``, else in the map's own ``language``, else Spanish.
    """
    return check_text(read_map_file(Path(path)), lang)[0]


def check_text(text: str, lang: str | None = None) -> tuple[list[Problem], JourneyMap | None]:
    """Problems of a map's YAML text, and the map when there are none."""
    try:
        document, style = parse(text)
    except YamlSyntaxError as exc:
        declared = _DECLARED_LANGUAGE.search(text)
        lang = lang or (declared.group(1) if declared else "es")
        problem = Problem(
            "yaml_syntax",
            "",
            exc.line,
            exc.column,
            message("map_yaml_syntax", lang, problem=_syntax_problem(exc, lang)),
            {"problem": exc.problem},
        )
        return [problem], None
    lang = lang or _language_of(document)
    if not isinstance(document, dict):
        return [_problem(document, "not_a_mapping", (), lang)], None
    data = plain(document)
    problems: list[Problem] = []
    journey: JourneyMap | None = None
    try:
        journey = JourneyMap.model_validate(data)
    except ValidationError as exc:
        problems += _model_problems(document, exc, lang)
    problems += _whole_map_problems(document, data, lang)
    unique: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.code, problem.path), problem)
    ordered = sorted(unique.values(), key=lambda p: (p.line, p.column, p.path))
    if ordered:
        return ordered, None
    assert journey is not None
    journey._document, journey._style = document, style
    return [], journey


def _syntax_problem(exc: YamlSyntaxError, lang: str) -> str:
    """ruamel's own words, or a limit of :mod:`recorrido.bounded` in the reader's language."""
    if isinstance(exc, YamlTooLarge):
        return message(exc.key, lang, **exc.params)
    return exc.problem


def load_map(path: Path) -> JourneyMap:
    return load_map_text(read_map_file(path), str(path))


def load_map_text(text: str, source: str = "<text>") -> JourneyMap:
    problems, journey = check_text(text)
    if problems:
        raise MapInvalid(source, problems)
    assert journey is not None
    return journey


def read_map_file(path: Path) -> str:
    """The text of a map file, or a clear error when it is missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecorridoError("map_file_missing", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecorridoError("map_file_unreadable", path=str(path), detail=str(exc)) from None


def _language_of(document: Any) -> str:
    if isinstance(document, dict) and document.get("language") in LANGUAGES:
        return str(document["language"])
    return "es"


def _problem(
    document: Any,
    code: str,
    path: tuple,
    lang: str,
    *,
    at_key: bool = False,
    text: str | None = None,
    **params: Any,
) -> Problem:
    _, line, column = locate(document, path, at_key=at_key)
    shown = message(text or f"map_{code}", lang, **params)
    return Problem(code, format_path(path), line, column, shown, params)


# -- the model's errors --------------------------------------------------------------------------


def _model_problems(document: Any, exc: ValidationError, lang: str) -> Iterator[Problem]:
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        ctx = error.get("ctx") or {}
        value = error.get("input")
        shown = _show(value)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            known = _known_keys(loc[:-1])
            yield _problem(
                document,
                "unknown_key",
                loc,
                lang,
                at_key=True,
                name=key,
                known=", ".join(known),
                hint=_hint(key, known, lang),
            )
        elif kind == "missing":
            yield _problem(document, "missing_key", loc, lang, name=str(loc[-1]))
        elif kind == "literal_error":
            expected = str(ctx.get("expected", ""))
            choices = ", ".join(re.findall(r"'([^']*)'", expected)) or expected
            yield _problem(document, "unknown_choice", loc, lang, value=shown, choices=choices)
        elif kind in ("greater_than_equal", "less_than_equal"):
            limit = f"≥ {ctx['ge']}" if "ge" in ctx else f"≤ {ctx['le']}"
            yield _problem(document, "out_of_range", loc, lang, value=shown, limit=limit)
        elif kind == "string_pattern_mismatch":
            yield _problem(document, "bad_id", loc, lang, value=shown)
        elif kind == "too_short":
            yield _problem(document, "empty_list", loc, lang, name=_last_key(loc))
        elif kind == "invalid_regex":
            reason = message(f"map_{ctx['reason']}", lang, detail=ctx.get("detail", ""))
            yield _problem(
                document,
                "invalid_regex",
                loc,
                lang,
                pattern=ctx["pattern"],
                position=ctx["position"],
                reason=reason,
            )
        elif kind in _OWN_CODES:
            yield _problem(document, kind, loc, lang, **{k: str(v) for k, v in ctx.items()})
        elif kind in _PYDANTIC_TYPES or kind == "wrong_type":
            expected = _PYDANTIC_TYPES.get(kind) or ctx.get("kind", "value")
            number = _number_in(value)
            yield _problem(
                document,
                "wrong_type",
                loc,
                lang,
                # YAML reads 404 or 2024 as a number: an event named by digits needs quotes.
                text="map_wrong_type_number" if number is not None else None,
                value=shown,
                expected=message(f"map_type_{expected}", lang),
                number=number or "",
                quoted=f'"{number}"' if number is not None else "",
            )
        else:
            yield _problem(document, "invalid_value", loc, lang, value=shown, detail=error["msg"])


def _number_in(value: Any) -> str | None:
    """The first number in ``value`` (itself, or an item of a list), as the file wrote it."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, int | float) and not isinstance(item, bool):
            return str(item)
    return None


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _last_key(loc: tuple) -> str:
    return next((str(s) for s in reversed(loc) if isinstance(s, str)), "")


def _hint(name: str, known: list[str], lang: str) -> str:
    close = did_you_mean(name, known)
    return message("map_did_you_mean", lang, names=close) if close else ""


def _known_keys(loc: tuple) -> list[str]:
    """The keys the model allows at ``loc`` (for 'did you mean' on an unknown key)."""
    current: Any = JourneyMap
    for step in loc:
        current = _strip(current)
        if isinstance(step, int):
            if typing.get_origin(current) is not list:
                return []
            current = typing.get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            fields = {(f.alias or name): f for name, f in current.model_fields.items()}
            if step not in fields:
                return []
            current = fields[step].annotation
        else:
            return []
    current = _strip(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _strip(annotation: Any) -> Any:
    """``X`` from ``Annotated[X, ...]`` and from ``X | None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


# -- checks on the whole map ---------------------------------------------------------------------


def _items(data: Any, key: str) -> list[tuple[int, dict]]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _whole_map_problems(document: Any, data: dict, lang: str) -> Iterator[Problem]:
    stages = _items(data, "stages")
    touchpoints = [
        (("stages", si, "touchpoints", ti), tp)
        for si, stage in stages
        for ti, tp in _items(stage, "touchpoints")
    ]
    groups = {
        "objectives": [(("objectives", i), o) for i, o in _items(data, "objectives")],
        "personas": [(("personas", i), p) for i, p in _items(data, "personas")],
        "stages": [(("stages", i), s) for i, s in stages],
        "touchpoints": touchpoints,
    }
    ids: dict[str, list[str]] = {}
    for group, members in groups.items():
        seen: dict[str, tuple] = {}
        for path, item in members:
            item_id = item.get("id")
            if not isinstance(item_id, str):
                continue
            if item_id in seen:
                yield _problem(
                    document,
                    "duplicate_id",
                    (*path, "id"),
                    lang,
                    id=item_id,
                    first=format_path(seen[item_id]),
                )
            else:
                seen[item_id] = path
        ids[group] = list(seen)

    for index, stage in stages:
        if not stage.get("touchpoints"):
            yield _problem(
                document,
                "stage_without_touchpoint",
                ("stages", index),
                lang,
                stage=str(stage.get("id") or f"stages[{index}]"),
            )

    for path, tp in touchpoints:
        yield from _references(document, tp, (*path, "personas"), ids["personas"], "persona", lang)
        if "match" in tp and tp["match"] is None:
            yield _problem(document, "empty_rule", (*path, "match"), lang)
    for index, objective in _items(data, "objectives"):
        path = ("objectives", index, "stages")
        yield from _references(document, objective, path, ids["stages"], "stage", lang)
    for index, persona in _items(data, "personas"):
        if "rule" in persona and persona["rule"] is None:
            yield _problem(document, "empty_rule", ("personas", index, "rule"), lang)

    goal = data.get("goal")
    if isinstance(goal, dict) and isinstance(goal.get("touchpoint"), str):
        wanted = goal["touchpoint"]
        by_id = {tp.get("id"): tp for _, tp in touchpoints}
        if wanted not in by_id:
            yield _problem(
                document,
                "goal_unknown_touchpoint",
                ("goal", "touchpoint"),
                lang,
                id=wanted,
                hint=_hint(wanted, ids["touchpoints"], lang),
            )
        elif by_id[wanted].get("match") is None:
            yield _problem(document, "goal_unmeasured", ("goal", "touchpoint"), lang, id=wanted)


def _references(
    document: Any, item: dict, path: tuple, known: list[str], kind: str, lang: str
) -> Iterator[Problem]:
    names = item.get(path[-1])
    if not isinstance(names, list):
        return
    for index, name in enumerate(names):
        if isinstance(name, str) and name not in known:
            yield _problem(
                document,
                "unknown_reference",
                (*path, index),
                lang,
                text=f"map_unknown_{kind}",
                id=name,
                kind=kind,
                hint=_hint(name, known, lang),
            )
