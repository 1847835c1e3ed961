"""A draft automation started from the map, at the touchpoint (or stage) where customers stall:
whoever reached it and has not taken the next step within N days gets one action, chosen on the
panel: a reminder e-mail to the customer, a task for the touchpoint's owner (a person calls or
helps: the hand-off of an assisted channel), or a signed webhook to another system (a CRM, a
messaging tool) at an address the team gives.

The draft is an ordinary automation file written beside the map (so the Act page draws it, dry
runs it and publishes it behind its confirmation); nothing is published here. It holds out 10 %
of the customers, so a later publish measures the reminder's lift. The "next step" is the
map's goal when it lies ahead (the stall that costs the goal), else the first touchpoint with a
match rule in the stages that follow; the file says which, and the team edits it from there.
"""

from __future__ import annotations

import html as htmlmod
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ruamel.yaml import YAML

from recorrido.errors import RecorridoError
from recorrido.i18n import message

#: The days a stalled customer is given before the reminder, as the form offers them.
DAYS_DEFAULT = 3
DAYS_MAX = 90
HOLDOUT = 10
#: What a stalled customer's draft can do, the panel's choice (the first is the default).
ACTIONS = ("email", "task", "webhook")
URL_LIMIT = 2000

_REMINDER = {
    "subject": {
        "es": "¿Seguimos? Te queda un paso: {next}",
        "en": "Shall we go on? One step left: {next}",
    },
    "body": {
        "es": "<p>Hola {{{{ customer.first_name or '' }}}}: te quedaste en «{at}». "
        "Cuando quieras, sigue con «{next}».</p>",
        "en": "<p>Hello {{{{ customer.first_name or '' }}}}: you stopped at '{at}'. "
        "Whenever you like, go on with '{next}'.</p>",
    },
    "name": {
        "es": "Atascados en {at}: recordatorio",
        "en": "Stalled at {at}: reminder",
    },
}
_TASK = {
    "text": {
        "es": "Ayuda a {{{{ customer_id }}}}: llegó a «{at}» y no siguió con «{next}»",
        "en": "Help {{{{ customer_id }}}}: reached '{at}' and did not go on with '{next}'",
    },
    "name": {
        "es": "Atascados en {at}: tarea para el equipo",
        "en": "Stalled at {at}: a task for the team",
    },
}
_WEBHOOK = {
    "name": {
        "es": "Atascados en {at}: aviso a otro sistema",
        "en": "Stalled at {at}: notify another system",
    },
}


def next_step(journey, *, touchpoint: str | None = None, stage: str | None = None) -> str | None:
    """The touchpoint a customer stalled at ``touchpoint`` (or in ``stage``) has not reached:
    the goal when it comes later in the map, else the first measurable touchpoint after."""
    order = [(s_index, tp) for s_index, s in enumerate(journey.stages) for tp in s.touchpoints]
    if touchpoint is not None:
        here = next(i for i, (_, tp) in enumerate(order) if tp.id == touchpoint)
        stage_index = order[here][0]
    else:
        stage_index = next(i for i, s in enumerate(journey.stages) if s.id == stage)
        here = max((i for i, (s, _) in enumerate(order) if s <= stage_index), default=-1)
    goal = journey.goal.touchpoint if journey.goal is not None else None
    if goal and goal != touchpoint:
        goal_at = next((i for i, (_, tp) in enumerate(order) if tp.id == goal), None)
        goal_stage = order[goal_at][0] if goal_at is not None else -1
        if goal_at is not None and (goal_at > here or goal_stage >= stage_index):
            return goal
    later = [tp for s, tp in order if s > stage_index and tp.match is not None]
    return later[0].id if later else None


