"""The server's one handle on its workspace.

DuckDB allows one writing process per database file. While ``recorrido serve`` runs, the server is
that process: the collection loader, the JSON API, the web pages and the automation worker all go
through this one connection, one call at a time (DuckDB connections are not shared across threads
without care, and the calls are short). Async endpoints use :meth:`arun` so that the event loop
never waits on the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from recorrido.workspace import Workspace

T = TypeVar("T")


class WorkspaceContext:
    """The open workspace of a running server and the lock that serialises its use."""

    def __init__(self, folder: str | Path) -> None:
        from recorrido.workspace import Workspace

        self.folder = Path(folder)
        self.workspace: Workspace = Workspace.open(self.folder)
        self._lock = threading.RLock()

    def run(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """``fn(workspace, *args, **kwargs)`` while holding the workspace."""
        with self._lock:
            return fn(self.workspace, *args, **kwargs)

    async def arun(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """:meth:`run` from async code, on a worker thread."""
        return await run_in_threadpool(self.run, fn, *args, **kwargs)

    def return_memory(self) -> None:
        """Give the memory DuckDB's allocator keeps after large queries back to the system.

        After a warm over a million events the engine holds a few dozen MB of data but the
        process keeps its peak (about 1 GB after the web pages' insight questions at 1M): the
        allocator caches what the queries freed. Setting ``memory_limit`` again, to the value
        the workspace was opened with (DuckDB shows it rounded, so it is not read back), makes
        DuckDB flush those caches."""
        with self._lock:
            limit = self.workspace.memory_limit
            if limit:
                self.workspace.con.con.execute(f"SET memory_limit = '{limit}'")  # checked

    def close(self) -> None:
        with self._lock:
            self.workspace.close()
