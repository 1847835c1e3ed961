"""A running server hands back the memory its large queries leave behind (issue 18: the
collection API's memory stays flat while the warm worker measures a growing workspace)."""

from __future__ import annotations

from pathlib import Path

from recorrido import Workspace
from recorrido.server.context import WorkspaceContext


def _resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def test_memory_left_by_a_large_query_is_returned_and_the_limit_kept(tmp_path):
    Workspace.init(tmp_path / "ws", timezone="UTC", language="en").close()
    ctx = WorkspaceContext(tmp_path / "ws")
    try:

        def limit(ws):
            return ws.con.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

        def large(ws):  # a hash table of twenty million keys: hundreds of MB, freed at the end
            return ws.con.con.execute(
                "SELECT count(DISTINCT i) FROM range(20000000) t(i)"
            ).fetchone()

        before_limit = ctx.run(limit)
        assert ctx.run(large) == (20_000_000,)
        held = _resident_mb()
        ctx.return_memory()
        returned = _resident_mb()
        assert returned < held - 100, (held, returned)
        assert ctx.run(limit) == before_limit
        assert ctx.run(large) == (20_000_000,)  # and the engine works as before
    finally:
        ctx.close()
