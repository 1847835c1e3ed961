"""recorrido's workloads on PySpark (local mode, all cores): the same analytics functions as
``recorrido_run``, on an Ibis PySpark table that reads the Parquet file."""

from __future__ import annotations

import ibis
import recorrido_run as R

from recorrido.analytics.backend import spark_session

_session = None


def table(path):
    global _session
    _session = _session or spark_session()
    return ibis.pyspark.connect(_session).read_parquet(path)


def shutdown():
    if _session is not None:
        _session.stop()


def _on_spark(workload):
    def run(path, p):
        return workload(path, p, table=table(path))

    return run


WORKLOADS = {name: _on_spark(workload) for name, workload in R.WORKLOADS.items()}
