"""What the exploration pages read, kept between requests: the workspace's events (each with its
unified customer), tagged with a map's touchpoints and stages when the question is at that level,
copied once into a temporary DuckDB table; and the last answers, by their question.

Why: the events are a view that joins the identity map, and tagging runs every match rule of the
map; an analytics question scans its events several times, so each scan paid for both again. On
1 million events and a busy 2-core machine a stage funnel took about 10 s and its drop-offs about
50 s; read from the copied table, about 1.3 s and 6 s. An answer already given comes back at once.

Both are keyed by the map's text (its bytes, not its modification time) and the workspace's latest
ingest and stored row count: while it serves, the server is the workspace's only writer and every
write to the events is an ingest, so a new ingest or a saved map copies and answers again. Only a
DuckDB workspace whose events are its own table is copied and remembered (temporary tables live
with the server's one connection; events mapped from elsewhere change without an ingest); on
another backend, or such a workspace, the pages read the events anew as before. Everything here
runs under the server's workspace lock (``ctx.run``), but the parts.

A family of questions also keeps *parts*: the work its questions share whatever their options
(the attribution's ordered touches for any lookback, a map's tagged and ordered events for any
date range of the insights, ``docs/insights-date-range.md``). They live in an in-memory database
attached to the DuckDB instance, not in temporary tables, so the warmer's connection and the
questions answered aside (``web/side_work.py``) read the ones the server made, outside its lock.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: Copied tables kept per connection: the events alone and the events tagged with one map.
TABLES = 2
#: A question's intermediate tables kept per connection (``kept_parts``): the work a family of
#: questions shares, such as the attribution's ordered touches whatever the lookback (two kept
#: ahead, with and without the first map) and a map's tagged, ordered events for the insights
#: whatever the dates and options (the first map's kept ahead, and one more).
PARTS = 4
#: Answers kept (a funnel, its drop-offs, paths ... each a small object), room left for the
#: default answers the server works out ahead (``web/warm_pages.py``).
ANSWERS = 64
#: Guards the answers and the questions being worked out, which the warmer's connection shares
#: with the server's (``share_answers``); held only to look up and store, never to compute.
_ANSWERS_LOCK = threading.Lock()


class _State:
    def __init__(self) -> None:
        self.tables: OrderedDict = OrderedDict()  # source key -> temporary table name
        self.steps: dict = {}  # (source key, level) -> (Steps, temporary table name)
        self.parts: OrderedDict = OrderedDict()  # (part, source key) -> table names (shared)
        self.making: dict = {}  # (part, source key) -> Event set when it is made
        self.retired: list = []  # parts' table names dropped once no question is worked out
        self.answers: OrderedDict = OrderedDict()  # (question, source key) -> answer
        self.working: dict = {}  # (question, source key) -> Event set when it is answered
        self.computed = [0]  # answers worked out (not found kept), shared like the answers
        self.serial = 0
        self.own_table: bool | None = None


def _state(workspace) -> _State:
    # By the connection object itself: Ibis backends compare equal (and hash alike) when they
    # reach the same database, but each connection has temporary tables of its own.
    found = vars(workspace.con).get("_recorrido_web_explore")
    if found is None:
        found = workspace.con._recorrido_web_explore = _State()
    return found


def _kept(workspace) -> bool:
    """Whether copies and answers may be kept: a DuckDB workspace whose events are its own
    table. Events mapped from a table or a Parquet folder that lives elsewhere (a view, see
    ``events/external.py``) change without an ingest, so they are read anew every time."""
    from recorrido.events import schema

    if workspace.con.name != "duckdb":
        return False
    state = _state(workspace)
    if state.own_table is None:
        # The name is the schema's constant, not user text.
        views = workspace.con.raw_sql(
            f"SELECT count(*) FROM duckdb_views() WHERE view_name = '{schema.RAW_EVENTS}'"
        ).fetchone()[0]
        state.own_table = views == 0
    return state.own_table


def source_key(workspace, level: str, map_file: str, folder) -> tuple:
    """What the events a question reads depend on: the map's text (at touchpoint or stage
    level), the latest ingest and the number of stored rows."""
    import ibis

    from recorrido.events import schema
    from recorrido.web.map_files import map_path

    text = b""
    if level != "event":
        if not map_file:
            from recorrido.errors import RecorridoError

            raise RecorridoError("web_explore_map_needed")
        text = Path(map_path(folder, map_file)).read_bytes()
    latest = workspace.ingest_log.aggregate(n=ibis._.ingest_id.max()).execute()["n"][0]
    rows = int(workspace.con.table(schema.RAW_EVENTS).count().execute())
    digest = hashlib.sha256(text).hexdigest() if text else ""
    return (map_file if text else "", digest, str(latest), rows)


def tagged_events(workspace, level: str, map_file: str, folder):
    """The workspace's events, tagged with the chosen map when the level needs it."""
    if level == "event":
        return workspace.events
    if not map_file:
        from recorrido.errors import RecorridoError

        raise RecorridoError("web_explore_map_needed")
    from recorrido.analytics.tagging import tag_events
    from recorrido.web.map_files import map_path

    return tag_events(workspace.events, map_path(folder, map_file))


