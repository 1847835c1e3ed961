"""Long questions answered beside the server's workspace lock, on a second DuckDB connection.

Why: every page reads through the server's one connection, one call at a time
(``server/context.py``). A new question on the friction, moments, conformance or segments page
runs the insights engine over every event — tens of seconds at 1 million events — and while it
held that lock no other page (home, the map view, a funnel) could be served. A DuckDB database
opened once in a process takes more connections (``cursor()``): they read the same data, each
with its own temporary tables, and run at the same time. So these questions run on a connection
of their own, opened for the question and closed after it (with the copy of the events it made),
and their answers go to the answers every page reads (``explore_source.share_answers``).

Each such question copies the events on its connection (about a second at 1M, little beside
the engine's run), so two new questions at once hold two more copies in memory for their time;
a question already answered makes no copy (its kept answer is found first), nor does an insight
whose map's ordered events are kept (``explore_insights.ordered_source``), and the same
question asked twice at once is worked out once (``explore_source.remembered``). A workspace
whose answers are not kept (another backend, events mapped from elsewhere) answers under the
lock as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")


def second_workspace(workspace):
    """A second connection to ``workspace``'s DuckDB database, sharing its kept answers; close it
    with ``.con.disconnect()``. Call it holding the workspace (``ctx.run``)."""
    import ibis

    from recorrido.web.explore_source import share_answers
    from recorrido.workspace import Workspace

    cursor = workspace.con.con.cursor()
    # A connection's own setting: the progress bar would print on the server's stdout.
    cursor.execute("SET enable_progress_bar_print = false")
    other = Workspace(workspace.folder, workspace.settings, ibis.duckdb.from_connection(cursor))
    share_answers(workspace, other)
    return other


def run_aside(ctx, fn: Callable[..., T]) -> T:
    """``fn(workspace)`` on a second connection, outside ``ctx``'s lock (or under it, where
    answers are not kept)."""
    from recorrido.web.explore_source import _kept

    if not ctx.run(_kept):
        return ctx.run(fn)
    other = ctx.run(second_workspace)
    try:
        return fn(other)
    finally:
        other.con.disconnect()


async def arun_aside(ctx, fn: Callable[..., T]) -> T:
    """:func:`run_aside` from async code, on a worker thread."""
    return await run_in_threadpool(run_aside, ctx, fn)
