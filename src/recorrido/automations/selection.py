"""What an automation needs from the workspace, selected in the database (Ibis), never all events.

Three questions: who enters and when (``entries``), which later events of those customers could
matter (``candidates``: goal, exit and waited-for events only), and what is known of them
(``profiles``: traits, time zone, language, latest scores). Only their answers reach Python, so a
dry run over months of history reads a small fraction of the events.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from recorrido.automations.model import Automation, Happening
from recorrido.errors import RecorridoError

PREDICTIONS = "predictions"


class Rows:
    """A small query result as plain Python lists per column (``rows.customer_id``...): pandas
    would only add a conversion per value when the rows are walked one by one."""

    def __init__(self, columns: dict[str, list]) -> None:
        self.__dict__.update(columns)
        self.length = len(next(iter(columns.values()), []))

    @classmethod
    def of(cls, expr: ir.Table) -> Rows:
        table = expr.to_pyarrow()
        return cls({name: _pylist(table.column(name)) for name in table.column_names})

    @property
    def empty(self) -> bool:
        return self.length == 0


def _pylist(column: pa.ChunkedArray) -> list:
    """A column as Python values. Time-zoned timestamps go through pandas: pyarrow builds each
    aware datetime slowly (about 8 s per million rows here, against 1 s), and the dry run over
    10 million events turns a million of them into Python."""
    if pa.types.is_timestamp(column.type) and column.type.tz is not None and len(column):
        values = column.to_pandas().dt.tz_convert("UTC").dt.to_pydatetime()
        return [None if v is None or v != v else v for v in values]
    return column.to_pylist()


def tagged(events: ir.Table, journey: Any) -> ir.Table:
    """Events with the touchpoint each is on the map (the first matching, as the map measures)."""
    if journey is None:
        return events.mutate(touchpoint=ibis.null("string"))
    return events.mutate(touchpoint=journey.touchpoint_expr(events))


def needs_map(automation: Automation) -> bool:
    entry = automation.entry
    uses = [entry.touchpoint, entry.stage]
    uses += [h.touchpoint for h in watched(automation)]
    return any(u is not None for u in uses)


def watched(automation: Automation) -> list[Happening]:
    """Every happening that can change a pass after entry: goal, exits, waited-for events."""
    found: list[Happening] = []
    if automation.goal is not None:
        found.append(automation.goal)
    found += automation.exit
    found += [s.wait_for for s in automation.all_steps() if s.wait_for is not None]
    return found


def entry_filter(table: ir.Table, automation: Automation, journey: Any) -> ir.BooleanValue:
    entry = automation.entry
    if entry.event is not None:
        test = table.event.isin(entry.event)
    elif entry.touchpoint is not None:
        test = table.touchpoint == entry.touchpoint
    else:
        stage = journey.stage(entry.stage)
        test = table.touchpoint.isin([tp.id for tp in stage.touchpoints])
    engine = ibis.get_backend(table).name
    for condition in entry.where:
        test = test & condition.predicate(table, engine)
    return test


def entry_rows(
    con: ibis.BaseBackend,
    events: ir.Table,
    automation: Automation,
    journey: Any,
    start: datetime,
    end: datetime,
) -> Rows:
    """Entry events in [start, end): customer_id, timestamp, properties (text), ordered.

    With ``reentry: never`` only each customer's first entry comes back (and with ``per_key``
    the first per key is chosen later, in Python, because the key lives in the properties).
    """
    entry = automation.entry
    if entry.score is not None:
        if PREDICTIONS not in con.list_tables():
            return Rows({"customer_id": [], "timestamp": [], "properties": []})
        scores = con.table(PREDICTIONS)
        rows = scores.filter(
            (scores.model == entry.score.model)
            & (scores.score >= float(entry.score.gte))
            & (scores.scored_at >= start)
            & (scores.scored_at < end)
        ).select(
            "customer_id",
            timestamp=scores.scored_at.cast("timestamp('UTC')"),
            properties=ibis.literal("{}"),
            order=ibis.literal(0, "int64"),
        )
    else:
        table = tagged(events, journey)
        window = (table.timestamp >= start) & (table.timestamp < end)
        props = table.properties.cast("string") if uses_properties(automation) else None
        rows = table.filter(window & entry_filter(table, automation, journey)).select(
            "customer_id",
            "timestamp",
            properties=props if props is not None else ibis.null("string"),
            order=table.source_order,
        )
    rows = rows.filter(rows.customer_id.notnull())
    if entry.reentry == "never":
        rank = ibis.row_number().over(group_by="customer_id", order_by=["timestamp", "order"])
        rows = rows.mutate(rank=rank).filter(lambda t: t["rank"] == 0).drop("rank")
    return Rows.of(rows.order_by(["customer_id", "timestamp", "order"]).drop("order"))


def uses_properties(automation: Automation) -> bool:
    """Whether the entry event's properties matter: a key, a test or a template reads them."""
    if automation.entry.key is not None:
        return True
    for step in automation.all_steps():
        condition = step.split.condition if step.split is not None else None
        if condition is not None and condition.property is not None:
            return True
        texts = []
        if step.email is not None:
            texts = [*step.email.subject.values(), *step.email.body.values()]
        elif step.task is not None:
            texts = list(step.task.text.values())
        if step.webhook is not None or any("event" in text for text in texts):
            return True
    return False