def events_for(workspace, level: str, map_file: str, folder, key: tuple | None = None):
    """The events an exploration at ``level`` reads (tagged with ``map_file`` unless at event
    level), from the copied table when the workspace is a DuckDB one; ``key`` is their
    :func:`source_key` when the caller has it already."""
    expression = tagged_events(workspace, level, map_file, folder)
    if not _kept(workspace):
        return expression
    key = key or source_key(workspace, level, map_file, folder)
    state = _state(workspace)
    name = state.tables.get(key)
    if name is None:
        name = _new_table(workspace, state, expression)
        state.tables[key] = name
        while len(state.tables) > TABLES:
            gone, old = state.tables.popitem(last=False)
            workspace.con.drop_table(old, force=True)
            # Step tables made from that copy go with it (they read it).
            for made in [k for k in state.steps if k[0] == gone]:
                workspace.con.drop_table(state.steps.pop(made)[1], force=True)
    state.tables.move_to_end(key)
    return workspace.con.table(name)


def _new_table(workspace, state: _State, expression) -> str:
    state.serial += 1
    name = f"recorrido_web_explore_{state.serial}"
    workspace.con.create_table(name, expression, temp=True, overwrite=True)
    return name


def steps_for(workspace, level: str, map_file: str, folder, key: tuple):
    """Each customer's steps at ``level`` (``analytics.paths.shared_steps``), made once per
    copy of the events, so that the Sankey and the variants of a new question read them instead
    of ordering every event again."""
    from recorrido.analytics.paths import shared_steps

    events = events_for(workspace, level, map_file, folder, key)
    if not _kept(workspace):
        return shared_steps(events, level)
    state = _state(workspace)
    found = state.steps.get((key, level))
    if found is None:
        names = []

        def keep(table, columns):
            names.append(_new_table(workspace, state, table.select(*columns)))
            return workspace.con.table(names[-1])

        made = shared_steps(events, level, keep=keep)
        found = state.steps[(key, level)] = (made, names[0])
    return found[0]


#: The in-memory database, attached once to the workspace's DuckDB instance, that holds the kept
#: parts: unlike a temporary table, a table there is read by every connection of the instance
#: (the server's, the warmer's and those of the questions answered aside, ``web/side_work.py``).
PARTS_DATABASE = "recorrido_web_parts"


def _parts_database(workspace) -> tuple[str, str]:
    # Attached for the instance: a second connection (a cursor) finds it attached already.
    workspace.con.raw_sql(f"ATTACH IF NOT EXISTS ':memory:' AS {PARTS_DATABASE}")
    return (PARTS_DATABASE, "main")


def found_parts(workspace, part: tuple, key: tuple) -> tuple | None:
    """The tables of ``part`` on the events of ``key`` if they are kept (see :func:`kept_parts`),
    else ``None``; never made here."""
    if not _kept(workspace):
        return None
    state = _state(workspace)
    with _ANSWERS_LOCK:
        names = state.parts.get((part, key))
        if names is None:
            return None
        state.parts.move_to_end((part, key))
    database = _parts_database(workspace)
    return tuple(workspace.con.table(name, database=database) for name in names)