def draft(
    folder: Path,
    map_name: str,
    journey,
    *,
    touchpoint: str | None,
    stage: str | None,
    days: int,
    author: str,
    action: str = "email",
    url: str = "",
) -> str:
    """Write the draft beside the map and return its file name (never over another file)."""
    if not 1 <= days <= DAYS_MAX:
        raise RecorridoError("web_act_draft_days_bad", days=days, most=DAYS_MAX)
    if action not in ACTIONS:
        raise RecorridoError(
            "web_act_draft_action_bad", action=action[:40], known=", ".join(ACTIONS)
        )
    if action == "webhook":
        url = _checked_url(url)
    if touchpoint is not None:
        found = next((tp for tp in journey.touchpoints if tp.id == touchpoint), None)
        if found is None or found.match is None:
            raise RecorridoError("web_act_draft_unmeasured", id=touchpoint)
        at_name, entry, owner_at = found.name, {"touchpoint": touchpoint}, touchpoint
    else:
        found_stage = next((s for s in journey.stages if s.id == stage), None)
        if found_stage is None:
            raise RecorridoError("web_act_draft_unmeasured", id=str(stage))
        at_name, entry = found_stage.name, {"stage": stage}
        # a task goes to the owner of the stage's last measured touchpoint, where they stop
        measured = [tp.id for tp in found_stage.touchpoints if tp.match is not None]
        owner_at = measured[-1] if measured else None
    following = next_step(journey, touchpoint=touchpoint, stage=stage)
    if following is None:
        raise RecorridoError("web_act_draft_no_next", at=at_name)
    next_name = journey.touchpoint(following).name
    lang = journey.language if journey.language in ("es", "en") else "en"
    slug = _slug(touchpoint or stage or "step")
    name = _free_name(folder, f"draft-{slug}")
    texts = {}
    catalog = {"email": _REMINDER, "task": _TASK, "webhook": _WEBHOOK}[action]
    for key, value in catalog.items():
        html = key == "body"
        at, after = _inert(at_name, html), _inert(next_name, html)
        texts[key] = {k: v.format(at=at, next=after) for k, v in value.items()}
    if action == "email":
        act = {"id": "reminder", "email": {"subject": texts["subject"], "body": texts["body"]}}
    elif action == "task":
        act = {"id": "hand-off", "task": {"text": texts["text"]}}
        if owner_at is not None:
            act["task"] = {"touchpoint": owner_at, **act["task"]}
    else:
        data = {"stalled_at": entry, "next": following}
        act = {"id": "notify", "webhook": {"url": url, "data": data}}
    document = {
        "version": 1,
        "id": name.removesuffix(".yaml"),
        "name": texts["name"][lang],
        "language": lang,
        "map": map_name,
        "entry": {**entry, "reentry": "always", "reentry_after": "30d"},
        "goal": {"touchpoint": following, "within": f"{2 * days}d"},
        "exit": [{"event": "unsubscribe"}],
        "steps": [
            {"id": "holdout", "split": {"holdout": HOLDOUT}},
            {
                "id": "wait-next-step",
                "wait_for": {
                    "touchpoint": following,
                    "timeout": f"{days}d",
                    "on_timeout": [act],
                },
            },
        ],
    }
    header = message(
        f"web_act_draft_header_{action}",
        lang,
        map=_line(map_name),
        author=_line(author),
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        at=_line(at_name),
        next=_line(next_name),
        days=days,
        holdout=HOLDOUT,
    )
    header = "".join(f"# {line}\n" for line in header.split("\n"))
    stream = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.dump(document, stream)
    with open(Path(folder) / name, "x", encoding="utf-8") as file:  # "x": never over a file
        file.write(header + stream.getvalue())
    return name


def _checked_url(url: str) -> str:
    """A webhook's address as typed: http(s) with a host, one line, no credentials in it (the
    file is read by every editor; the signing secret stays in the environment)."""
    url = url.strip()
    parts = urlsplit(url) if len(url) <= URL_LIMIT and url.isprintable() else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
        or any(c.isspace() for c in url)
    ):
        raise RecorridoError("web_act_draft_url_bad", url=_line(url)[:80])
    return url


def _slug(text: str) -> str:
    """An id part from a map id: letters, digits, ``_`` and ``-`` only, at most 40."""
    return (re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_") or "step")[:40]


def _inert(text: str, html: bool) -> str:
    """A map's name inside a message template: never Jinja code (the texts are templates), and
    escaped in the HTML body."""
    text = _line(text)
    if html:
        return htmlmod.escape(text).replace("{", "&#123;").replace("}", "&#125;")
    return text.replace("{", "(").replace("}", ")")


def _line(text: str) -> str:
    """A text on one comment line (a map's name cannot start a new YAML line)."""
    return " ".join(str(text).split())


def _free_name(folder: Path, stem: str) -> str:
    """``stem.yaml``, else ``stem-2.yaml`` ... : a draft never replaces a file."""
    candidate, n = f"{stem}.yaml", 1
    while (Path(folder) / candidate).exists():
        n += 1
        candidate = f"{stem}-{n}.yaml"
    return candidate


def offer(journey, map_name: str, *, touchpoint: str | None = None, stage: str | None = None):
    """What the map panel's button offers (the form's fields and the next step's name), or
    ``None`` where no draft can be made: a touchpoint without a match rule, nothing after it."""
    if touchpoint is not None:
        found = next((tp for tp in journey.touchpoints if tp.id == touchpoint), None)
        if found is None or found.match is None:
            return None
    following = next_step(journey, touchpoint=touchpoint, stage=stage)
    if following is None:
        return None
    return {
        "map": map_name,
        "touchpoint": touchpoint or "",
        "stage": "" if touchpoint is not None else (stage or ""),
        "next_name": journey.touchpoint(following).name,
        "days": DAYS_DEFAULT,
        "actions": ACTIONS,
    }
