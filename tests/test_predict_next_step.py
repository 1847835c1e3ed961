"""Next step: back-off ranking by hand, engine counts equal in-memory counts, HR/MRR."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from recorrido.cli import app
from recorrido.predict.next_step import (
    MarkovBackoff,
    evaluate,
    likely_next_steps,
    next_steps_model,
    popularity_model,
    transition_counts,
)
from recorrido.workspace import Workspace

PATHS = [["a", "b", "c"], ["a", "b", "d"], ["x", "b", "d"], ["a", "b", "c"], ["x", "b", "d"]]


def test_back_off_reads_the_longest_known_context_first():
    model = MarkovBackoff(order=2).fit(PATHS)
    # After a-b: c twice, d once; after x-b: d twice; b alone: d 3, c 2; then popularity.
    assert model.recommend(["a", "b"], 3) == ["c", "d", "b"]
    assert model.recommend(["x", "b"], 3) == ["d", "c", "b"]
    assert model.recommend(["q", "b"], 2) == ["d", "c"]  # unknown 2-context: back off to b
    assert model.recommend([], 2) == ["b", "a"]  # popularity: b 5, a 3, d 3 (a before d)
    first_order = MarkovBackoff(order=1).fit(PATHS)
    assert first_order.recommend(["a", "b"], 2) == ["d", "c"]
    assert popularity_model().fit(PATHS).recommend(["a", "b"], 1) == ["b"]


def test_hit_rate_and_reciprocal_rank_by_hand():
    model = MarkovBackoff(order=2).fit(PATHS)
    result = evaluate(model, [["a", "b", "d"]], k=2)
    # a -> b: rank 1 (after a only b followed). a,b -> d: rank 2.
    assert result == {"cases": 2, "hr@2": 1.0, "mrr@2": pytest.approx((1 + 0.5) / 2)}
    assert evaluate(model, [["z", "q"]], k=2) == {"cases": 1, "hr@2": 0.0, "mrr@2": 0.0}


def test_engine_counts_give_the_same_model_as_the_paths(tmp_path):
    lines = ["event_id,customer_id,timestamp,event"]
    for number, path in enumerate(PATHS):
        for position, step in enumerate(path):
            lines.append(f"e{number}-{position},c{number},2024-01-01T00:0{position}:00Z,{step}")
    (tmp_path / "paths.csv").write_text("\n".join(lines) + "\n")
    with Workspace.init(tmp_path / "ws") as workspace:
        workspace.ingest(tmp_path / "paths.csv")
        counts = transition_counts(workspace.events, order=2).execute()
        from_engine = next_steps_model(workspace.events, order=2)
        likely = likely_next_steps(workspace.events, "c1", order=2, k=2)
    # c1 walked a-b-d: after b, d (3) then c (2).
    assert likely == {"customer_id": "c1", "path": ["b", "d"], "next": ["b", "a"]}
    runner = CliRunner()
    shown = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "predict",
            "next",
            "-w",
            str(tmp_path / "ws"),
            "--customer",
            "c2",
            "--order",
            "2",
            "--top",
            "2",
            "--json",
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == {"customer_id": "c2", "path": ["b", "d"], "next": ["b", "a"]}
    missing = runner.invoke(
        app, ["--lang", "en", "predict", "next", "-w", str(tmp_path / "ws"), "--customer", "zz"]
    )
    assert missing.exit_code == 1 and "Customer zz has no events" in missing.output
    # a-b-c twice gives (a, b) -> c twice and (None, b) -> c twice.
    ab_c = counts[(counts.ctx_1 == "a") & (counts.ctx_2 == "b") & (counts.next == "c")]
    assert ab_c.n.tolist() == [2]
    b_c = counts[counts.ctx_1.isna() & (counts.ctx_2 == "b") & (counts.next == "c")]
    assert b_c.n.tolist() == [2]
    assert int(counts.n.sum()) == 10 + 5  # 10 one-step and 5 two-step transitions
    from_paths = MarkovBackoff(order=2).fit(PATHS)
    for history in (["a", "b"], ["x", "b"], ["b"], ["a"], []):
        assert from_engine.recommend(history, 4) == from_paths.recommend(history, 4)
    assert isinstance(counts, pd.DataFrame)