def kept_parts(workspace, part: tuple, key: tuple, make: Callable[[], tuple]) -> tuple:
    """The tables ``make()`` returns (Ibis expressions) for ``part`` on the events of ``key``:
    copied the first time into the instance's in-memory database (:data:`PARTS_DATABASE`),
    read from there after, by this connection and those sharing its answers
    (:func:`share_answers`), so that a new question of the same family (another lookback,
    another date range) skips the work they hold. The :data:`PARTS` most recently used are kept;
    a part another connection is making is waited for. On another backend ``make()`` is simply
    returned."""
    if not _kept(workspace):
        return make()
    state = _state(workspace)
    full = (part, key)
    while True:
        found = found_parts(workspace, part, key)
        if found is not None:
            return found
        with _ANSWERS_LOCK:
            if full in state.parts:
                continue
            busy = state.making.get(full)
            if busy is None:
                mine = state.making[full] = threading.Event()
                break
        busy.wait()  # then look again: it may have failed, and then this thread makes it
    try:
        database = _parts_database(workspace)
        names = []
        for table in make():
            names.append(f"part_{uuid.uuid4().hex}")
            workspace.con.create_table(names[-1], table, database=database)
        with _ANSWERS_LOCK:
            state.parts[full] = tuple(names)
            while len(state.parts) > PARTS:
                # A question being worked out (on any connection) may be reading it: dropped
                # when none is (``_drop_retired``), never under a reader's feet.
                state.retired.extend(state.parts.popitem(last=False)[1])
        _drop_retired(workspace)
        return tuple(workspace.con.table(name, database=database) for name in names)
    finally:
        with _ANSWERS_LOCK:
            state.making.pop(full, None)
        mine.set()


def _drop_retired(workspace) -> None:
    """Drop the parts no longer kept, once no question is being worked out: a question reads
    its parts only while it is (``remembered``)."""
    state = _state(workspace)
    with _ANSWERS_LOCK:
        if state.working or not state.retired:
            return
        gone, state.retired[:] = list(state.retired), []
    for place, name in enumerate(gone):
        try:
            workspace.con.drop_table(name, database=_parts_database(workspace), force=True)
        except Exception:  # a connection closed under it (the warmer's, stopped): left to the next
            with _ANSWERS_LOCK:
                state.retired.extend(gone[place:])
            return


def remembered(workspace, question: tuple, key: tuple, compute: Callable[[], object]):
    """The answer to ``question`` on the events of ``key``: kept from an earlier request, or
    ``compute()``. Callers must not change what it returns (it is shared). A question another
    thread is working out already (the warmer, on its own connection) is waited for, not
    worked out twice."""
    if not _kept(workspace):
        return compute()
    state = _state(workspace)
    full = (question, key)
    while True:
        with _ANSWERS_LOCK:
            if full in state.answers:
                state.answers.move_to_end(full)
                return state.answers[full]
            busy = state.working.get(full)
            if busy is None:
                mine = state.working[full] = threading.Event()
                break
        busy.wait()  # then look again: it may have failed, and then this thread computes it
    try:
        answer = compute()
        with _ANSWERS_LOCK:
            state.computed[0] += 1
            state.answers[full] = answer
            while len(state.answers) > ANSWERS:
                state.answers.popitem(last=False)
        return answer
    finally:
        with _ANSWERS_LOCK:
            state.working.pop(full, None)
        mine.set()
        _drop_retired(workspace)


def kept_answer(workspace, question: tuple, key: tuple):
    """The answer to ``question`` on the events of ``key`` if one is kept, else ``None``: for a
    part of a page that shows an answer only when it costs nothing (the map's panel)."""
    if not _kept(workspace):
        return None
    state = _state(workspace)
    with _ANSWERS_LOCK:
        return state.answers.get((question, key))


def share_answers(workspace, other) -> None:
    """Let ``other`` (a second connection to the same database, the warmer's) keep its answers
    with ``workspace``'s, so a page finds what the warmer worked out. Copies stay apart: a
    temporary table lives with its own connection."""
    main, theirs = _state(workspace), _state(other)
    theirs.answers, theirs.working, theirs.computed = main.answers, main.working, main.computed
    # The parts live in the instance's in-memory database, which both connections read.
    theirs.parts, theirs.making, theirs.retired = main.parts, main.making, main.retired


def computed(workspace) -> int:
    """How many answers were worked out so far (not found kept) on ``workspace``'s connection
    and those sharing its answers."""
    return _state(workspace).computed[0]


@contextmanager
def their_events(workspace, expression) -> Iterator:
    """``expression`` (some customers' events) copied for the time of one question that reads
    it several times (the drop-offs' next steps), then dropped; as it is elsewhere."""
    if not _kept(workspace):
        yield expression
        return
    name = _new_table(workspace, _state(workspace), expression)
    try:
        yield workspace.con.table(name)
    finally:
        workspace.con.drop_table(name, force=True)
