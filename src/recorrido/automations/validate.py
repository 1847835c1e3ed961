"""Every problem of an automation file at once, each with its key path, line and column.

Like maps (:mod:`recorrido.journey.validate`): YAML syntax, then the typed model (pydantic's
errors translated into problems pointing into the file), then the checks that need the whole file
and the journey map (unique step ids, touchpoints and stages that exist, templates that parse).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError
from pydantic import ValidationError

from recorrido.automations.model import Automation, Step
from recorrido.automations.templating import environment
from recorrido.errors import RecorridoError, did_you_mean
from recorrido.i18n import LANGUAGES, message
from recorrido.journey.validate import Problem
from recorrido.journey.yaml_io import YamlSyntaxError, format_path, locate, parse, plain

_DECLARED_LANGUAGE = re.compile(r"^language:\s*[\"']?(es|en)\b", re.MULTILINE)


class AutomationInvalid(RecorridoError):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0]
        super().__init__(
            "automations_invalid",
            path=source,
            count=len(problems),
            line=first.line,
            column=first.column,
            first=first.message,
        )


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecorridoError("automations_file_missing", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecorridoError(
            "automations_file_unreadable", path=str(path), detail=str(exc)
        ) from None


def check_text(
    text: str, lang: str | None = None, journey: Any = None
) -> tuple[list[Problem], Automation | None]:
    """Problems of an automation's YAML text (checked against ``journey`` when given)."""
    try:
        document, _style = parse(text)
    except YamlSyntaxError as exc:
        declared = _DECLARED_LANGUAGE.search(text)
        lang = lang or (declared.group(1) if declared else "es")
        shown = message("automations_yaml_syntax", lang, problem=exc.problem)
        return [Problem("yaml_syntax", "", exc.line, exc.column, shown)], None
    if lang is None:
        declared_lang = document.get("language") if isinstance(document, dict) else None
        lang = declared_lang if declared_lang in LANGUAGES else "es"
    if not isinstance(document, dict):
        return [_problem(document, "not_a_mapping", (), lang)], None
    data = plain(document)
    problems: list[Problem] = []
    automation = None
    try:
        automation = Automation.model_validate(data)
    except ValidationError as exc:
        problems += _model_problems(document, exc, lang)
    if automation is not None:
        problems += _whole_file_problems(document, automation, journey, lang)
    unique: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.code, problem.path), problem)
    ordered = sorted(unique.values(), key=lambda p: (p.line, p.column, p.path))
    return (ordered, None) if ordered else ([], automation)


def load_journey_for(path: Path, automation: Automation | None, map_path: Path | None):
    """The journey map an automation refers to: ``--map``, else the file's ``map:`` key."""
    from recorrido.journey.model import JourneyMap

    if map_path is None and automation is not None and automation.map:
        map_path = path.parent / automation.map
    return JourneyMap.load(map_path) if map_path is not None else None


def validate_file(
    path: Path, lang: str | None = None, map_path: Path | None = None
) -> tuple[list[Problem], Automation | None]:
    text = read_text(path)
    problems, automation = check_text(text, lang)
    if problems:
        return problems, None
    journey = load_journey_for(path, automation, map_path)
    if journey is None:
        return [], automation
    return check_text(text, lang, journey)


def load_automation(path: str | Path, map_path: str | Path | None = None) -> Automation:
    """Read and check an automation file; :class:`AutomationInvalid` lists every problem."""
    path = Path(path)
    problems, automation = validate_file(path, None, Path(map_path) if map_path else None)
    if problems:
        raise AutomationInvalid(str(path), problems)
    assert automation is not None
    return automation


def load_text(text: str, source: str = "<text>", journey: Any = None) -> Automation:
    problems, automation = check_text(text, None, journey)
    if problems:
        raise AutomationInvalid(source, problems)
    assert automation is not None
    return automation


def _problem(document: Any, code: str, path: tuple, lang: str, *, at_key=False, **params):
    _, line, column = locate(document, path, at_key=at_key)
    shown = message(f"automations_p_{code}", lang, **params)
    return Problem(
        code, format_path(path), line, column, shown, {k: str(v) for k, v in params.items()}
    )


