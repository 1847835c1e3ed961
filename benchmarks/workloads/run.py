"""Run one workload of one tool in this process and write its answer and its time as JSON.

    python benchmarks/workloads/run.py TOOL WORKLOAD PARQUET --out ANSWER.json

``seconds`` is the workload itself (reading the Parquet file included), measured inside the
process; the harness measures the whole process (interpreter start and imports included) and its
peak memory from outside.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import params_for  # noqa: E402

MODULES = {
    "recorrido": "recorrido_run",
    "duckdb_sql": "duckdb_sql",
    "pandas": "pandas_run",
    "pm4py": "pm4py_run",
    "retentioneering": "retentioneering_run",
    "pyspark": "spark_run",
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tool", choices=sorted(MODULES))
    parser.add_argument("workload")
    parser.add_argument("data")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    module = importlib.import_module(MODULES[args.tool])
    imported = time.perf_counter()
    answer = module.WORKLOADS[args.workload](args.data, params_for(args.data))
    done = time.perf_counter()
    result = {
        "tool": args.tool,
        "workload": args.workload,
        "data": args.data,
        "import_seconds": imported - started,
        "seconds": done - imported,
        "answer": answer,
    }
    text = json.dumps(result, default=str)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    if hasattr(module, "shutdown"):
        module.shutdown()


if __name__ == "__main__":
    main()
