"""Propensity on a time split: metrics by hand, reproducible training, storage and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from recorrido.cli import app
from recorrido.errors import RecorridoError
from recorrido.predict.evaluation import binary_metrics, calibration_table, lift_at
from recorrido.predict.models import explain_model, score_model, train_model
from recorrido.predict.scores import read_scores
from recorrido.workspace import Workspace

MTA = Path("/work/shared/data/mta_touchpoints_kaggle_subset/attribution_data.csv")
if not MTA.exists():
    MTA = Path(__file__).resolve().parents[2] / "shared/data/mta_touchpoints_kaggle_subset"
    MTA = MTA / "attribution_data.csv"


def test_metrics_match_hand_computed_values():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 0, 0, 0])
    p = np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.35, 0.05, 0.15, 0.25, 0.4])
    m = binary_metrics(y, p, bins=2)
    # Positives score 0.9, 0.8, 0.35; of 21 positive-negative pairs only 0.35 < 0.4 is misordered.
    assert m["auc"] == pytest.approx(20 / 21)
    assert m["brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert m["base_rate"] == pytest.approx(0.3)
    # The top decile is one row (0.9, a positive): lift = 1 / 0.3.
    assert m["lift_top_decile"] == pytest.approx(1 / 0.3)
    bins = calibration_table(y, p, bins=2)
    assert [b["rows"] for b in bins] == [8, 2]
    assert bins[1]["observed"] == 1.0 and bins[1]["predicted"] == pytest.approx(0.85)
    assert lift_at(np.zeros(4, dtype=int), p[:4], 0.5) is None
    assert lift_at(y, np.full(10, 0.3), 0.1) == pytest.approx(1.0)  # ties: no lift
    # Top 20 % of [0.9, 0.5, 0.5, 0.5, 0.1]: the 0.9 (positive) and 1/3 of the tied 0.5s.
    assert lift_at(np.array([1, 1, 0, 0, 0]), np.array([0.9, 0.5, 0.5, 0.5, 0.1]), 0.4) == (
        pytest.approx((1 + 1 / 3) / 2 / 0.4)
    )
    one_class = binary_metrics([1, 1], [0.5, 0.7])
    assert one_class["auc"] is None and one_class["pr_auc"] is None


@pytest.fixture(scope="module")
def touchpoints(tmp_path_factory) -> Path:
    """A real workspace: the first 800 customers of the multi-touch attribution data, with a
    conversion model ``conv`` trained and scored."""
    if not MTA.exists():
        pytest.skip("shared data not on this machine")
    folder = tmp_path_factory.mktemp("mta")
    rows = pd.read_csv(MTA)
    keep = sorted(rows.customer_id.unique())[:800]
    rows[rows.customer_id.isin(keep)].to_csv(folder / "touches.csv", index=False)
    with Workspace.init(folder / "ws") as workspace:
        workspace.ingest(
            folder / "touches.csv",
            columns={
                "timestamp": "time",
                "event": "interaction",
                "value": "conversion_value",
                "channel": "channel",
            },
        )
        train_model(workspace, "conv", target="conversion", horizon_days=7, train_cutoffs=3)
        score_model(workspace, "conv")
    return folder / "ws"


def test_training_is_a_time_split_and_reproducible(touchpoints):
    with Workspace.open(touchpoints) as ws:
        first = json.loads((touchpoints / "models" / "conv.json").read_text())
        again = train_model(ws, "conv2", target="conversion", horizon_days=7, train_cutoffs=3)
        scores_first = read_scores(ws.con, "conv").sort_values("customer_id")
        scores_again = score_model(ws, "conv2").sort_values("customer_id")
    training = first["training"]
    at = datetime.fromisoformat(training["evaluate_at"])
    assert at == datetime(2018, 7, 25, tzinfo=UTC)  # data ends 31 July: the last full week
    for cutoff in training["cutoffs"]:
        # Every training label window ends by the evaluation cutoff: no look into the future.
        assert datetime.fromisoformat(cutoff) + timedelta(days=7) <= at
    assert first["metrics"] == again["metrics"]
    assert first["importance"] == again["importance"]
    np.testing.assert_array_equal(scores_first.score.to_numpy(), scores_again.score.to_numpy())
    metrics = first["metrics"]
    assert metrics["rows"] > 700 and 0 < metrics["positives"] < metrics["rows"]
    assert first["baselines"]["base_rate"]["auc"] == 0.5
    assert set(first["baselines"]) == {"base_rate", "recency"}


def test_scores_land_in_the_predictions_table_with_explanations(touchpoints):
    with Workspace.open(touchpoints) as ws:
        stored = read_scores(ws.con, "conv")
        assert len(stored) == 800
        assert stored.score.between(0, 1).all()
        assert set(stored.target) == {"conversion within 7d"}
        one = explain_model(ws, "conv", customer=stored.customer_id.iloc[0])
        assert len(one["explanation"]) == 3
        # A contribution is the score minus the score with that feature at its median.
        record = json.loads((touchpoints / "models" / "conv.json").read_text())
        from recorrido.predict.record import load

        _, estimator = load(touchpoints, "conv")
        from recorrido.predict.features import FeatureSpec, customer_features

        spec = FeatureSpec.from_dict(record["features"])
        at = datetime.fromisoformat(str(one["scored_at"])).replace(tzinfo=UTC)
        features = customer_features(ws.events, at, spec).execute()
        row = features[features.customer_id == one["customer_id"]][list(spec.columns)]
        top = one["explanation"][0]
        moved = row.copy()
        moved[top["feature"]] = record["medians"][top["feature"]]
        delta = estimator.predict_proba(row)[0, 1] - estimator.predict_proba(moved)[0, 1]
        assert top["contribution"] == pytest.approx(delta, abs=1e-9)
        assert one["score"] == pytest.approx(estimator.predict_proba(row)[0, 1])


def test_explanations_beyond_the_top_are_computed_when_asked(touchpoints):
    with Workspace.open(touchpoints) as ws:
        ranked = read_scores(ws.con, "conv").customer_id.tolist()  # highest first
        picks = [ranked[0], ranked[4], ranked[5], ranked[-1]]
        stored = {c: explain_model(ws, "conv", customer=c) for c in picks}
        assert {one["explained"] for one in stored.values()} == {"stored"}  # 800 < 10,000
        try:
            frame = score_model(ws, "conv", explain=5)
            assert frame.explanation.notna().sum() == 5
            again = {c: explain_model(ws, "conv", customer=c) for c in picks}
        finally:
            score_model(ws, "conv")  # as the other tests expect it
    assert [again[c]["explained"] for c in picks] == ["stored", "stored", "now", "now"]
    for c in picks:  # computed from the customer's own events: the same numbers
        assert again[c]["score"] == stored[c]["score"]
        now, before = again[c]["explanation"], stored[c]["explanation"]
        assert [r["feature"] for r in now] == [r["feature"] for r in before]
        for a, b in zip(now, before, strict=True):
            assert a["value"] == b["value"]
            assert a["contribution"] == pytest.approx(b["contribution"], abs=1e-12)


def test_problems_a_user_can_fix_are_named(touchpoints):
    with Workspace.open(touchpoints) as ws:
        with pytest.raises(RecorridoError) as caught:
            train_model(ws, "x", target="convertion", horizon_days=7)
        assert caught.value.key == "predict_unknown_event"
        assert "conversion" in str(caught.value)
        with pytest.raises(RecorridoError) as caught:
            train_model(ws, "../evil", target="conversion")
        assert caught.value.key == "predict_bad_model_name"
        with pytest.raises(RecorridoError) as caught:
            train_model(ws, "x", kind="convert")
        assert caught.value.key == "predict_needs_target"


def test_cli_train_score_explain(touchpoints):
    runner = CliRunner()
    base = ["--lang", "en", "predict"]
    trained = runner.invoke(
        app,
        [
            *base,
            "train",
            "-w",
            str(touchpoints),
            "--kind",
            "churn",
            "--horizon",
            "7d",
            "--cutoffs",
            "2",
            "--name",
            "leave",
            "--json",
        ],
    )
    assert trained.exit_code == 0, trained.output
    record = json.loads(trained.output)
    assert record["kind"] == "churn" and record["metrics"]["auc"] is not None
    assert record["training"]["cutoffs"] == [
        "2018-07-11T00:00:00+00:00",
        "2018-07-18T00:00:00+00:00",
    ]
    scored = runner.invoke(app, [*base, "score", "-w", str(touchpoints), "--name", "leave"])
    assert scored.exit_code == 0 and "800 customers scored" in scored.output
    shown = runner.invoke(app, [*base, "evaluate", "-w", str(touchpoints), "--name", "leave"])
    assert shown.exit_code == 0 and "Recency alone" in shown.output
    missing = runner.invoke(app, [*base, "explain", "-w", str(touchpoints), "--name", "nope"])
    assert missing.exit_code == 1 and "There is no model 'nope'" in missing.output
    bad = runner.invoke(
        app, [*base, "train", "-w", str(touchpoints), "--target", "conversion", "--horizon", "x"]
    )
    assert bad.exit_code == 1 and "horizon" in bad.output
