"""The dry run: stored history replayed through an automation with a simulated clock.

Entries and the few events that can change a pass (goal, exits, waited-for events) are selected
in the database (:mod:`recorrido.automations.selection`); each pass is then walked by the same
:func:`recorrido.automations.runner.walk` the engine runs, against a runtime whose clock jumps
from event to event and whose sender only records. The result says who would have entered, how
many passed each step and branch, how many messages would have left each day, how often the cap
and the quiet hours intervened, and how the entrants actually fared: the goal reached within its
window for the holdout against the rest, with a 95 % interval on the difference.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import ibis

from recorrido.analytics.intervals import diff_interval, wilson
from recorrido.automations.model import Automation, Happening, Step, parse_duration
from recorrido.automations.runner import Pass, matches, walk
from recorrido.automations.selection import (
    candidates,
    entry_key,
    entry_rows,
    latest_scores,
    profiles,
    require_map,
)
from recorrido.automations.timing import in_holdout


@dataclass(slots=True)
class Sent:
    """A message the recording sender kept: what, to whom, when."""

    step: str
    kind: str
    customer_id: str
    at: datetime
    key: str


@dataclass
class DryRunResult:
    automation: str
    start: datetime
    end: datetime
    passes: int = 0
    customers: int = 0
    reentry_skipped: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    steps: dict[str, dict[str, int]] = field(default_factory=dict)
    messages_per_day: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    cap_hits: int = 0
    quiet_deferrals: int = 0
    fared: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    sent: list[Sent] = field(default_factory=list, repr=False)

    def to_dict(self, with_sent: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        data.pop("sent")
        if with_sent:
            data["sent"] = [{**asdict(s), "at": s.at.isoformat()} for s in self.sent]
        return data


class HistoryRuntime:
    """One customer's history as the clock: events come from storage, sends are recorded."""

    def __init__(self, result: DryRunResult, counts: dict[tuple[str, str], int]) -> None:
        self.result = result
        self.counts = counts
        self.times: list[datetime] = []
        self.rows: list[tuple[str, str | None, Any]] = []
        self.emails: list[datetime] = []
        self.customer_id = ""

    def load(self, customer_id: str, times: list[datetime], rows: list[tuple]) -> None:
        self.customer_id, self.times, self.rows, self.emails = customer_id, times, rows, []

    def next_event(self, watch: dict[str, tuple[Happening, datetime]], after, until):
        index = bisect.bisect_right(self.times, after)
        while index < len(self.times) and self.times[index] <= until:
            at = self.times[index]
            name, touchpoint, props = self.rows[index]
            for label, (happening, limit) in watch.items():
                if at <= limit and matches(happening, name, touchpoint, _props(props)):
                    return label, at
            index += 1
        return None

    def act(self, step: Step, key: str, at: datetime, p: Pass) -> str:
        kind = step.kind
        self.result.sent.append(Sent(step.id, kind, p.customer_id, at, key))
        if kind == "email":
            self.emails.append(at)
        return {"task": "task", "update_trait": "updated"}.get(kind, "sent")

    def messages_since(self, since: datetime, until: datetime) -> int:
        return sum(1 for t in self.emails if since < t <= until)

    def mark(self, step_id: str, state: str, at: datetime) -> None:
        # A flat dict: a dozen marks per pass, half a million passes over 10 M events.
        key = (step_id, state)
        self.counts[key] = self.counts.get(key, 0) + 1


def _props(props: Any) -> dict:
    if props is None:
        return {}
    if isinstance(props, str):
        try:
            value = json.loads(props)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return props or {}


