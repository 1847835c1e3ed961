"""What every insight reads: the events tagged by the map, in each customer's order, and one row
per customer with the outcome.

Built once per question as unexecuted Ibis expressions (see :func:`prepare`); the insight modules
add their own steps and bring back only small aggregates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis

from recorrido.analytics.filters import in_range, parse_range
from recorrido.analytics.sequence import (
    customer_order,
    engine_of,
    epoch_micros,
    events_of,
    order_keys,
    raise_empty,
)
from recorrido.analytics.tagging import load_map, tag_events
from recorrido.errors import RecorridoError
from recorrido.insights import lifecycle

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000


@dataclass
class Journeys:
    """The prepared journeys of one question.

    - ``events``: every event of an identified customer in range, with ``us`` (epoch
      microseconds), ``seq`` (0-based place in the customer's one order: timestamp, source
      order, event_id),
      ``touchpoint``, ``stage``, ``stage_index`` and ``is_goal``.
    - ``tagged``: the events the map tags, with ``tn`` (1-based place among the customer's
      tagged events), ``tp_index`` (the touchpoint's place in the map), and the previous and
      next tagged event (``prev_tp``, ``next_tp``, ``next_us``).
    - ``people``: one row per customer: ``first_us``, ``last_us``, ``converted`` (reached the
      goal), ``goal_us`` (first goal event, NULL if none).
    - ``scratch``: where the question keeps relations that several of its queries read (see
      :meth:`shared`); ``None`` when the question asks too little for a copy to pay.
    - ``with_prev``: ``events`` with ``prev_event``, the name of the customer's event just
      before (NULL at the first), when the kept copy holds it (:data:`PREV_EVENT`); else
      ``None``.
    """

    journey: object
    events: ibis.Table
    tagged: ibis.Table
    people: ibis.Table
    as_of_us: int
    first_us: int
    customers: int
    converted: int
    scratch: object | None = None
    with_prev: ibis.Table | None = None
    _shared: dict[str, ibis.Table] = field(default_factory=dict, repr=False)
    _names: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _nameless: bool = field(default=False, repr=False)

    def shared(self, name: str, build: Callable[[], ibis.Table]) -> ibis.Table:
        """The relation ``name``, built by ``build()`` the first time it is asked for in this
        question and then the same for every later reader. With a scratch it is computed once
        and kept there (a temporary table on DuckDB and PostgreSQL, a cached DataFrame on
        Spark): a relation two detectors read, or one detector's several queries, is then not
        worked out again (its windows above all) in each of them."""
        if name not in self._shared:
            table = build()
            self._shared[name] = table if self.scratch is None else self.scratch.keep(table)
        return self._shared[name]

    def names_where(self, key: str, test: Callable[[ibis.Value], ibis.Value]) -> list[str]:
        """The event names of this question for which ``test`` (a condition on a string column,
        such as a regular expression on the name) holds, worked out on the engine over the
        distinct names and remembered under ``key``. A query can then test ``event`` against
        these few names instead of running the expression on every event: friction ran its
        name tests (failures, support contacts) about ten times over the million events."""
        if key not in self._names:
            names = ibis.memtable({"event": self.event_names()}, schema={"event": "string"})
            found = self.events._find_backend().execute(names.filter(test(names.event)))
            self._names[key] = sorted(str(n) for n in found["event"])
        return self._names[key]

    def event_names(self) -> list[str]:
        """The distinct event names of this question (one small query, asked once);
        :meth:`has_nameless_events` then says whether some event has no name."""
        if "" not in self._names:
            frame = self.events.select("event").distinct().execute()
            self._nameless = bool(frame["event"].isna().any())
            self._names[""] = sorted(str(n) for n in frame["event"].dropna())
        return self._names[""]

    def has_nameless_events(self) -> bool:
        self.event_names()
        return self._nameless

    @property
    def stage_ids(self) -> list[str]:
        return [s.id for s in self.journey.stages]

    @property
    def touchpoint_ids(self) -> list[str]:
        return [tp.id for tp in self.journey.touchpoints]

    def goal_stage_index(self) -> int | None:
        goal = self.journey.goal
        if goal is None or goal.touchpoint is None:
            return None
        return self.stage_ids.index(self.journey.stage_of(goal.touchpoint).id)


def seq_order(table: ibis.Table, **frame) -> ibis.expr.builders.LegacyWindowBuilder:
    """The window over a customer's events in the one order, read from ``seq`` (the place
    :func:`prepare` gave each event in :func:`customer_order`): the same order as
    ``customer_order(table)`` on the prepared events and any subset of them, and cheaper, as
    one integer sorts much faster than (time, source order, event id). Friction runs about
    ten windows over every event (``docs/friction-speed.md``)."""
    return ibis.window(group_by=table.customer_id, order_by=table.seq, **frame)


def stage_visits(journeys: Journeys) -> ibis.Table:
    """``(customer_id, stage_index, first_us)``: each customer's first tagged event in each stage
    reached. The waits, the drift and the ranking of their rows read it (about six queries):
    worked out once per question (:meth:`Journeys.shared`)."""

    def build() -> ibis.Table:
        t = journeys.tagged
        return t.group_by(["customer_id", "stage_index"]).aggregate(first_us=t.us.min())

    return journeys.shared("stage_visits", build)


def touchpoint_visits(journeys: Journeys) -> ibis.Table:
    """``(customer_id, touchpoint, first_us)``: each customer's first event at each touchpoint
    reached; read by the waits between steps and by the abandonment (and their rows), worked
    out once per question."""

    def build() -> ibis.Table:
        t = journeys.tagged
        return t.group_by(["customer_id", "touchpoint"]).aggregate(first_us=t.us.min())

    return journeys.shared("touchpoint_visits", build)


def touchpoint_index(journey, column: ibis.Value) -> ibis.Value:
    """The map-order place of a touchpoint id column (NULL when not a touchpoint)."""
    pairs = [(tp.id, i) for i, tp in enumerate(journey.touchpoints)]
    if not pairs:
        return ibis.null("int64")
    return column.cases(*pairs, else_=ibis.null("int64")).cast("int64")


def _tagged_columns(events: ibis.Table, journey, *, partition: bool = False) -> ibis.Table:
    """``events`` with the tagged events' columns (see :class:`Journeys`). With ``partition``
    the events are all the customer's, tagged or not, and each customer's tagged and untagged
    events are ordered apart: on the tagged rows the columns are the same as on the tagged
    events alone (the order is total), on the others they mean nothing."""
    keys = [events.customer_id]
    if partition:
        keys.append(events.touchpoint.isnull())
    # ``seq`` is the one order (:func:`order_keys`) as one number: the same order, and one
    # integer sorts much faster than (time, source order, event id).
    order = ibis.window(group_by=keys, order_by=events.seq)
    return events.mutate(
        tn=ibis.row_number().over(order) + 1,
        tp_index=touchpoint_index(journey, events.touchpoint),
        prev_tp=events.touchpoint.lag().over(order),
        next_tp=events.touchpoint.lead().over(order),
        next_us=events.us.lead().over(order),
    )


#: The columns :func:`_tagged_columns` adds.
TAGGED_COLUMNS = ("tn", "tp_index", "prev_tp", "next_tp", "next_us")
#: A column the kept copy holds beside them: the customer's previous event, worked out in the
#: window that numbers ``seq`` (the same order, so DuckDB sorts once for both). The repeats of
#: an event are collapsed on it (:mod:`recorrido.insights.event_runs`), which took a window of
#: its own over every event.
PREV_EVENT = "prev_event"


def _numbered(events: ibis.Table, *, prev: bool) -> ibis.Table:
    """``events`` with ``seq`` (and with ``prev``, :data:`PREV_EVENT`) in one window."""
    order = customer_order(events)
    if not prev:
        return events.mutate(seq=ibis.row_number().over(order))
    return events.mutate(
        seq=ibis.row_number().over(order), **{PREV_EVENT: events.event.lag().over(order)}
    )


@dataclass(frozen=True)
class OrderedEvents:
    """A source's events tagged by one map and put in each customer's order, for any date range
    (:func:`ordered_events`): what :func:`prepare` does before the date range matters, done
    once. ``table`` holds the events' own columns (``plain``) and the tagged events' columns
    (:func:`_tagged_columns` with ``partition``); ``raw`` is the source's events, for the
    message when a range is empty."""

    table: ibis.Table
    plain: tuple[str, ...]
    journey: object
    raw: ibis.Table

    @classmethod
    def kept(cls, table: ibis.Table, journey_map) -> OrderedEvents:
        """The ordered events read back from a copy of :func:`ordered_events`' table; its rows
        stand for the source's events in the message of an empty range."""
        plain = tuple(c for c in table.columns if c not in (*TAGGED_COLUMNS, PREV_EVENT))
        return cls(table=table, plain=plain, journey=load_map(journey_map), raw=table)


