"""recorrido's workloads on PySpark (local mode, all cores): the same analytics functions as
``recorrido_run``, on an Ibis PySpark table that reads the Parquet file.

The session is made here before recorrido asks for one (``spark_session`` reuses a running
session), with the driver's memory and the shuffle partitions of ``SPARK_CONF`` (local mode runs
everything in the driver's JVM, whose default 1 GB heap does not hold 10 million events)."""

from __future__ import annotations

import os

import ibis
import recorrido_run as R

#: Settings of the benchmark's local Spark session (override with RECORRIDO_BENCH_SPARK_MEMORY).
DRIVER_MEMORY = os.environ.get("RECORRIDO_BENCH_SPARK_MEMORY", "8g")
SPARK_CONF = {
    "spark.driver.memory": DRIVER_MEMORY,
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
}

_session = None


def session():
    global _session
    if _session is None:
        # The driver's heap is fixed when its JVM starts: pass it to spark-submit, not only to the
        # session's settings.
        os.environ.setdefault(
            "PYSPARK_SUBMIT_ARGS", f"--driver-memory {DRIVER_MEMORY} pyspark-shell"
        )
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master("local[*]").appName("recorrido-bench")
        for key, value in SPARK_CONF.items():
            builder = builder.config(key, value)
        _session = builder.getOrCreate()
    return _session


def table(path):
    return ibis.pyspark.connect(session()).read_parquet(path)


def shutdown():
    if _session is not None:
        _session.stop()


def _on_spark(workload):
    def run(path, p):
        return workload(path, p, table=table(path))

    return run


WORKLOADS = {name: _on_spark(workload) for name, workload in R.WORKLOADS.items()}