def dry_run(
    workspace: Any,
    automation: Automation,
    start: datetime,
    end: datetime,
    journey: Any = None,
    version: int = 0,
) -> DryRunResult:
    """Replay ``[start, end)`` of the workspace's events through ``automation``."""
    import time

    began = time.perf_counter()
    require_map(automation, journey)
    con = workspace.con
    events = workspace.events
    result = DryRunResult(automation.id, start, end)
    entries = entry_rows(con, events, automation, journey, start, end)
    if entries.empty:
        result.seconds = time.perf_counter() - began
        return result
    horizon = automation.horizon()
    memtable = ibis.memtable({"customer_id": list(dict.fromkeys(entries.customer_id))})
    who = con.create_table("_automation_dry_run", memtable, temp=True, overwrite=True)
    rows = candidates(events, automation, journey, who, start, end + horizon)
    traits = profiles(con, who, workspace.folder)
    scores = latest_scores(con, who)
    zone_default = workspace.settings.timezone
    by_customer: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for customer_id, at, name, touchpoint, props in zip(
        rows.customer_id,
        rows.timestamp,
        rows.event,
        rows.touchpoint,
        rows.properties,
        strict=True,
    ):
        times, items = by_customer[customer_id]
        times.append(at)
        items.append((name, touchpoint if isinstance(touchpoint, str) else None, props))

    flat: dict[tuple[str, str], int] = {}
    runtime = HistoryRuntime(result, flat)
    outcomes: Counter = Counter()
    goal_window = parse_duration(automation.goal.within) if automation.goal else None
    fared: dict[str, list[int]] = {"holdout": [0, 0], "treated": [0, 0]}
    holdout_share = _holdout_percent(automation)
    seen_keys: set[tuple[str, str]] = set()
    current = None
    free_at: datetime | None = None
    last_entry: datetime | None = None
    after = (
        parse_duration(automation.entry.reentry_after) if automation.entry.reentry_after else None
    )
    for customer_id, at, props in zip(
        entries.customer_id, entries.timestamp, entries.properties, strict=True
    ):
        entered_at = at
        if customer_id != current:
            current, free_at, last_entry = customer_id, None, None
            times, items = by_customer.get(customer_id, ([], []))
            runtime.load(customer_id, times, items)
            result.customers += 1
        key = entry_key(automation, entered_at, props)
        if (customer_id, key) in seen_keys:
            continue
        if automation.entry.reentry == "always":
            busy = free_at is not None and entered_at < free_at
            too_soon = (
                after is not None and last_entry is not None and entered_at < last_entry + after
            )
            if busy or too_soon:
                result.reentry_skipped += 1
                continue
        seen_keys.add((customer_id, key))
        traits_of = dict(traits.get(customer_id, {}))
        p = Pass(
            automation.id,
            version,
            customer_id,
            key,
            entered_at,
            zone=str(traits_of.get("timezone") or zone_default),
            language=str(traits_of.get("language") or automation.language),
            traits=traits_of,
            properties=_props(props),
            scores=scores.get(customer_id, {}),
        )
        outcome = walk(automation, p, runtime)
        outcomes[outcome.result] += 1
        result.passes += 1
        free_at, last_entry = outcome.at, entered_at
        if goal_window is not None and automation.goal is not None:
            group = (
                "holdout" if in_holdout(customer_id, automation.id, holdout_share) else "treated"
            )
            limit = entered_at + goal_window
            hit = runtime.next_event({"goal": (automation.goal, limit)}, entered_at, limit)
            fared[group][0] += 1
            fared[group][1] += int(hit is not None)

    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for (step_id, state), count in flat.items():
        counts[step_id][state] = count
    result.outcomes = dict(outcomes)
    order = [s.id for s in automation.all_steps()]
    result.steps = {s: dict(counts[s]) for s in order if s in counts}
    result.cap_hits = sum(c.get("capped", 0) for c in counts.values())
    result.quiet_deferrals = sum(c.get("deferred", 0) for c in counts.values())
    per_day: Counter = Counter(s.at.date().isoformat() for s in result.sent if s.kind == "email")
    result.messages_per_day = dict(sorted(per_day.items()))
    result.actions = dict(Counter(s.kind for s in result.sent))
    result.fared = _fared(fared, holdout_share) if goal_window is not None else {}
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def _holdout_percent(automation: Automation) -> float:
    for step in automation.all_steps():
        if step.split is not None and step.split.holdout is not None:
            return float(step.split.holdout)
    return 0.0


def _fared(groups: dict[str, list[int]], holdout_share: float) -> dict[str, Any]:
    """Goal reached within its window, per group, and the lift of the treated with a 95 % CI."""
    out: dict[str, Any] = {"holdout_percent": holdout_share}
    for name, (n, k) in groups.items():
        out[name] = {
            "passes": n,
            "goal": k,
            "rate": k / n if n else None,
            "interval": list(wilson(k, n)) if n else None,
        }
    (n1, k1), (n0, k0) = groups["treated"], groups["holdout"]
    if n1 and n0:
        low, high = diff_interval(k1, n1, k0, n0)
        out["lift"] = {"difference": k1 / n1 - k0 / n0, "interval": [low, high]}
    else:
        out["lift"] = None
    return out


def parse_day(text: str, end: bool = False) -> datetime:
    """``YYYY-MM-DD`` (a whole day, the end one included) or an ISO instant, in UTC."""
    from datetime import UTC

    from recorrido.errors import RecorridoError

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise RecorridoError("automations_bad_date", value=text) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end and len(text) == 10:
        value += timedelta(days=1)
    return value