def ordered_events(source, journey_map) -> OrderedEvents | None:
    """The tagged, ordered events of ``source`` by ``journey_map`` over the whole time, as an
    unexecuted expression to keep (the web app copies it once per map and ingest,
    ``web/explore_insights.py``); :func:`prepare` given it as its source cuts a date range from
    it instead of tagging and ordering the events again. ``None`` for a log with lifecycle
    transitions: their work items are collapsed after the range is cut (a range can split
    one), so such a log is prepared from its events each time."""
    journey = load_map(journey_map)
    raw = events_of(source)
    events = raw.filter(raw.customer_id.notnull())
    if lifecycle.has_lifecycle(events):
        return None
    events = events.mutate(us=epoch_micros(events))
    events = tag_events(events, journey)
    plain = (*events.columns, "seq")
    table = _tagged_columns(_numbered(events, prev=True), journey, partition=True)
    return OrderedEvents(table=table, plain=plain, journey=journey, raw=raw)


def _within(ordered: OrderedEvents, lower: int | None, upper: int | None) -> ibis.Table:
    """The rows of ``ordered`` between ``lower`` and ``upper`` (epoch microseconds), with the
    columns :func:`prepare` would give those events alone. The one order starts with the time,
    so a range keeps a run of each customer's events in a row: ``seq`` and ``tn`` only move
    back to start at the run's first event, the previous touchpoint of the run's first tagged
    event and the next one of its last are gone, and every other value is the same."""
    t = in_range(ordered.table, "us", lower, upper)
    if lower is None and upper is None:
        return t
    tagged = t.touchpoint.notnull()
    ends = t.group_by("customer_id").aggregate(
        _seq0=t.seq.min(), _tn0=t.tn.min(where=tagged), _tn1=t.tn.max(where=tagged)
    )
    t = t.join(ends, "customer_id")
    first, last = t.tn == t._tn0, t.tn == t._tn1
    extra = {}
    if PREV_EVENT in t.columns:  # (a copy kept before it held one has none)
        extra[PREV_EVENT] = ibis.cases((t.seq == t._seq0, ibis.null("string")), else_=t[PREV_EVENT])
    return t.mutate(
        **extra,
        seq=t.seq - t._seq0,
        tn=t.tn - t._tn0 + 1,
        prev_tp=ibis.cases((first, ibis.null("string")), else_=t.prev_tp),
        next_tp=ibis.cases((last, ibis.null("string")), else_=t.next_tp),
        next_us=ibis.cases((last, ibis.null("int64")), else_=t.next_us),
    ).select(*ordered.table.columns)


