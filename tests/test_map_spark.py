"""Match rules on PySpark: the same rows as the Python rule, and the same coverage as DuckDB."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recorrido import Workspace
from recorrido.demo import bundled
from recorrido.journey import Rule, check_map, load_template
from tests.test_map_rules import ROWS, python_selected
from tests.test_map_strategies import event_rows, rules

pytestmark = pytest.mark.spark


def spark_selected(con, parsed: list[Rule], rows: list[dict]) -> list[set[int]]:
    """Rows each rule selects, all rules in one Spark query (a query costs about a second)."""
    # Built by Spark itself: ibis memtables reach Spark through pandas, where a column of only
    # NULL texts becomes the text 'NaN'.
    frame = con._session.createDataFrame(
        [(r["id"], r["event"], r["channel"], r["properties"]) for r in rows],
        schema="id long, event string, channel string, properties string",
    )
    frame.createOrReplaceTempView("map_rule_rows")
    table = con.table("map_rule_rows")
    hits = {f"r{i}": rule.predicate(table, con.name) for i, rule in enumerate(parsed)}
    result = con.to_pyarrow(table.select("id", **hits)).to_pylist()
    assert all(row[name] is not None for row in result for name in hits)  # never NULL
    assert [row["channel"] for row in con.to_pyarrow(table).to_pylist()] == [
        r["channel"] for r in rows
    ]
    return [{row["id"] for row in result if row[name]} for name in hits]


def test_handwritten_rules_on_spark(spark_backend):
    parsed = [
        Rule.model_validate(r)
        for r in (
            {"not": {"channel": "web"}},
            {"where": [{"property": "aid", "equals": 7}]},
            {"where": [{"property": "precio", "gt": 10}]},
            {"where": [{"property": "page.url", "regex": "^/es/"}]},
            {"where": [{"property": "categoría", "prefix": "Niño"}]},
            {"event": "Order*"},
        )
    ]
    assert spark_selected(spark_backend, parsed, ROWS) == [python_selected(r, ROWS) for r in parsed]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(rule_list=st.lists(rules, min_size=4, max_size=4), rows=event_rows(max_size=40))
def test_spark_predicate_selects_what_python_selects(spark_backend, rule_list, rows):
    parsed = [Rule.model_validate(r) for r in rule_list]
    assert spark_selected(spark_backend, parsed, rows) == [python_selected(r, rows) for r in parsed]


def test_coverage_on_spark_equals_duckdb(spark_backend, tmp_path):
    with (
        Workspace.init(tmp_path / "ws") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
        events = ws.events
        arrow = events.mutate(properties=events.properties.cast("string")).to_pyarrow()
        journey = load_template("ecommerce", "es")
        on_duckdb = check_map(ws, journey)
    table = spark_backend.create_table("map_check_events", arrow, overwrite=True)
    on_spark = check_map(table, journey)
    assert on_spark.to_dict() == on_duckdb.to_dict()
    assert on_spark.touchpoints[2].events == 800