def entry_key(automation: Automation, timestamp: datetime, properties: str | None) -> str:
    """What tells one customer's passes apart: nothing, the key property, or the entry instant."""
    entry = automation.entry
    if entry.reentry == "never":
        return ""
    if entry.reentry == "per_key" or entry.key is not None:
        value = _property(properties, entry.key or "")
        if entry.reentry == "per_key":
            return "" if value is None else str(value)
        if value is not None:
            return f"{value}@{timestamp:%Y%m%dT%H%M%S}"
    t = timestamp  # the same text as f"{t:%Y%m%dT%H%M%S%f}", without strftime's cost
    return (
        f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}{t.second:02d}"
        f"{t.microsecond:06d}"
    )


def _property(properties: str | None, key: str) -> Any:
    try:
        data = json.loads(properties) if properties else {}
    except ValueError:
        return None
    for part in key.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def candidates(
    events: ir.Table,
    automation: Automation,
    journey: Any,
    customers: ir.Table,
    start: datetime,
    end: datetime,
) -> Rows:
    """Events of ``customers`` in (start, end] that some watched happening could be."""
    happenings = watched(automation)
    columns = ["customer_id", "timestamp", "event", "touchpoint", "properties"]
    if not happenings:
        return Rows({name: [] for name in columns})
    table = tagged(events, journey)
    names = sorted({n for h in happenings for n in (h.event or [])})
    touchpoints = sorted({h.touchpoint for h in happenings if h.touchpoint})
    test = ibis.literal(False)
    if names:
        test = test | table.event.isin(names)
    if touchpoints:
        test = test | table.touchpoint.isin(touchpoints)
    with_props = any(h.where for h in happenings)
    rows = table.filter(test & (table.timestamp > start) & (table.timestamp <= end))
    rows = rows.semi_join(customers, "customer_id")
    rows = rows.select(
        "customer_id",
        "timestamp",
        "event",
        "touchpoint",
        properties=rows.properties.cast("string") if with_props else ibis.null("string"),
        order=rows.source_order,
    )
    return Rows.of(rows.order_by(["customer_id", "timestamp", "order"]).drop("order"))


def profiles(
    con: ibis.BaseBackend, customers: ir.Table, folder: Any = None
) -> dict[str, dict[str, Any]]:
    """Each customer's traits, for zones, languages, conditions and templates: their last
    identify call's, overlaid with their prediction scores and then with what automations set
    (``update_trait``, kept in the engine database of the workspace in ``folder``, when it has
    one)."""
    table = con.table("customers")
    rows = Rows.of(table.semi_join(customers, "customer_id").select("customer_id", "traits"))
    found: dict[str, dict[str, Any]] = {}
    for customer_id, traits in zip(rows.customer_id, rows.traits, strict=True):
        try:
            value = json.loads(traits) if isinstance(traits, str) else {}
        except ValueError:
            value = {}
        found[customer_id] = value if isinstance(value, dict) else {}
    # Each model's latest score, as ``propensity_<model>`` / ``value_<model>`` (predict/traits.py).
    from recorrido.predict.traits import score_traits

    for customer_id, values in score_traits(con, customers, folder).items():
        found[customer_id] = {**found.get(customer_id, {}), **values}
    if folder is not None:
        from recorrido.automations.store import Store, exists

        if exists(folder):
            ids = customers.customer_id.to_pyarrow().to_pylist()
            for customer_id, values in Store.for_folder(folder).traits_of(ids).items():
                found[customer_id] = {**found.get(customer_id, {}), **values}
    return found


def latest_scores(con: ibis.BaseBackend, customers: ir.Table) -> dict[str, dict[str, float]]:
    if PREDICTIONS not in con.list_tables():
        return {}
    table = con.table(PREDICTIONS).semi_join(customers, "customer_id")
    rank = ibis.row_number().over(
        group_by=["customer_id", "model"], order_by=ibis.desc("scored_at")
    )
    rows = table.mutate(rank=rank).filter(lambda t: t["rank"] == 0)
    frame = Rows.of(rows.select("customer_id", "model", "score"))
    found: dict[str, dict[str, float]] = {}
    for customer_id, model, score in zip(frame.customer_id, frame.model, frame.score, strict=True):
        found.setdefault(customer_id, {})[model] = float(score)
    return found


def require_map(automation: Automation, journey: Any) -> None:
    if journey is None and needs_map(automation):
        raise RecorridoError("automations_needs_map")