def prepare(
    source,
    journey_map,
    *,
    start=None,
    end=None,
    need_goal: bool = True,
    scratch=None,
    many_reads: bool = False,
) -> Journeys:
    """Tag and order the events of ``source`` (a workspace or an events table) by ``journey_map``
    (a JourneyMap or a YAML path), between ``start`` and ``end`` (UTC dates, ``end`` inclusive).

    With a ``scratch`` (:class:`recorrido.measured.scratch.Scratch`) the tagged, ordered events
    and the per-customer table are computed once and kept there: a question that runs many
    queries (friction runs about twenty) then reads them instead of applying the match rules
    and the ordering window to the raw events in every query. The order is total, so the
    answers are the same (``docs/tagged-relation.md``, ``docs/friction-speed.md``).

    ``source`` may be :class:`OrderedEvents` (the events tagged and ordered already): the range
    is then cut from them, and copied into the scratch only when the question reads its events
    in ``many_reads`` queries (friction's twenty); for a few, reading the cut where it is costs
    less than copying a million wide rows (``docs/insights-date-range.md``)."""
    journey = load_map(journey_map)
    if need_goal and journey.goal is None:
        raise RecorridoError("insights_no_goal", name=journey.name)
    lower, upper = parse_range(start, end)
    if isinstance(source, OrderedEvents):
        kept = scratch if many_reads else None
        events, tagged, raw, with_prev = _from_ordered(source, journey, lower, upper, kept)
    else:
        events, tagged, raw, with_prev = _from_events(source, journey, lower, upper, scratch)
    goal_us = ibis.cases((events.is_goal, events.us), else_=ibis.null("int64"))
    people = events.group_by("customer_id").aggregate(
        first_us=events.us.min(),
        last_us=events.us.max(),
        converted=events.is_goal.any(),
        goal_us=goal_us.min(),
    )
    if scratch is not None:
        people = scratch.keep(people)
    span = people.aggregate(
        customers=people.count(),
        converted=people.converted.cast("int64").sum(),
        first=people.first_us.min(),
        last=people.last_us.max(),
    ).execute()
    customers = int(span["customers"][0])
    if not customers:
        raise_empty(raw, start, end)
    as_of = upper if upper is not None else int(span["last"][0])
    return Journeys(
        journey=journey,
        events=events,
        tagged=tagged,
        people=people,
        as_of_us=int(as_of),
        first_us=int(span["first"][0]),
        customers=customers,
        converted=int(span["converted"][0] or 0),
        scratch=scratch,
        with_prev=with_prev,
    )


