"""Scores as customer traits: after ``predict score``, an automation split on the trait
``propensity_<model>`` routes each customer by their own score (dry run over a real workspace)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from recorrido.automations.dryrun import dry_run
from recorrido.automations.selection import profiles
from recorrido.automations.validate import load_text
from recorrido.cli import app
from recorrido.predict.models import train_model
from recorrido.predict.scores import read_scores, write_scores
from recorrido.predict.traits import score_traits, trait_name
from recorrido.workspace import Workspace
from tests.test_predict_propensity import MTA

SPLIT = """\
id: by-score
name: By score
language: en
entry: {{event: impression, reentry: never}}
steps:
  - id: route
    split:
      condition: {{trait: propensity_goal, gte: {threshold}}}
      then:
        - id: likely
          email: {{subject: "Likely", body: "<p>hi</p>"}}
      else:
        - id: unlikely
          email: {{subject: "Unlikely", body: "<p>hi</p>"}}
"""


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    """The first 400 customers of the multi-touch data, model ``goal`` trained and scored
    through the CLI (which names the trait)."""
    if not MTA.exists():
        pytest.skip("shared data not on this machine")
    folder = tmp_path_factory.mktemp("traits")
    rows = pd.read_csv(MTA)
    keep = sorted(rows.customer_id.unique())[:400]
    rows[rows.customer_id.isin(keep)].to_csv(folder / "touches.csv", index=False)
    with Workspace.init(folder / "ws") as workspace:
        workspace.ingest(
            folder / "touches.csv",
            columns={"timestamp": "time", "event": "interaction", "value": "conversion_value"},
        )
        train_model(workspace, "goal", target="conversion", horizon_days=7, train_cutoffs=3)
    result = CliRunner().invoke(
        app, ["predict", "score", "-w", str(folder / "ws"), "--name", "goal", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"trait": "propensity_goal"' in result.output
    return folder / "ws"


def test_a_split_on_the_score_trait_routes_customers_by_their_score(scored):
    with Workspace.open(scored) as ws:
        stored = read_scores(ws.con, "goal")
        score_of = dict(zip(stored.customer_id, stored.score, strict=True))
        # The median score as the threshold: both branches must be taken.
        threshold = round(float(stored.score.median()), 6)
        automation = load_text(SPLIT.format(threshold=threshold))
        newest = ws.events.timestamp.max().execute().to_pydatetime()
        oldest = ws.events.timestamp.min().execute().to_pydatetime()
        result = dry_run(ws, automation, oldest, newest + timedelta(days=1))
    routed = {s.customer_id: s.step for s in result.sent}
    assert len(routed) == len(result.sent)  # reentry: never, one message each
    likely = {c for c, step in routed.items() if step == "likely"}
    unlikely = {c for c, step in routed.items() if step == "unlikely"}
    assert likely and unlikely
    assert all(score_of[c] >= threshold for c in likely)
    assert all(score_of[c] < threshold for c in unlikely)
    # Everyone who entered and had a score was routed by it; there were scored entrants.
    assert set(routed) <= set(score_of) and len(routed) > 100


def test_the_trait_is_the_latest_run_and_names_follow_the_kind(scored):
    with Workspace.open(scored) as ws:
        some = read_scores(ws.con, "goal").customer_id.tolist()[:3]
        who = ibis.memtable({"customer_id": some})
        before = score_traits(ws.con, who, ws.folder)
        assert set(before) == set(some)
        assert all(set(v) == {"propensity_goal"} for v in before.values())
        # Another model's run (an ltv one, by its record) and a new run of a model without a
        # record: each its own trait, read at once.
        (ws.folder / "models" / "worth.json").write_text('{"kind": "ltv"}')
        write_scores(
            ws.con,
            model="worth",
            target="value",
            version="1",
            scored_at=pd.Timestamp("2030-01-01"),
            customers=some,
            scores=[10.0, 20.0, 30.0],
        )
        traits = profiles(ws.con, who, ws.folder)
        assert [traits[c]["value_worth"] for c in some] == [10.0, 20.0, 30.0]
        assert [traits[c]["propensity_goal"] for c in some] == [
            before[c]["propensity_goal"] for c in some
        ]
        (ws.folder / "models" / "worth.json").unlink()
    assert trait_name("goal", "churn") == "propensity_goal"
    assert trait_name("clv", "ltv") == "value_clv"
