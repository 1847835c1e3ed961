"""The insights give the same results on PySpark as on DuckDB (one run, small data)."""

from __future__ import annotations

import pytest

from recorrido.insights.conformance import conformance
from recorrido.insights.discovery import discover
from recorrido.insights.findings import friction
from recorrido.insights.moments import moments
from recorrido.journey import JourneyMap
from tests import journey_generator as gen

pytestmark = pytest.mark.spark


def test_same_findings_on_duckdb_and_spark(tmp_path, spark_backend):
    shop = JourneyMap.loads(gen.SHOP_MAP)
    with gen.workspace(tmp_path / "shop", 2000, planted=True) as ws:
        path = tmp_path / "events.parquet"
        ws.events.to_parquet(path)
        spark = spark_backend.read_parquet(str(path))
        duck = friction(ws, shop).to_dict()
        assert duck["findings"]
        assert friction(spark, shop).to_dict() == duck
        assert moments(spark, shop).to_dict() == moments(ws, shop).to_dict()
        assert conformance(spark, shop).to_dict() == conformance(ws, shop).to_dict()
        # the draft map too: its touchpoints' order compares each customer's own steps on a
        # sample drawn by the MD5 of the id, the same on both engines
        drafted = discover(ws, goal="order_completed", lang="en")
        assert discover(spark, goal="order_completed", lang="en").dumps() == drafted.dumps()
