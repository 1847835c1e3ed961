"""The notebook face: ``Workspace.funnel`` / ``.paths`` give the CLI's objects as results that
show as tables, draw as Plotly figures and hand over pandas."""

from __future__ import annotations

from recorrido.demo import bundled
from recorrido.journey.templates import load_template


def _otto(workspace):
    with bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
        workspace.ingest(data, mapping=mapping)
    return workspace


def test_funnel_and_paths_in_a_notebook(workspace):
    ws = _otto(workspace)
    result = ws.funnel(["clicks", "carts", "orders"], window="14d")
    assert result.to_pandas()["customers"].tolist() == [20, 7, 2]
    assert [s["customers"] for s in result.to_dict()["steps"]] == [20, 7, 2]
    assert "<table" in result._repr_html_() and "carts" in result._repr_html_()
    assert result.figure().data[0].type == "funnel"

    journey = load_template("ecommerce", "en")
    by_touchpoint = ws.funnel(
        ["product-view", "add-to-cart", "purchase"], level="touchpoint", journey_map=journey
    )
    assert by_touchpoint.to_pandas()["customers"].tolist() == [20, 7, 2]

    paths = ws.paths(start_at="carts", steps=3, variants=5)
    edges = paths.to_pandas()
    assert {"source", "target", "count"} <= set(edges.columns)
    assert set(paths.to_dict()) == {"level", "edges", "flows", "variants"}
    assert paths.figure().data[0].type == "sankey"
    assert ws.paths().figure().data[0].type == "heatmap"
