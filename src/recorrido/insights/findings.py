"""Friction findings: measured, tested, dated, located in a segment, ranked.

Each detector (loops, failures, waits, abandonment, hand-offs, drift) proposes candidates; this
module turns them into :class:`Finding` records:

1. **Effect.** Success is reaching the map's goal (for abandonment: going on after the
   touchpoint). ``effect`` = success rate of the affected − success rate of the comparable
   customers who were not affected, with Newcombe's 95 % interval.
2. **Noise threshold.** A candidate is a finding only when both groups have at least
   ``min_customers`` customers, its interval at the Bonferroni-corrected level (all candidates
   of the run counted) excludes 0, its effect is negative (friction hurts; drift may go either
   way) and its score is at least ``min_score``.
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
from recorrido.insights import concentration
from recorrido.insights.candidates import Candidates, union
from recorrido.insights.error_words import STEMS
from recorrido.insights.journeys import DAY_US, Journeys, prepare
from recorrido.insights.sampling import sample_key
from recorrido.insights.stats import Z95, diff_interval, periods, z_for

KINDS = ("loop", "failure", "wait", "abandonment", "handoff", "drift", "change")
#: The bilingual vocabulary of failures (word stems): :mod:`recorrido.insights.error_words`.
DEFAULT_FAILURE_PATTERNS = STEMS


@dataclass
class FrictionOptions:
    """The knobs of :func:`friction` (defaults are documented in ``docs/insights.md``)."""

    kinds: tuple[str, ...] = KINDS
    min_customers: int = 20
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

    def sentence(self, lang: str) -> str:
        from recorrido.insights.sentences import sentence

        return sentence(self, lang)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ci"] = list(self.ci)
        data["text"] = {lang: self.sentence(lang) for lang in ("es", "en")}
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
    from recorrido.insights import abandonment, changes, drift, failures, handoffs, loops, waits
    from recorrido.measured.scratch import Scratch

    options = options or FrictionOptions()
    # About twenty queries read the tagged events: they are tagged and ordered once, kept for
    # this run only (dropped when it ends, error or not).
    with Scratch() as scratch:
        journeys = prepare(source, journey_map, start=start, end=end, scratch=scratch)
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
    frames = [_counts(journeys, s) for s in sets]
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return [], sum(s.tests for s in sets)
    table = pd.concat(frames, ignore_index=True)
    table = table[(table.n_aff >= options.min_customers) & (table.n_cmp >= options.min_customers)]
    tested = len(table) + sum(s.tests for s in sets)
    strict = z_for(options.alpha, tested)
    by_kind = {s.kind: s for s in sets}
    kept: list[Finding] = []
    for row in table.itertuples(index=False):
        n_aff, k_aff, n_cmp, k_cmp = int(row.n_aff), int(row.k_aff), int(row.n_cmp), int(row.k_cmp)
        effect = k_aff / n_aff - k_cmp / n_cmp
        low, high = diff_interval(k_aff, n_aff, k_cmp, n_cmp, strict)
        if low <= 0 <= high:
            continue
        cands = by_kind[row.kind]
        if cands.harm_only and effect >= 0:
            continue
        score = n_aff * abs(effect)
        if score < options.min_score:
            continue
        where, params = cands.describe(row.cid)
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
                message={"params": params},
                id=row.cid,
            )
        )
    if kept:
        _enrich(journeys, sets, kept, options, scratch)
    kept.sort(key=lambda f: (-f.score, f.id))
    return kept, tested


def _counts(journeys: Journeys, cands: Candidates) -> pd.DataFrame | None:
    if cands.stats is not None:
        frame = cands.stats.copy()
        if "customers" not in frame:
            frame["customers"] = frame["n_aff"]
    else:
        if cands.affected is None or cands.pool is None:
            return None
        people = journeys.people.select("customer_id", "converted")
        won = people.converted.cast("int64")
        aff = cands.affected.join(people, "customer_id")
        aff = aff.group_by("cid").aggregate(
            n_aff=aff.count(), k_aff=aff.converted.cast("int64").sum()
        )
        pool = cands.pool.join(people.mutate(won=won), "customer_id")
        pool = pool.group_by("cid").aggregate(n_pool=pool.count(), k_pool=pool.won.sum())
        frame = pool.join(aff, "cid").execute()
        if frame.empty:
            return frame
        frame["n_cmp"] = frame["n_pool"] - frame["n_aff"]
        frame["k_cmp"] = frame["k_pool"] - frame["k_aff"]
        frame["customers"] = frame["n_aff"]
    frame["kind"] = cands.kind
    for column in ("n_aff", "k_aff", "n_cmp", "k_cmp", "customers"):
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame[["kind", "cid", "n_aff", "k_aff", "n_cmp", "k_cmp", "customers"]]


def _enrich(
    journeys: Journeys,
    sets: list[Candidates],
    kept: list[Finding],
    options: FrictionOptions,
    scratch=None,
) -> None:
    """Dates, segment and example customers of the kept findings (small queries)."""
    ids = [f.id for f in kept]
    affected = union([s.affected for s in sets])
    pool = union([s.pool for s in sets])
    affected = affected.filter(affected.cid.isin(ids))
    pool = pool.filter(pool.cid.isin(ids))
    if scratch is not None:
        # Four queries below read them (days, segments twice, examples): each detector's
        # windows run once, not four times.
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
        finding.message["key"] = f"insight_{finding.kind}"
        if finding.kind in ("drift", "change"):
            finding.message["key"] += "_up" if finding.effect > 0 else "_down"


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
