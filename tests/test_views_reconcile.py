"""The path views reconcile: Sankey bands, the step matrix, the strict funnel, the directly-follows
graph and the measured map's stage reach count the same customers, on two real datasets (the
bundled OTTO sample and 100k real trivago actions). ``docs/views-reconcile.md`` says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from recorrido import Workspace
from recorrido import analytics as A
from recorrido.analytics.tagging import tag_events
from recorrido.demo import bundled
from recorrido.measured import measure
from tests.test_analytics_figures import ingest_trivago

MAPS = Path(__file__).parent / "files"
BIG = 10**6


@pytest.fixture(scope="module", params=["otto", "trivago"])
def workspace(request, tmp_path_factory):
    from tests.conftest import SHARED_DATA

    with Workspace.init(tmp_path_factory.mktemp(request.param) / "ws", language="en") as ws:
        if request.param == "otto":
            with bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
                ws.ingest(data, mapping=mapping)
        else:
            if not SHARED_DATA.is_dir():
                pytest.skip("shared datasets not found")
            ingest_trivago(ws, SHARED_DATA)
        yield ws


def _bands(flows):
    return {
        (int(r.step), r.source, r.target): int(r.customers) for r in flows.itertuples(index=False)
    }


def _top_chain(ws):
    """The most common first value a, its most common next value b, and b's most common next c
    (all different, so the chain is a real path through the anchored Sankey)."""
    variants = A.variants(ws, top=50, max_steps=3)
    for steps in variants["steps"]:
        if len(steps) == 3 and len(set(steps)) == 3:
            return steps
    pytest.fail("no three-step variant with three different values")


@pytest.mark.parametrize("window", [None, "1h"])
def test_sankey_bands_equal_strict_funnel_steps(workspace, window):
    a, b, c = _top_chain(workspace)
    flows = A.flows(workspace, start_at=a, steps=3, window=window, include_end=True)
    bands = _bands(flows)
    funnel = A.funnel(
        workspace,
        [a, b, c],
        kind="strict",
        first_only=True,
        collapse_repeats=True,
        window=window or "100000d",
    )
    counts = funnel["customers"].tolist()
    at_anchor = sum(n for (step, source, _), n in bands.items() if step == 1 and source == a)
    assert counts[0] == at_anchor > 0
    assert counts[1] == bands[(1, a, b)] > 0
    # Anchored at a, everyone at b in step 2 came from a: the band b→c is the chain a→b→c.
    assert counts[2] == bands.get((2, b, c), 0)
    if window is None:
        assert counts[2] > 0


def test_step_matrix_columns_are_the_sankey_nodes(workspace):
    a, _, _ = _top_chain(workspace)
    steps = 4
    flows = A.flows(workspace, start_at=a, steps=steps, include_end=True)
    matrix = A.step_matrix(workspace, start_at=a, steps=steps)
    cells = {(int(r.step), r.item): int(r.customers) for r in matrix.itertuples(index=False)}
    total = sum(n for (step, _), n in cells.items() if step == 1)
    for k in range(1, steps + 1):
        column = sum(n for (step, _), n in cells.items() if step == k)
        assert column == total  # every customer is somewhere in each column, (end) included
    out_of_node: dict = {}
    ended_at: dict = {}
    for (step, source, target), n in _bands(flows).items():
        out_of_node[(step, source)] = out_of_node.get((step, source), 0) + n
        if target == A.END:
            ended_at[step] = ended_at.get(step, 0) + n
    for (step, item), n in cells.items():
        if item != A.END and step < steps:
            assert out_of_node[(step, item)] == n, (step, item)
    for k in range(2, steps + 1):
        assert cells.get((k, A.END), 0) - cells.get((k - 1, A.END), 0) == ended_at.get(k - 1, 0)


@pytest.mark.parametrize("collapse", [False, True])
def test_directly_follows_graph_is_the_sum_of_the_sankey_bands(workspace, collapse):
    dfg = A.transitions(workspace, collapse_repeats=collapse)
    flows = A.flows(workspace, steps=BIG, collapse_repeats=collapse)
    summed: dict = {}
    for (_, source, target), n in _bands(flows).items():
        summed[(source, target)] = summed.get((source, target), 0) + n
    edges = {(r.source, r.target): int(r.count) for r in dfg.itertuples(index=False)}
    assert edges == summed


def test_stage_reach_equals_the_step_table_at_stage_level():
    """The measured map's stage reach is the customers with that stage in the step table."""
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip("shared datasets not found")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        ingest_trivago(ws, SHARED_DATA)
        journey = MAPS / "trivago_map.yaml"
        measured = measure(ws, journey)
        tagged = tag_events(ws.events, journey)
        table = A.step_table(tagged, "stage").table
        reach = table.group_by("item").aggregate(n=table.customer_id.nunique()).execute()
        from_steps = dict(zip(reach["item"], reach["n"], strict=True))
        stages = measured.stages
        assert len(stages) and set(stages["stage"]) <= set(from_steps) | {None}
        for row in stages.itertuples(index=False):
            assert int(row.customers) == int(from_steps.get(row.stage, 0)), row.stage
