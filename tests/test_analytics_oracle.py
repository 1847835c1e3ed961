"""Plain-Python oracles for the analytics figures, written independently of the engine code.

They read the customers' streams as small Python lists (only used on small test datasets) and
follow the documented semantics literally, one customer at a time.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment) -> int:
    moment = moment.to_pydatetime() if hasattr(moment, "to_pydatetime") else moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def streams(events_frame, level: str = "event") -> dict[str, list[tuple[int, str, str, dict]]]:
    """customer -> [(us, event_id, item, row)] sorted by (us, source_order, event_id), the
    documented order (``docs/event-order.md``); a missing source order sorts last."""
    out: dict[str, list] = defaultdict(list)
    for row in events_frame.to_dict("records"):
        if row[level] is None or row["customer_id"] is None:
            continue
        out[row["customer_id"]].append((micros(row["timestamp"]), row["event_id"], row[level], row))
    for rows in out.values():
        rows.sort(key=lambda r: (r[0], _place(r[3]), r[1]))
    return dict(out)


def _place(row) -> int:
    place = row.get("source_order")
    return 2**62 if place is None or place != place else int(place)


def median(values):
    return statistics.median(values) if values else None


def dfg(data, collapse=False):
    pairs = defaultdict(list)
    for customer, rows in data.items():
        for a, b in pairwise(rows):
            if collapse and a[2] == b[2]:
                continue
            pairs[(a[2], b[2])].append((customer, b[0] - a[0]))
    return {
        key: {
            "count": len(v),
            "customers": len({c for c, _ in v}),
            "mean_seconds": sum(g for _, g in v) / len(v) / 1e6,
            "median_seconds": median([g for _, g in v]) / 1e6,
        }
        for key, v in pairs.items()
    }


def _dropped(rows, t0, times, n, window, exclusions, rule) -> bool:
    """PostHog's rule: an exclusion at or after the entry and no later than the attempt's last
    step (its window's end when it does not finish) drops the whole attempt."""
    if rule != "drop":
        return False
    excl = [r[0] for r in rows if r[2] in exclusions and r[0] >= t0]
    end = max(times) if len(times) == n else t0 + window
    return bool(excl) and min(excl) <= end


def ordered_attempt(rows, i, steps, window, exclusions=(), rule="drop"):
    """(reached, [step times]) for the attempt anchored at rows[i], greedy earliest steps;
    None when an exclusion drops it."""
    t0 = rows[i][0]
    excl = [r[0] for r in rows if r[2] in exclusions and r[0] > t0]
    cut = min(excl) if excl and rule == "cut" else None
    times = [t0]
    for step in steps[1:]:
        nxt = [r[0] for r in rows if r[2] == step and r[0] > times[-1]]
        if not nxt:
            break
        t = min(nxt)
        if t - t0 > window or (cut is not None and t >= cut):
            break
        times.append(t)
    if _dropped(rows, t0, times, len(steps), window, exclusions, rule):
        return None
    return len(times), times


def strict_attempt(rows, i, steps, window):
    t0 = rows[i][0]
    times = [t0]
    for j, step in enumerate(steps[1:], start=1):
        if i + j >= len(rows):
            break
        r = rows[i + j]
        # Consecutive in the one order: tied events follow each other (in source order).
        if r[2] != step or r[0] - t0 > window:
            break
        times.append(r[0])
    return len(times), times


def any_order_attempt(rows, i, steps, window, exclusions=(), rule="drop"):
    t0 = rows[i][0]
    excl = [r[0] for r in rows if r[2] in exclusions and r[0] > t0]
    cut = min(excl) if excl and rule == "cut" else None
    firsts = {}
    for r in rows:
        if t0 <= r[0] <= t0 + window and r[2] in steps and (cut is None or r[0] < cut):
            firsts.setdefault(r[2], r[0])
    times = sorted(firsts.values())
    if _dropped(rows, t0, times, len(steps), window, exclusions, rule):
        return None
    return len(times), times


def funnel(data, steps, window, kind="ordered", exclusions=(), breakdown=None, rule="drop"):
    """{(breakdown value, k): (customers, median prev s, median first s)}."""
    reached_by = defaultdict(list)
    for rows in data.values():
        best = None
        for i, r in enumerate(rows):
            if kind == "any":
                if r[2] not in steps:
                    continue
                attempt = any_order_attempt(rows, i, steps, window, exclusions, rule)
            elif r[2] != steps[0]:
                continue
            elif kind == "strict":
                attempt = strict_attempt(rows, i, steps, window)
            else:
                attempt = ordered_attempt(rows, i, steps, window, exclusions, rule)
            if attempt is None:  # dropped by an exclusion
                continue
            n, times = attempt
            key = (-n, r[0], r[1])
            if best is None or key < best[0]:
                value = "(none)"
                if breakdown:
                    got = r[3].get(breakdown)
                    if got is None:
                        got = (r[3].get("properties") or {}).get(breakdown)
                    value = "(none)" if got is None else str(got)
                best = (key, n, times, value)
        if best is None:
            continue
        _, n, times, value = best
        for k in range(1, n + 1):
            reached_by[(value, k)].append(times)
    out = {}
    for (value, k), attempts in reached_by.items():
        prev = [t[k - 1] - t[k - 2] for t in attempts] if k > 1 else []
        first = [t[k - 1] - t[0] for t in attempts] if k > 1 else []
        out[(value, k)] = (
            len(attempts),
            None if k == 1 else median(prev) / 1e6,
            None if k == 1 else median(first) / 1e6,
        )
    return out


def sessions(data, gap):
    """[(customer, n_events, duration_us, start_us)] per session."""
    result = []
    for customer, rows in data.items():
        current = [rows[0]]
        for r in rows[1:]:
            if r[0] - current[-1][0] > gap:
                result.append(
                    (customer, len(current), current[-1][0] - current[0][0], current[0][0])
                )
                current = []
            current.append(r)
        result.append((customer, len(current), current[-1][0] - current[0][0], current[0][0]))
    return result


def week_start(us: int):
    day = (EPOCH + timedelta(microseconds=us)).date()
    return day - timedelta(days=day.weekday())


def month_start(us: int):
    day = (EPOCH + timedelta(microseconds=us)).date()
    return day.replace(day=1)


def retention(data, period="week", return_event=None):
    """{(cohort start, n): customers} and {cohort start: size}."""
    start = week_start if period == "week" else month_start

    def index(d):
        return (d - start(0)).days // 7 if period == "week" else d.year * 12 + d.month

    sizes: Counter = Counter()
    back: Counter = Counter()
    for rows in data.values():
        cohort = start(rows[0][0])
        sizes[cohort] += 1
        seen = {
            index(start(r[0])) - index(cohort)
            for r in rows
            if return_event is None or r[2] == return_event
        }
        for n in seen:
            back[(cohort, n)] += 1
    return back, sizes


# -- the oracles checked on streams small enough to verify by hand ------------------------------
def _rows(*items):
    return [(us, f"e{i}", item, {}) for i, (us, item) in enumerate(items)]


def test_oracle_ordered_retries_later_attempt_and_window():
    day = 86_400_000_000
    rows = _rows((0, "a"), (5 * day, "b"), (40 * day, "a"), (41 * day, "b"), (42 * day, "c"))
    result = funnel({"x": rows}, ["a", "b", "c"], 7 * day)
    assert result[("(none)", 3)] == (1, day / 1e6, 2 * day / 1e6)


def test_oracle_ties_never_follow_in_ordered_but_do_in_strict():
    rows = _rows((10, "a"), (10, "b"), (20, "x"), (30, "b"))
    assert funnel({"x": rows}, ["a", "b"], 100)[("(none)", 2)][0] == 1
    # Strict follows the step table: the tied b is the very next step after a.
    assert funnel({"x": rows}, ["a", "b"], 100, kind="strict")[("(none)", 2)][0] == 1
    gapped = _rows((10, "a"), (20, "x"), (30, "b"))
    assert ("(none)", 2) not in funnel({"x": gapped}, ["a", "b"], 100, kind="strict")
    assert funnel({"x": rows}, ["a", "b"], 15)[("(none)", 1)][0] == 1
    assert ("(none)", 2) not in funnel({"x": rows}, ["a", "b"], 15)


def test_oracle_exclusion_drops_or_cuts_the_attempt():
    rows = _rows((0, "a"), (5, "b"), (6, "stop"), (7, "c"))
    # PostHog's rule (the default): the attempt with the exclusion between its steps is dropped.
    assert funnel({"x": rows}, ["a", "b", "c"], 100, exclusions=["stop"]) == {}
    # The earlier rule, kept as ``cut``: the steps before the exclusion count.
    result = funnel({"x": rows}, ["a", "b", "c"], 100, exclusions=["stop"], rule="cut")
    assert ("(none)", 2) in result and ("(none)", 3) not in result
    # An exclusion after the attempt finished, or after its window, changes nothing.
    done = _rows((0, "a"), (5, "b"), (7, "c"), (8, "stop"))
    assert funnel({"x": done}, ["a", "b", "c"], 100, exclusions=["stop"])[("(none)", 3)][0] == 1
    late = _rows((0, "a"), (5, "b"), (200, "stop"))
    assert funnel({"x": late}, ["a", "b", "c"], 100, exclusions=["stop"])[("(none)", 2)][0] == 1


def test_oracle_sessions_and_dfg():
    minute = 60_000_000
    rows = _rows((0, "a"), (30 * minute, "a"), (61 * minute, "b"))
    assert [s[1] for s in sessions({"x": rows}, 30 * minute)] == [2, 1]
    assert dfg({"x": rows})[("a", "a")]["count"] == 1
    assert ("a", "a") not in dfg({"x": rows}, collapse=True)
