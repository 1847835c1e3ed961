"""Friction findings: measured, tested, dated, located in a segment, ranked.

Each detector (loops, failures, waits, abandonment, hand-offs, drift) proposes candidates; this
module turns them into :class:`Finding` records:

1. **Effect.** Success is reaching the map's goal (for abandonment: going on after the
   touchpoint). ``effect`` = success rate of the affected − success rate of the comparable
   customers who were not affected, with Newcombe's 95 % interval.
2. **Noise threshold.** A candidate is tested when both groups have at least
   ``min_customers`` customers (a floor, default 10) and the affected are enough for the
   strongest effect to be told from chance at the comparable rate
   (:func:`recorrido.insights.stats.least_detectable`: the threshold follows the data). It is a
   finding when Benjamini–Hochberg at ``alpha`` over every candidate tested in the run keeps
   it (two-proportion z-test: one-sided, for a fall, where the detector reports only harm, as
   loops, failures, waits, abandonment and hand-offs do; two-sided for drift and changes), its
   effect is negative (friction hurts; drift and changes may go
   either way), it is large enough (the bad outcome or success 1.5 times as common in one group,
   and 5 points apart: :func:`recorrido.insights.stats.large_enough`) and its score is at least
   ``min_score``. After the goal, success is coming back
   (:mod:`recorrido.insights.later_outcome`), not reaching the goal.
3. **Score and rank.** ``score`` = affected customers × |effect|: the customers the problem
   costs (or, for a positive drift, wins). Findings are ranked by score.
4. **When.** The daily share of the comparable customers who were affected is tested day by
   day against its baseline (:func:`recorrido.insights.stats.periods`); if one period holds at
   least half of the affected customers and less than 70 % of the days, the finding is
   time-bound and gets ``start``/``end``.
5. **Where it concentrates.** :mod:`recorrido.insights.concentration`.
6. **Examples.** A handful of affected customer ids, drawn by a hash of the id (so runs repeat).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import ibis
import pandas as pd

from recorrido.analytics.windows import DEFAULT_INACTIVITY, parse_duration
from recorrido.insights import concentration, grouping, later_outcome
from recorrido.insights.candidates import Candidates, kept_rows, union
from recorrido.insights.error_words import STEMS
from recorrido.insights.journeys import DAY_US, Journeys, prepare
from recorrido.insights.sampling import sample_key
from recorrido.insights.stats import (
    Z95,
    benjamini_hochberg,
    diff_interval,
    harm_p,
    large_enough,
    least_detectable,
    periods,
    two_sided_p,
    z_for,
)

KINDS = ("loop", "failure", "wait", "abandonment", "handoff", "drift", "change")
#: The bilingual vocabulary of failures (word stems): :mod:`recorrido.insights.error_words`.
DEFAULT_FAILURE_PATTERNS = STEMS


@dataclass
class FrictionOptions:
    """The knobs of :func:`friction` (defaults are documented in ``docs/insights.md``)."""

    kinds: tuple[str, ...] = KINDS
    min_customers: int = 10
    min_score: float = 3.0
    alpha: float = 0.05
    min_repeats: int = 2
    min_failures: int = 2
    failure_patterns: tuple[str, ...] = DEFAULT_FAILURE_PATTERNS
    wait_factor: float = 4.0
    min_wait: str = "1h"
    inactivity: str = DEFAULT_INACTIVITY
    handoff_window: str = "1d"
    segment_by: tuple[str, ...] | None = None
    samples: int = 5

    @property
    def min_wait_us(self) -> int:
        return parse_duration(self.min_wait)

    @property
    def inactivity_us(self) -> int:
        return parse_duration(self.inactivity)

    @property
    def handoff_window_us(self) -> int:
        return parse_duration(self.handoff_window)


@dataclass
class Finding:
    """One friction finding. ``where`` holds stage / touchpoint ids; ``effect`` and ``ci`` are
    differences of success rates (affected − comparable); ``start``/``end`` are ISO dates when
    time-bound; ``segment`` says where it concentrates; ``message`` is the key and parameters
    of its sentence, ``text`` the sentence in Spanish and English."""

    kind: str
    where: dict
    customers: int
    comparable: int
    rate_affected: float
    rate_comparable: float
    effect: float
    ci: tuple[float, float]
    score: float
    start: str | None = None
    end: str | None = None
    segment: dict | None = None
    samples: list[str] = field(default_factory=list)
    message: dict = field(default_factory=dict)
    id: str = ""
    #: Other findings of the same cause (:mod:`recorrido.insights.grouping`), ranked.
    parts: list[Finding] = field(default_factory=list)

    def sentence(self, lang: str) -> str:
        from recorrido.insights.sentences import sentence

        return sentence(self, lang)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ci"] = list(self.ci)
        data["text"] = {lang: self.sentence(lang) for lang in ("es", "en")}
        data["parts"] = [part.to_dict() for part in self.parts]
        return data


@dataclass
class FrictionReport:
    """The ranked findings of a run, and what was tested to find them."""

    map: str
    findings: list[Finding]
    tested: int
    customers: int
    converted: int
    options: dict
    #: Property keys the automatic segment scan skipped (unreadable on this engine).
    skipped_properties: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "map": self.map,
            "customers": self.customers,
            "converted": self.converted,
            "tested": self.tested,
            "options": self.options,
            "skipped_properties": self.skipped_properties,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def friction(
    source, journey_map, *, start=None, end=None, options: FrictionOptions | None = None
) -> FrictionReport:
    """The friction findings of ``journey_map`` on ``source`` (a workspace or events table),
    ranked by score; see the module text for the definitions."""
    from recorrido.insights import (
        abandonment,
        changes,
        drift,
        failures,
        handoffs,
        loops,
        wait_cost,
        waits,
    )
    from recorrido.measured.scratch import Scratch

    options = options or FrictionOptions()
    # About twenty queries read the tagged events: they are tagged and ordered once, kept for
    # this run only (dropped when it ends, error or not).
    with Scratch() as scratch:
        journeys = prepare(
            source, journey_map, start=start, end=end, scratch=scratch, many_reads=True
        )
        detectors = {
            "loop": loops.candidates,
            "failure": failures.candidates,
            "wait": waits.candidates,
            "abandonment": abandonment.candidates,
            "handoff": handoffs.candidates,
            "drift": drift.candidates,
            "change": changes.candidates,
        }
        sets = [detectors[k](journeys, options) for k in KINDS if k in options.kinds]
        if "wait" in options.kinds:
            # Waits are also judged by their time cost, per segment (wait_cost): it reads the
            # wait detector's rows, kept once for both.
            at = [k for k in KINDS if k in options.kinds].index("wait")
            sets[at] = kept_rows(sets[at], scratch)
            sets.append(wait_cost.candidates(journeys, options, sets[at]))
        findings, tested = evaluate(journeys, sets, options, scratch)
        skipped = concentration.unreadable_keys(journeys) if options.segment_by is None else []
        return FrictionReport(
            skipped_properties=skipped,
            map=journeys.journey.name,
            findings=findings,
            tested=tested,
            customers=journeys.customers,
            converted=journeys.converted,
            options={
                "start": None if start is None else str(start),
                "end": None if end is None else str(end),
                **{k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(options).items()},
            },
        )


# -- evaluation ------------------------------------------------------------------------------
def evaluate(
    journeys: Journeys, sets: list[Candidates], options: FrictionOptions, scratch=None
) -> tuple[list[Finding], int]:
    """Test every candidate, keep those above the noise threshold, date, locate, rank them."""
    sets = [kept_rows(s, scratch) for s in sets]
    people = _outcomes(journeys, scratch)
    frames = [_counts(journeys, s, options, people) for s in sets]
    for i, frame in enumerate(frames):
        if frame is not None:
            frame["set"] = i  # two sets may share a kind (waits by goal, waits by time)
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return [], sum(s.tests for s in sets)
    table = pd.concat(frames, ignore_index=True)
    floor = options.min_customers
    table = table[(table.n_aff >= floor) & (table.n_cmp >= floor)]
    need = [
        least_detectable(r.k_cmp / r.n_cmp, options.alpha, floor, not sets[r.set].harm_only)
        for r in table.itertuples(index=False)
    ]
    table = table[table.n_aff.to_numpy() >= need] if len(table) else table
    tested = len(table) + sum(s.tests for s in sets)
    # A detector may give its own p-value (an exact test where counts are small and rare).
    # Harm-only detectors test a fall alone (one-sided); the others either way.
    pvalues = [
        float(r.p)
        if pd.notna(r.p)
        else (harm_p if sets[r.set].harm_only else two_sided_p)(
            int(r.k_aff), int(r.n_aff), int(r.k_cmp), int(r.n_cmp)
        )
        for r in table.itertuples(index=False)
    ]
    # Tests made earlier to choose candidates count in the correction as tests that found
    # nothing (p = 1).
    passed = benjamini_hochberg(pvalues + [1.0] * (tested - len(pvalues)), options.alpha)
    kept: list[Finding] = []
    for row, ok in zip(table.itertuples(index=False), passed, strict=False):
        n_aff, k_aff, n_cmp, k_cmp = int(row.n_aff), int(row.k_aff), int(row.n_cmp), int(row.k_cmp)
        effect = k_aff / n_aff - k_cmp / n_cmp
        if not ok or effect == 0:
            continue
        cands = sets[row.set]
        if cands.harm_only and effect >= 0:
            continue
        if row.kind != "change" and not large_enough(k_aff, n_aff, k_cmp, n_cmp):
            continue  # significant yet small (changes have their own size rule)
        score = n_aff * abs(effect)
        if score < options.min_score:
            continue
        where, params = cands.describe(row.cid)
        key = params.pop("message_key", None)  # a sentence of its own (waits by time cost)
        if cands.after_goal(row.cid):  # judged by coming back, not by reaching the goal
            where["after_goal"] = True
            params["inactivity"] = options.inactivity
        kept.append(
            Finding(
                kind=row.kind,
                where=where,
                customers=int(row.customers),
                comparable=n_cmp,
                rate_affected=k_aff / n_aff,
                rate_comparable=k_cmp / n_cmp,
                effect=effect,
                ci=diff_interval(k_aff, n_aff, k_cmp, n_cmp, Z95),
                score=score,
                message={"params": params, **({"key": key} if key else {})},
                id=row.cid,
            )
        )
    if kept:
        shared = _enrich(journeys, sets, kept, options, scratch)
        kept.sort(key=lambda f: (-f.score, f.id))
        kept = grouping.group(kept, shared)
    return kept, tested


def _outcomes(journeys: Journeys, scratch=None) -> ibis.Table:
    """``(customer_id, converted, last_us)``: reached the goal, and the last event that is not
    a leaving one (for coming back after the goal, :mod:`later_outcome`); computed once."""
    people = journeys.people.select("customer_id", "converted")
    stay = later_outcome.last_stay(journeys)
    people = people.join(stay, "customer_id").select(
        "customer_id", "converted", last_us=stay.stay_us.fill_null(0)
    )
    return scratch.keep(people) if scratch is not None else people


def _counts(
    journeys: Journeys, cands: Candidates, options: FrictionOptions, people: ibis.Table
) -> pd.DataFrame | None:
    if cands.stats is not None:
        frame = cands.stats.copy()
        if "customers" not in frame:
            frame["customers"] = frame["n_aff"]
        if "p" not in frame:
            frame["p"] = float("nan")
    else:
        if cands.affected is None or cands.pool is None:
            return None
        sums = {}
        for name, rows_ in (("aff", cands.affected), ("pool", cands.pool)):
            if name == "pool":
                rows_ = _pool_at_affected_time(rows_, cands.affected)
            t = rows_.join(people, "customer_id")
            # After the goal, success is coming back (later_outcome), among those observed.
            seen = later_outcome.observed(t.us, journeys.as_of_us, options.inactivity_us)
            back = later_outcome.kept(t.us, t.last_us, journeys.as_of_us, options.inactivity_us)
            sums[name] = t.group_by("cid").aggregate(
                **{
                    f"n_{name}": t.count(),
                    f"k_{name}": t.converted.cast("int64").sum(),
                    f"n_{name}_later": seen.cast("int64").sum(),
                    f"k_{name}_later": back.cast("int64").sum(),
                }
            )
        frame = sums["pool"].join(sums["aff"], "cid").execute()
        if frame.empty:
            return frame
        frame["customers"] = frame["n_aff"]
        later = frame["cid"].map(lambda cid: bool(cands.after_goal(str(cid))))
        for part in ("aff", "pool"):
            for letter in ("n", "k"):
                column = f"{letter}_{part}"
                frame[column] = frame[column].where(~later, frame[f"{column}_later"])
        frame["n_cmp"] = frame["n_pool"] - frame["n_aff"]
        frame["k_cmp"] = frame["k_pool"] - frame["k_aff"]
        frame["p"] = float("nan")
    frame["kind"] = cands.kind
    for column in ("n_aff", "k_aff", "n_cmp", "k_cmp", "customers"):
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame[["kind", "cid", "n_aff", "k_aff", "n_cmp", "k_cmp", "customers", "p"]]


def _pool_at_affected_time(pool: ibis.Table, affected: ibis.Table) -> ibis.Table:
    """The pool with each affected customer's row timed as in ``affected``.

    After the goal, "observed" and "came back" depend on when the customer met the place; the
    comparison group is the pool minus the affected, so an affected customer must count the same
    in both or the difference can go negative (more came back than were observed)."""
    timed = affected.group_by(a_cid=affected.cid, a_customer=affected.customer_id).aggregate(
        a_us=affected.us.min()
    )
    joined = pool.left_join(
        timed, (pool.cid == timed.a_cid) & (pool.customer_id == timed.a_customer)
    )
    return joined.mutate(us=ibis.coalesce(joined.a_us, joined.us)).drop(
        "a_cid", "a_customer", "a_us"
    )


def _enrich(
    journeys: Journeys,
    sets: list[Candidates],
    kept: list[Finding],
    options: FrictionOptions,
    scratch=None,
) -> dict[tuple[str, str], float]:
    """Dates, segment and example customers of the kept findings (small queries); returns the
    share of affected customers each pair of them has in common (for the grouping)."""
    ids = [f.id for f in kept]
    # Only the kinds that kept a finding: the others' rows would all be filtered out below,
    # yet a detector whose rows are an expression (changes, abandonment) would compute them.
    kinds = {f.kind for f in kept}
    affected = union([s.affected for s in sets if s.kind in kinds])
    pool = union([s.pool for s in sets if s.kind in kinds])
    affected = affected.filter(affected.cid.isin(ids))
    pool = pool.filter(pool.cid.isin(ids))
    if scratch is not None:
        # Four queries below read them (days, segments twice, examples): each detector's
        # windows run once, not four times. (One query copying both as a union ran Spark's
        # driver out of memory while planning it.)
        affected, pool = scratch.keep(affected), scratch.keep(pool)
    known = {cid: span for s in sets for cid, span in s.periods.items()}

    daily = _daily(affected, pool)
    days_total = max(1, (journeys.as_of_us - journeys.first_us) // DAY_US + 1)
    z_day = z_for(options.alpha, days_total * len(kept))
    for finding in kept:
        span = known.get(finding.id)
        if span is None:
            series = daily.get(finding.id, [])
            span = _time_bound(series, z_day, days_total)
        if span is not None:
            finding.start, finding.end = _day(span[0]), _day(span[1])

    located = concentration.concentrations(journeys, affected, pool, options)
    for finding in kept:
        finding.segment = located.get(finding.id)

    ranked = affected.mutate(
        _r=ibis.row_number().over(
            ibis.window(
                group_by=affected.cid,
                order_by=[sample_key(affected.customer_id), affected.customer_id],
            )
        )
    )
    examples = ranked.filter(ranked._r < options.samples).select("cid", "customer_id").execute()
    for finding in kept:
        mine = examples[examples.cid == finding.id]["customer_id"]
        finding.samples = sorted(str(c) for c in mine)
        finding.message.setdefault("key", f"insight_{finding.kind}")
        if finding.where.get("after_goal"):
            finding.message["key"] += "_after"
        if finding.kind in ("drift", "change"):
            finding.message["key"] += "_up" if finding.effect > 0 else "_down"
    # Changes count customer-bins and are grouped by their periods instead.
    people = [f.id for f in kept if f.kind != "change"]
    return grouping.shared_customers(affected, people)


def _daily(affected: ibis.Table, pool: ibis.Table) -> dict[str, list[tuple[int, int, int]]]:
    hit = affected.select("cid", "customer_id", hit=ibis.literal(1))
    joined = pool.left_join(hit, ["cid", "customer_id"])
    joined = joined.mutate(day=(joined.us // DAY_US).cast("int64"), hit=joined.hit.fill_null(0))
    frame = (
        joined.group_by(["cid", "day"]).aggregate(k=joined.hit.sum(), n=joined.count()).execute()
    )
    series: dict[str, list[tuple[int, int, int]]] = {}
    for row in frame.itertuples(index=False):
        series.setdefault(row.cid, []).append((int(row.day), int(row.k), int(row.n)))
    return series


def _time_bound(series, z_day: float, days_total: int) -> tuple[int, int] | None:
    total = sum(k for _, k, _ in series)
    if not total:
        return None
    best = None
    for period in periods(series, z=z_day, gap=1):
        if period.sign < 0:
            continue
        if best is None or period.k > best.k:
            best = period
    if best is None:
        return None
    length = best.last - best.first + 1
    if best.k < 0.5 * total or length >= 0.7 * days_total:
        return None
    return (best.first, best.last)


def _day(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=int(day))).isoformat()