def _model_problems(document: Any, exc: ValidationError, lang: str):
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        ctx = error.get("ctx") or {}
        value = error.get("input")
        shown = value if isinstance(value, str | int | float) else "…"
        if kind == "extra_forbidden":
            yield _problem(document, "unknown_key", loc, lang, at_key=True, name=str(loc[-1]))
        elif kind == "missing":
            yield _problem(document, "missing_key", loc, lang, name=str(loc[-1]))
        elif kind == "literal_error":
            choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
            yield _problem(document, "unknown_choice", loc, lang, value=shown, choices=choices)
        elif kind == "string_pattern_mismatch":
            yield _problem(document, "bad_id", loc, lang, value=shown)
        elif kind == "too_short":
            yield _problem(document, "empty_list", loc, lang)
        elif kind in ("greater_than_equal", "less_than_equal"):
            yield _problem(document, "out_of_range", loc, lang, value=shown)
        elif kind.startswith("automations_"):
            code = kind.removeprefix("automations_")
            yield _problem(document, code, loc, lang, **{k: str(v) for k, v in ctx.items()})
        else:
            yield _problem(document, "invalid_value", loc, lang, value=shown, detail=error["msg"])


def _step_paths(steps: list[Step], prefix: tuple) -> list[tuple[tuple, Step]]:
    found = []
    for index, step in enumerate(steps):
        here = (*prefix, index)
        found.append((here, step))
        if step.wait_for is not None:
            found += _step_paths(step.wait_for.on_event, (*here, "wait_for", "on_event"))
            found += _step_paths(step.wait_for.on_timeout, (*here, "wait_for", "on_timeout"))
        if step.split is not None:
            split = step.split
            found += _step_paths(split.then, (*here, "split", "then"))
            found += _step_paths(split.else_, (*here, "split", "else"))
            for vi, variant in enumerate(split.random or []):
                found += _step_paths(variant.steps, (*here, "split", "random", vi, "steps"))
    return found


def _whole_file_problems(document: Any, automation: Automation, journey: Any, lang: str):
    steps = _step_paths(automation.steps, ("steps",))
    seen: dict[str, tuple] = {}
    for path, step in steps:
        if step.id in seen:
            yield _problem(
                document,
                "duplicate_step",
                (*path, "id"),
                lang,
                id=step.id,
                first=format_path(seen[step.id]),
            )
        seen.setdefault(step.id, path)
    env = environment()
    for path, step in steps:
        texts = []
        if step.email is not None:
            texts = [("subject", step.email.subject), ("body", step.email.body)]
        elif step.task is not None:
            texts = [("text", step.task.text)]
        for key, by_lang in texts:
            for text in dict.fromkeys(by_lang.values()):
                try:
                    env.parse(text)
                except TemplateSyntaxError as exc:
                    yield _problem(
                        document, "template", (*path, step.kind, key), lang, detail=exc.message
                    )
    if journey is None:
        return
    touchpoints = [tp.id for tp in journey.touchpoints]
    stages = [s.id for s in journey.stages]

    def check_tp(path: tuple, name: str | None):
        if name is not None and name not in touchpoints:
            hint = did_you_mean(name, touchpoints)
            yield _problem(document, "unknown_touchpoint", path, lang, id=name, hint=hint)

    yield from check_tp(("entry", "touchpoint"), automation.entry.touchpoint)
    if automation.entry.stage is not None and automation.entry.stage not in stages:
        hint = did_you_mean(automation.entry.stage, stages)
        yield _problem(
            document,
            "unknown_stage",
            ("entry", "stage"),
            lang,
            id=automation.entry.stage,
            hint=hint,
        )
    if automation.goal is not None:
        yield from check_tp(("goal", "touchpoint"), automation.goal.touchpoint)
    for index, happening in enumerate(automation.exit):
        yield from check_tp(("exit", index, "touchpoint"), happening.touchpoint)
    for path, step in steps:
        if step.wait_for is not None:
            yield from check_tp((*path, "wait_for", "touchpoint"), step.wait_for.touchpoint)
        if step.task is not None:
            yield from check_tp((*path, "task", "touchpoint"), step.task.touchpoint)
    for used, where in _unmeasured(automation, journey):
        yield _problem(document, "unmeasured", where, lang, id=used)


def _unmeasured(automation: Automation, journey: Any):
    """Touchpoints used as triggers that have no match rule (they can never happen)."""
    rules = {tp.id: tp.match for tp in journey.touchpoints}
    watched = [(automation.entry.touchpoint, ("entry", "touchpoint"))]
    if automation.goal is not None:
        watched.append((automation.goal.touchpoint, ("goal", "touchpoint")))
    watched += [(h.touchpoint, ("exit", i, "touchpoint")) for i, h in enumerate(automation.exit)]
    for name, where in watched:
        if name is not None and name in rules and rules[name] is None:
            yield name, where
