"""The settings file: the memory limit reaches DuckDB, and a bad value names the key."""

from __future__ import annotations

import pytest

from recorrido import Workspace
from recorrido.errors import RecorridoError


def _set(folder, line: str) -> None:
    path = folder / "recorrido.yaml"
    key = line.split(":")[0]
    kept = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith(key)]
    path.write_text("\n".join([*kept, line]) + "\n", encoding="utf-8")


def test_memory_limit_is_applied_to_the_workspace_connection(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    _set(tmp_path / "ws", "memory_limit: 300MB")
    with Workspace.open(tmp_path / "ws") as ws:
        limit = ws.con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]
    # DuckDB reports the limit in its own units: 300 MB is 286.1 MiB.
    assert limit == "286.1 MiB"


def test_memory_limit_that_is_not_an_amount_is_refused_by_name(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    _set(tmp_path / "ws", "memory_limit: lots")
    with pytest.raises(RecorridoError) as caught:
        Workspace.open(tmp_path / "ws")
    assert "memory_limit" in str(caught.value) and "lots" in str(caught.value)
