"""Issue 24's evaluation harness: the generators plant what their truth says, and nothing in the
clean twin; the scorer matches a finding to a planted problem by kind, event, period and place.

The harness runs themselves (recall, false alarms) are benchmarks: ``benchmarks/insights``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd
import pytest

from recorrido.insights.error_words import is_error_name
from recorrido.insights.findings import Finding
from recorrido.journey import JourneyMap

HARNESS = Path(__file__).resolve().parents[1] / "benchmarks" / "insights"
sys.path.insert(0, str(HARNESS))
onboarding = importlib.import_module("onboarding")
subscription = importlib.import_module("subscription")
planted = importlib.import_module("planted")

N = 3000


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bank")
    truth = onboarding.write(folder / "p.parquet", N, seed=3)
    clean = onboarding.write(folder / "c.parquet", N, planted=False, seed=3)
    return (
        truth,
        pd.read_parquet(folder / "p.parquet"),
        clean,
        pd.read_parquet(folder / "c.parquet"),
    )


@pytest.fixture(scope="module")
def boxes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boxes")
    truth = subscription.write(folder / "p.parquet", N, seed=3)
    clean = subscription.write(folder / "c.parquet", N, planted=False, seed=3)
    return (
        truth,
        pd.read_parquet(folder / "p.parquet"),
        clean,
        pd.read_parquet(folder / "c.parquet"),
    )


def _day(frame: pd.DataFrame, truth) -> pd.Series:
    return (frame.timestamp - pd.Timestamp(truth.start)).dt.days


def _app_loopers(frame: pd.DataFrame, truth, p) -> set:
    days = _day(frame, truth)
    window = frame[(days >= p.first_day) & (days <= p.last_day + 2) & (frame.channel == "app")]
    counts = window[window.event == "datos_personales"].groupby("customer_id").size()
    return set(counts[counts >= 3].index)


def test_bank_loop_is_on_the_app_and_in_its_month_but_journeys_start_on_the_web(bank):
    truth, frame, _clean, clean_frame = bank
    loop = next(p for p in truth.planted if p.label == "loop on app")
    loopers = _app_loopers(frame, truth, loop)
    assert len(loopers) >= 0.9 * loop.customers and loop.customers >= 10 and loop.detectable
    first = frame.sort_values("timestamp").groupby("customer_id").channel.first()
    assert (first[list(loopers)] == "web").mean() > 0.9
    assert len(_app_loopers(clean_frame, truth, loop)) < 0.1 * len(loopers)


def test_bank_failures_are_spanish_word_forms_and_only_planted_ones_repeat(bank):
    truth, frame, _clean, clean_frame = bank
    fails = next(p for p in truth.planted if p.label == "fee payment fails")
    for name in ("pago_fallido", "documentacion_caducada", "prestamo_denegado"):
        assert is_error_name(name), name
    per = frame[frame.event == "pago_fallido"].groupby("customer_id").size()
    repeated = per[per >= 2]
    assert len(repeated) >= fails.customers  # noise may add a double-sent event
    web = frame.groupby("customer_id").channel.agg(lambda c: set(c))
    assert (web[repeated.index].map(lambda c: "web" in c)).all()
    clean_per = clean_frame[clean_frame.event == "pago_fallido"].groupby("customer_id").size()
    assert (clean_per >= 2).sum() < 0.1 * len(repeated)


def test_bank_declined_ends_the_journey_and_prospects_never_start(bank):
    truth, frame, _clean, _ = bank
    frame = frame.sort_values(["customer_id", "timestamp"])
    last = frame.groupby("customer_id").event.last()
    declined = frame[frame.event == "prestamo_denegado"].customer_id.unique()
    assert len(declined) > 100
    assert (last[declined] == "prestamo_denegado").mean() > 0.98
    started = frame[frame.event == "solicitud_iniciada"].customer_id.unique()
    prospects = set(frame.customer_id) - set(started)
    assert 0.35 < len(prospects) / frame.customer_id.nunique() < 0.55
    assert {"prestamo_denegado"} <= set(truth.forbidden[0].events)


def test_bank_activation_wait_after_the_goal_is_long_in_its_month(bank):
    truth, frame, _clean, _ = bank
    slow = next(p for p in truth.planted if p.label == "slow activation")
    signed = frame[frame.event == onboarding.GOAL].groupby("customer_id").timestamp.min()
    active = frame[frame.event == "cuenta_activada"].groupby("customer_id").timestamp.min()
    both = pd.concat([signed.rename("s"), active.rename("a")], axis=1).dropna()
    wait = (both.a - both.s).dt.total_seconds() / 86400
    day = (both.s - pd.Timestamp(truth.start)).dt.days
    inside = wait[(day > slow.first_day) & (day < slow.last_day)]
    outside = wait[(day < slow.first_day - 30) | (day > slow.last_day + 1)]
    assert inside.median() > 5 * outside.median()
    assert slow.customers >= len(inside)


def test_noise_duplicates_and_disorder_are_there(bank):
    _truth, frame, _clean, _ = bank
    assert frame.event_id.duplicated().sum() > 10
    ordered = frame.drop_duplicates("event_id")
    back = ordered.groupby("customer_id").timestamp.diff().dt.total_seconds() < 0
    assert back.sum() > 10
    assert {"notificacion_abierta", "faq_consultada"} <= set(frame.event)


def test_generators_repeat_with_a_seed(tmp_path):
    a = onboarding.write(tmp_path / "a.parquet", 300, seed=9)
    b = onboarding.write(tmp_path / "b.parquet", 300, seed=9)
    fa, fb = pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(fa, fb)
    assert [p.customers for p in a.planted] == [p.customers for p in b.planted]


def test_subscription_failure_is_by_behaviour_not_by_name(boxes):
    truth, frame, _clean, clean_frame = boxes
    promo = next(p for p in truth.planted if p.label == "promo fails by behaviour")
    assert promo.detectable
    assert not any(is_error_name(e) for e in frame.event.unique())
    frame = frame.drop_duplicates("event_id").sort_values(["customer_id", "timestamp"])
    nxt = frame.groupby("customer_id").event.shift(-1)
    after = frame[(frame.event == "PromoApplied") & (nxt == "BillingDetails")]
    per = after.groupby("customer_id").size()
    assert (per >= 2).sum() >= 0.9 * promo.customers
    platforms = frame.groupby("customer_id").platform.first()
    assert (platforms[per[per >= 2].index] == "android").mean() > 0.9
    clean = clean_frame.drop_duplicates("event_id").sort_values(["customer_id", "timestamp"])
    nxt = clean.groupby("customer_id").event.shift(-1)
    repeats = clean[(clean.event == "PromoApplied") & (nxt == "BillingDetails")]
    assert (repeats.groupby("customer_id").size() >= 2).sum() < 0.1 * promo.customers


def test_subscription_is_sparse_and_weekly(boxes):
    _truth, frame, _clean, _ = boxes
    boxes_ = frame[frame.event == "BoxDelivered"].drop_duplicates("event_id")
    gaps = boxes_.sort_values("timestamp").groupby("customer_id").timestamp.diff()
    assert 6 <= gaps.dt.total_seconds().median() / 86400 <= 8
    days_active = frame.groupby("customer_id").timestamp.agg(lambda t: t.dt.date.nunique())
    assert days_active.median() <= 12


def test_weak_plants_stay_below_the_threshold(boxes, bank):
    for truth in (boxes[0], bank[0]):
        weak = [p for p in truth.planted if "weak" in p.label]
        assert weak and not any(p.detectable for p in weak)
        assert all(p.detectable for p in truth.planted if "weak" not in p.label)
        assert not boxes[2].planted and not bank[2].planted


def _finding(kind, where, start=None, end=None, segment=None, effect=-0.2) -> Finding:
    return Finding(
        kind=kind,
        where=where,
        customers=50,
        comparable=500,
        rate_affected=0.1,
        rate_comparable=0.3,
        effect=effect,
        ci=(-0.3, -0.1),
        score=10.0,
        start=start,
        end=end,
        segment=segment,
    )


def test_scorer_needs_the_event_the_period_and_the_place():
    truth = onboarding.truth()
    loop = next(p for p in truth.planted if p.label == "loop on app")
    incident = next(p for p in truth.planted if p.label == "incident")
    journey = JourneyMap.model_validate(
        {
            "version": 1,
            "name": "m",
            "stages": [
                {
                    "id": "s",
                    "name": "S",
                    "touchpoints": [
                        {"id": "datos", "name": "d", "match": {"event": "datos_personales"}},
                        {
                            "id": "documentacion",
                            "name": "doc",
                            "match": {"event": ["documentacion_subida", "documentacion_caducada"]},
                        },
                        {"id": "firma", "name": "f", "match": {"event": onboarding.GOAL}},
                    ],
                }
            ],
            "goal": {"touchpoint": "firma"},
        }
    )
    back = {"touchpoint": "documentacion", "to_touchpoint": "datos"}
    assert planted.names(_finding("loop", {**back, "channel": "app"}), loop, truth, journey)
    assert not planted.names(_finding("loop", {**back, "channel": "web"}), loop, truth, journey)
    inside = truth.day(incident.first_day + 3).isoformat()
    later = truth.day(incident.last_day + 40).isoformat()
    rose = {"event": "fallo_conexion"}
    assert planted.names(_finding("change", rose, inside, inside), incident, truth, journey)
    assert not planted.names(_finding("change", rose, later, later), incident, truth, journey)
    assert not planted.names(_finding("change", {"event": "x"}, inside), incident, truth, journey)
    quiet = _finding("abandonment", {"touchpoint": "x"})
    assert planted.forbidden(quiet, truth, journey) is None
