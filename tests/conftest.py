"""Shared fixtures: real workspaces in temporary folders, real files, the shared datasets."""

from __future__ import annotations

import os
from pathlib import Path

# pytest-xdist's workers run with COLUMNS=80 and LINES=24 set; the CLI's consoles read COLUMNS
# once, when first imported, so every table and message would be wrapped at 80 columns for the
# whole run, whatever width a test asks for. Unset, they follow each test's own setting.
for _name in ("COLUMNS", "LINES"):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ.pop(_name, None)

import pytest  # noqa: E402  (after the environment is cleaned)

from recorrido import Workspace  # noqa: E402

FILES = Path(__file__).parent / "files"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        yield ws


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def spark_backend(tmp_path_factory):
    """One local Spark session for the whole test run (it takes seconds to start)."""
    pyspark = pytest.importorskip("pyspark")
    import ibis
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("warehouse")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("recorrido-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "2g")
        # Each stitching round builds on the cached result of the last; Spark's plan description
        # of that lineage grows fast, so it is capped (it is only used for logs and the UI).
        .config("spark.sql.maxPlanStringLength", "100000")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .getOrCreate()
    )
    assert pyspark.__version__.startswith("4.0")
    yield ibis.pyspark.connect(session)
    session.stop()
