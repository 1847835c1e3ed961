"""The JSON API's last answers, kept while nothing they were computed from has changed.

A measured map on a million events takes the server about a second; asked again (the CLI's
``measure`` forwarded here, a dashboard polling) with the same data, it is the same answer. What
an answer depends on: the question (path, parameters, language), the workspace's data, its
settings file and the map file it names. The data is stamped by the DuckDB file and its
write-ahead log (size and modification time of both): every committed write appends to the log,
and a checkpoint rewrites the file, while reads and temporary tables touch neither. The stamp is
taken under the server's workspace lock, the one every write goes through, right before the
answer is computed; an answer is only ever returned for the stamp it was computed under.

Only a workspace whose data is its own DuckDB file is kept: events read in place from another
table or a PostgreSQL database change without this process knowing.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from recorrido.settings import SETTINGS_FILE

if TYPE_CHECKING:
    from recorrido.workspace import Workspace

T = TypeVar("T")

#: Answers kept (each a measured map, a funnel ...: kilobytes).
SIZE = 32


class KeptAnswers:
    """The last :data:`SIZE` answers, by question and data stamp."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._answers: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.computed = 0  # answers computed and kept (a warm's among them)

    def answer(
        self,
        workspace: Workspace,
        question: Hashable,
        files: Iterable[Path],
        compute: Callable[[Workspace], T],
    ) -> T:
        """``compute(workspace)``, or the answer it gave for the same question, data and files.
        Call it holding the workspace (``WorkspaceContext.run``): that makes it single flight,
        as every compute and every write holds the workspace, an ask for a question being
        computed (by the warm worker, ``warm.py``, or another request) waits for it and then
        finds its answer here."""
        stamp = data_stamp(workspace)
        if stamp is None:
            return compute(workspace)
        key = (question, stamp, tuple(_digest(Path(f)) for f in files))
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                self.hits += 1
                return self._answers[key]
        value = compute(workspace)
        with self._lock:
            self.computed += 1
            self._answers[key] = value
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return value


def data_stamp(workspace: Workspace) -> tuple | None:
    """What changes whenever the workspace's data or settings change, or None when that cannot
    be told from here (not a DuckDB file of its own)."""
    settings = workspace.settings
    if (
        workspace.folder is None
        or workspace.con.name != "duckdb"
        or settings.connection
        or settings.events_table
    ):
        return None
    database = Path(workspace.folder) / settings.database
    return (
        _stat(database),
        _stat(database.with_name(database.name + ".wal")),
        _digest(Path(workspace.folder) / SETTINGS_FILE),
    )


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_mtime_ns, found.st_size


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