def _from_events(source, journey, lower, upper, scratch) -> tuple:
    """The events and tagged events of a question worked out from ``source``'s events."""
    raw = events_of(source)
    events = raw.filter(raw.customer_id.notnull())
    events = in_range(events.mutate(us=epoch_micros(events)), "us", lower, upper)
    # A work item's SCHEDULE / START / COMPLETE are one step, not a loop or a wait
    # (process-mining logs; a no-op elsewhere): recorrido.insights.lifecycle.
    events = lifecycle.collapse(events)
    events = tag_events(events, journey)
    if scratch is None:
        events = _numbered(events, prev=False)
        tagged = _tagged_columns(events.filter(events.touchpoint.notnull()), journey)
        return events, tagged, raw, None
    # One copy holds both: the tagged events' own columns are worked out beside ``seq``,
    # over each customer's tagged events (the rows of the other partition are dropped
    # from ``tagged``, the columns from ``events``). The windows then run once, not in
    # every query that reads ``tagged`` (waits, abandonment, drift, loops, hand-offs and
    # changes all do), and the wide rows are copied once.
    plain = (*events.columns, "seq")
    both = scratch.keep(_kept_copy(events, journey))
    return (*_split(both, plain), raw, both.select(*plain, PREV_EVENT))


def _kept_copy(events: ibis.Table, journey) -> ibis.Table:
    """``events`` with ``seq``, :data:`PREV_EVENT` and the tagged events' columns (the rows
    :func:`_tagged_columns` with ``partition`` gives; on the untagged rows they mean nothing).

    On DuckDB in one window over the customer's events: the tagged events' neighbours are
    the nearest tagged ones (``IGNORE NULLS`` over the touchpoint) and ``tn`` their running
    count, so the events are sorted once, not twice (the second sort, over the wide rows,
    cost about a quarter of friction's CPU at 1 M events, ``docs/friction-speed.md``).
    Ibis does not spell ``IGNORE NULLS`` on DuckDB (nor can PostgreSQL), hence the SQL."""
    numbered = _numbered(events, prev=True)
    # (a table whose own columns bear the names the query gives would make them ambiguous)
    made = {"seq", PREV_EVENT, *TAGGED_COLUMNS, "_next", "_recorrido_events"}
    made |= {f"_k{i}" for i in range(3)}
    if engine_of(events) != "duckdb" or made & {c.lower() for c in events.columns}:
        return _tagged_columns(numbered, journey, partition=True)
    # A key that is a column is sorted on as it is: a copy of it (the event id, a string)
    # would be one more column carried through the sort.
    computed, order = {}, []
    for i, key in enumerate(order_keys(events)):
        name = key.get_name()
        if name in events.columns and key.equals(events[name]):
            order.append(f"{_quoted(name)} ASC")
        else:
            computed[f"_k{i}"] = key
            order.append(f"_k{i} ASC")
    t = events.mutate(**computed, tp_index=touchpoint_index(journey, events.touchpoint))
    t = t.alias("_recorrido_events")
    plain = ", ".join(_quoted(c) for c in events.columns)
    order = ", ".join(order)
    window = f"PARTITION BY customer_id ORDER BY {order}"
    sql = f"""
        SELECT {plain}, seq, {PREV_EVENT}, tn, tp_index, prev_tp,
               _next.tp AS next_tp, _next.us AS next_us
        FROM (
            SELECT *,
                ROW_NUMBER() OVER ({window}) - 1 AS seq,
                LAG(event) OVER ({window}) AS {PREV_EVENT},
                COUNT(touchpoint) OVER (
                    {window} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                ) AS tn,
                LAG(touchpoint IGNORE NULLS) OVER ({window}) AS prev_tp,
                LEAD(CASE WHEN touchpoint IS NOT NULL THEN {{'tp': touchpoint, 'us': us}} END
                     IGNORE NULLS) OVER ({window}) AS _next
            FROM _recorrido_events
        )
    """
    copy = t.sql(sql, dialect="duckdb")
    return copy.cast(numbered.schema()).select(*numbered.columns, *TAGGED_COLUMNS)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _split(both: ibis.Table, plain) -> tuple[ibis.Table, ibis.Table]:
    """The events (``plain``) and the tagged events (with their columns) of a kept copy."""
    tagged = both.filter(both.touchpoint.notnull())
    if PREV_EVENT in both.columns and PREV_EVENT not in plain:
        tagged = tagged.drop(PREV_EVENT)
    return both.select(*plain), tagged


def _from_ordered(ordered: OrderedEvents, journey, lower, upper, scratch) -> tuple:
    """The same from events tagged and ordered already, for the range asked."""
    if ordered.journey != journey:
        raise ValueError("the ordered events were tagged with another map")
    both = _within(ordered, lower, upper)
    if scratch is not None and (lower is not None or upper is not None):
        both = scratch.keep(both)
    with_prev = both.select(*ordered.plain, PREV_EVENT) if PREV_EVENT in both.columns else None
    return (*_split(both, ordered.plain), ordered.raw, with_prev)
