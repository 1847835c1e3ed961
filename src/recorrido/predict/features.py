"""Each customer's features at a cutoff, computed as Ibis expressions in the engine.

Only events **strictly before** the cutoff are read (compared as epoch microseconds, the same
integers on DuckDB and Spark), so nothing that happens at or after the cutoff can leak into a
prediction made at it; ``tests/test_predict_features.py`` checks it. One row per customer who has
at least one event before the cutoff (within ``lookback_days`` when given):

- ``recency_days``, ``tenure_days``: days from the last / first event to the cutoff;
- ``events``, ``active_days``, ``events_7d``, ``events_30d``: how often, and how lately;
- ``value_total``, ``value_max``: the sum / largest ``value`` (0 when no event carries one);
- ``distinct_events``, ``distinct_channels``: how many kinds of event and channel;
- ``count_<i>``: events of the i-th of the spec's ``events`` (the most common ones in training);
- ``recent_<i>``: the same, among the customer's last ``recent`` events (a cheap recent n-gram);
- ``stage_reached`` and ``days_in_stage`` with a journey map: the furthest stage (0-based, -1
  for none) and the days since the customer first reached it (tagging by
  :mod:`recorrido.analytics.tagging`).

The spec is stored with a model so that scoring computes exactly the columns training saw.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import ibis
import ibis.expr.datatypes as dt

from recorrido.analytics.sequence import engine_of, epoch_micros, order_keys, order_struct

DAY_US = 86_400_000_000


@dataclass(frozen=True)
class FeatureSpec:
    """What to compute: the events counted one by one, the map for stages, the windows."""

    events: tuple[str, ...] = ()
    journey_map: str | None = None
    recent: int = 3
    lookback_days: float | None = None
    columns: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {**asdict(self), "events": list(self.events), "columns": list(self.columns)}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        return cls(
            events=tuple(data.get("events", ())),
            journey_map=data.get("journey_map"),
            recent=int(data.get("recent", 3)),
            lookback_days=data.get("lookback_days"),
            columns=tuple(data.get("columns", ())),
        )

    def names(self) -> list[str]:
        """The feature columns, in the order a model reads them."""
        base = [
            "recency_days",
            "tenure_days",
            "events",
            "active_days",
            "events_7d",
            "events_30d",
            "value_total",
            "value_max",
            "distinct_events",
            "distinct_channels",
        ]
        counts = [f"count_{i}" for i in range(len(self.events))]
        recent = [f"recent_{i}" for i in range(len(self.events))] if self.recent else []
        stages = ["stage_reached", "days_in_stage"] if self.journey_map else []
        return base + counts + recent + stages

    def describe(self, name: str) -> str:
        """A readable label for a feature column (``count_2`` -> ``count of add_to_cart``)."""
        for prefix, label in (("count_", "count of "), ("recent_", "recent ")):
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                return label + self.events[int(name[len(prefix) :])]
        return name


def most_common_events(events: ibis.Table, cutoff: datetime, limit: int = 10) -> tuple[str, ...]:
    """The ``limit`` most frequent event names before ``cutoff`` (ties by name, for stability)."""
    before = _before(events, cutoff)
    counts = (
        before.group_by("event")
        .aggregate(n=before.count())
        .order_by([ibis.desc("n"), "event"])
        .limit(limit)
        .execute()
    )
    return tuple(str(e) for e in counts["event"].tolist())


def customer_features(events: ibis.Table, cutoff: datetime, spec: FeatureSpec) -> ibis.Table:
    """One row per customer: ``customer_id`` and the spec's features at ``cutoff``."""
    cutoff_us = micros(cutoff)
    before = _before(events, cutoff)
    if spec.lookback_days is not None:
        before = before.filter(before.us >= cutoff_us - int(spec.lookback_days * DAY_US))
    days_ago = (cutoff_us - before.us) / DAY_US
    filled = before.value.fill_null(0.0)
    # A NaN (pandas' missing value, kept as such by Spark) counts as no value, like NULL.
    value = ibis.ifelse(filled.isnan(), 0.0, filled)
    columns = {
        "last_us": before.us.max(),
        "first_us": before.us.min(),
        "events": before.count(),
        "active_days": (before.us // DAY_US).nunique(),
        "events_7d": (days_ago <= 7).cast("int64").sum(),
        "events_30d": (days_ago <= 30).cast("int64").sum(),
        "value_total": value.sum(),
        "value_max": value.max(),
        "distinct_channels": before.channel.nunique(),
    }
    for index, name in enumerate(spec.events):
        columns[f"count_{index}"] = (before.event == name).cast("int64").sum()
    # distinct_events: the counted events a customer has (count_<i> > 0) plus the distinct other
    # ones. Only the other events then enter the engine's distinct hash table (most events are
    # among the common ones): at 10 million events a plain COUNT(DISTINCT) over all of them was
    # the costliest single feature. The number is the same.
    counted = list(spec.events)
    columns["other_events"] = (
        before.event.nunique(where=~before.event.isin(counted))
        if counted
        else before.event.nunique()
    )
    # On DuckDB the last events come from the same aggregate pass (a top-n per customer) rather
    # than a window that sorts every event: at 10 million events the window cost more than all
    # the other features together. Other engines keep the window; the numbers are the same.
    in_pass = bool(spec.recent and spec.events) and engine_of(before) == "duckdb"
    if in_pass:
        columns["newest"] = _newest_events(before, spec.recent)
    per_customer = before.group_by("customer_id").aggregate(**columns)
    recent = {}
    if in_pass:
        recent = {
            f"recent_{i}": per_customer.newest.filter(lambda e, n=name: e.event == n).length()
            for i, name in enumerate(spec.events)
        }
    features = per_customer.select(
        "customer_id",
        recency_days=(cutoff_us - per_customer.last_us) / DAY_US,
        tenure_days=(cutoff_us - per_customer.first_us) / DAY_US,
        distinct_events=per_customer.other_events
        + sum(
            ((per_customer[f"count_{i}"] > 0).cast("int64") for i in range(len(counted))),
            ibis.literal(0, "int64"),
        ),
        **{c: per_customer[c] for c in columns if c not in _NOT_FEATURES},
        **recent,
    )
    if spec.recent and spec.events and not in_pass:
        features = _attach(features, _recent_counts(before, spec))
        features = features.mutate(
            **{f"recent_{i}": features[f"recent_{i}"].fill_null(0) for i in range(len(spec.events))}
        )
    if spec.journey_map:
        features = _attach(features, _stages(before, spec, cutoff_us))
        features = features.mutate(
            stage_reached=features.stage_reached.fill_null(-1),
            days_in_stage=features.days_in_stage.fill_null(0.0),
        )
    return features.select("customer_id", *spec.names())


#: Aggregates that only serve to compute features (and are not features themselves).
_NOT_FEATURES = ("last_us", "first_us", "newest", "other_events")


def fetch(features: ibis.Table):
    """The features as a pandas DataFrame, read through Arrow: Ibis's own conversion
    (``execute``) cost about as much CPU as computing them, at 10 million events."""
    return features.to_pyarrow().to_pandas()


def micros(moment: datetime) -> int:
    """Epoch microseconds of ``moment`` (naive times are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _attach(features: ibis.Table, extra: ibis.Table) -> ibis.Table:
    """``features`` with ``extra``'s columns, matched on ``customer_id`` (NULL where missing)."""
    joined = features.left_join(extra, features.customer_id == extra.customer_id)
    return joined.select(
        *[features[c] for c in features.columns],
        *[extra[c] for c in extra.columns if c != "customer_id"],
    )


def _before(events: ibis.Table, cutoff: datetime) -> ibis.Table:
    with_us = events.mutate(us=epoch_micros(events))
    return with_us.filter(with_us.us < micros(cutoff))


def _newest_events(before: ibis.Table, n: int) -> ibis.Value:
    """DuckDB's ``max_by(arg, key, n)``: the customer's ``n`` newest events in the one order.

    The event is wrapped in a struct because ``max_by`` skips a NULL ``arg`` (it would then reach
    back to older events); the window it replaces counts that row as one of the last."""
    key = order_struct(before)
    wrapped = ibis.struct({"event": before.event})

    def newest(arg, key, n): ...

    # Set as objects: this module's annotations are strings (``from __future__``), and the
    # types here are only known at run time.
    newest.__annotations__ = {
        "arg": wrapped.type(),
        "key": key.type(),
        "n": dt.int64,
        "return": dt.Array(wrapped.type()),
    }
    newest = ibis.udf.agg.builtin(name="max_by")(newest)
    return newest(wrapped, key, ibis.literal(n, "int64"))


def _recent_counts(before: ibis.Table, spec: FeatureSpec) -> ibis.Table:
    """Counts of each spec event among the customer's last ``spec.recent`` events."""
    # row_number over the reverse of the one order (0-based): 0 is the newest event.
    newest_first = before.mutate(
        back=ibis.row_number().over(
            ibis.window(
                group_by=before.customer_id, order_by=[ibis.desc(k) for k in order_keys(before)]
            )
        )
    )
    recent = newest_first.filter(newest_first.back < spec.recent)
    return recent.group_by("customer_id").aggregate(
        **{
            f"recent_{i}": (recent.event == name).cast("int64").sum()
            for i, name in enumerate(spec.events)
        }
    )


def _stages(before: ibis.Table, spec: FeatureSpec, cutoff_us: int) -> ibis.Table:
    from recorrido.analytics.tagging import tag_events

    tagged = tag_events(before, spec.journey_map)
    staged = tagged.filter(tagged.stage_index.notnull())
    furthest = staged.group_by("customer_id").aggregate(stage_reached=staged.stage_index.max())
    joined = staged.join(furthest, "customer_id")
    at_furthest = joined.filter(joined.stage_index == joined.stage_reached)
    return at_furthest.group_by("customer_id").aggregate(
        stage_reached=at_furthest.stage_reached.max(),
        days_in_stage=(cutoff_us - at_furthest.us.min()) / DAY_US,
    )
