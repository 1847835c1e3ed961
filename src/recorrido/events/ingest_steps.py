"""Which step of an ingest is running, for the progress shown beside it.

DuckDB tells the share done of the statement it is running (``query_progress()``), not of the
ingest: an ingest runs a statement or several per step (read the files, check and deduplicate
the rows, link identities, update the customers, store), and a bar that restarted at 0 for each
looked stuck or looped. So ingest says here which step it is in, and the CLI's bar and the
upload page show "step k of n" beside the step's own share. The steps take very different
times (reading and checking are most of it), so no overall percentage is made up from them.

Keyed by the store connection the ingest writes to: the reader (the CLI's bar thread, the
upload page's request) holds the same workspace object; read without any lock but this one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The steps, in order; their names are message keys (``ingest_step_<name>``).
STEPS = ("read", "check", "link", "profile", "store")

_LOCK = threading.Lock()
_RUNNING: dict[int, int] = {}


@contextmanager
def ingesting(store) -> Iterator[None]:
    """The time an ingest writes to ``store``: its step is forgotten when it ends, done or not."""
    try:
        yield
    finally:
        with _LOCK:
            _RUNNING.pop(id(store), None)


def enter(store, step: str) -> None:
    """The ingest writing to ``store`` starts ``step`` (one of :data:`STEPS`)."""
    with _LOCK:
        _RUNNING[id(store)] = STEPS.index(step)


def current(store) -> tuple[int, int, str] | None:
    """``(k, n, name)``: the ingest writing to ``store`` runs step k (1-based) of n, ``name``;
    ``None`` when none runs."""
    with _LOCK:
        index = _RUNNING.get(id(store))
    return None if index is None else (index + 1, len(STEPS), STEPS[index])
