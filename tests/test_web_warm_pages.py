"""The pages' default answers worked out by the server ahead (``web/warm_pages.py``), on a real
server (``create_app``: its warm worker, its loopback port) over a small generated workspace:
after the start, the insight pages' answers are kept before anyone asks, equal to what the CLI
prints; a saved map is warmed again; and a question asked twice at once is worked out once."""

from __future__ import annotations

import json
import threading
import time

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app as cli
from recorrido.web import explore_source, warm_pages
from recorrido.web.explore_filters import ExploreFilter
from recorrido.web.explore_insights import QUESTIONS
from recorrido.web.map_view import MapFilter
from recorrido.web.side_work import second_workspace
from recorrido.web.users import UserStore
from tests import journey_generator as gen
from tests.server_helpers import running_server
from tests.test_web_pages import PASSWORD, login

MAP = "shop.yaml"
INSIGHTS = warm_pages.INSIGHTS


def _cli(folder, name: str) -> dict:
    done = CliRunner().invoke(
        cli, ["--lang", "en", name, str(folder / MAP), "-w", str(folder), "--json"]
    )
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def warmed(tmp_path_factory):
    """The CLI's answers (asked before the server holds the workspace), then the server, once
    its first warm is over."""
    root = tmp_path_factory.mktemp("web-warm")
    gen.workspace(root, 200, planted=True).close()
    folder = root / "ws"
    (folder / MAP).write_text(gen.SHOP_MAP, encoding="utf-8")
    UserStore(folder).add("viewer", PASSWORD, "viewer")
    # Friction's page against its command is compared in test_web_explore_pages.py (its CLI run
    # is the costliest here); the others prove the warmer's connection answers the same.
    answers = {name: _cli(folder, name) for name in INSIGHTS if name != "friction"}
    with running_server(folder, parts=True) as (base, app):
        assert app.state.warm.wait_idle(120)
        yield base, app, folder, answers


def _question(name: str) -> tuple:
    from types import SimpleNamespace

    from starlette.datastructures import QueryParams

    options = QUESTIONS[name][0](SimpleNamespace(query_params=QueryParams("")))
    return (name, ExploreFilter(map=MAP), tuple(options.items()))


def _kept(app, name: str) -> bool:
    def look(ws):
        key = ExploreFilter(map=MAP).key(ws, app.state.ctx.folder, needs_map=True)
        return (_question(name), key) in explore_source._state(ws).answers

    return app.state.ctx.run(look)


def test_defaults_are_kept_before_anyone_asks(warmed):
    base, app, _, answers = warmed
    assert all(_kept(app, name) for name in INSIGHTS)
    assert "friction shop.yaml" in app.state.web_warmed or app.state.warm.warms > 1
    client = login(base, "viewer")
    for name in INSIGHTS:
        started = time.perf_counter()
        got = client.get(f"/explore/{name}.json", params={"map": MAP})
        seconds = time.perf_counter() - started
        assert got.status_code == 200, got.text
        # Worked out on the warmer's own connection, it is the CLI's object.
        assert name not in answers or got.json() == answers[name], name
        # A kept answer: no insights run (each takes far longer on the first ask).
        assert seconds < 2.0, (name, seconds)
    # The page (not only its JSON twin) shows the kept answer too.
    assert 'id="conformance-result"' in client.get("/explore/conformance", params={"map": MAP}).text


def test_a_saved_map_is_warmed_again(warmed):
    _, app, folder, _ = warmed
    path = folder / MAP
    path.write_text(path.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    # New text: new default questions, not kept yet.
    assert not _kept(app, "conformance")
    # The round the worker runs after the editor's ``changed`` (called here at once: the worker
    # paces itself, waiting three times as long as its last round took).
    worked = warm_pages.warm(app)
    assert {f"{name} {MAP}" for name in INSIGHTS} <= set(worked)
    assert all(_kept(app, name) for name in INSIGHTS)
    # Asked again with nothing changed: every answer is kept, none is worked out again (the
    # map view's and the copies' parts are judged by time, so only the answers are checked).
    again = warm_pages.warm(app)
    parts = ("map view", "copies", "channels", "attribution touches")
    assert [k for k in again if not k.startswith(parts)] == []


def test_a_new_lookback_reads_the_kept_touches(warmed):
    """The attribution's ordered touches are kept on the server's connection ahead; a lookback
    nobody asked before is worked out from them, and its answer is the CLI's."""
    base, app, folder, _ = warmed
    assert app.state.warm.wait_idle(120)

    def parts(ws):
        return [part for part, _ in explore_source._state(ws).parts]

    kept = app.state.ctx.run(parts)
    assert ("attribution-touches", "channel", "", MAP) in kept
    assert ("attribution-touches", "channel", "", "") in kept
    client = login(base, "viewer")
    for lookback in ("3d", "11d"):
        page = client.get("/explore/attribution.json", params={"map": MAP, "lookback": lookback})
        assert page.status_code == 200, page.text

        def direct(ws, lookback=lookback):
            # what `recorrido attribution --map --lookback --json` computes (the CLI cannot open
            # the workspace the server holds in this process), from the events, not the copies
            from recorrido.analytics.attribution import attribute_workspace
            from recorrido.analytics.backend import events_table
            from recorrido.journey import JourneyMap

            journey = JourneyMap.load(folder / MAP)
            made = attribute_workspace(
                events_table(ws, "duckdb"), lookback=lookback, journey=journey
            )
            return json.loads(json.dumps(made.to_dict(), default=str))

        expected = app.state.ctx.run(direct)
        assert page.json()["totals"] == pytest.approx(expected["totals"])
        got = page.json()["channels"]
        assert [r["channel"] for r in got] == [r["channel"] for r in expected["channels"]]
        for mine, theirs in zip(got, expected["channels"], strict=True):
            assert mine == pytest.approx(theirs), mine["channel"]
    # no new part was made for them: the same tables are read
    assert set(app.state.ctx.run(parts)) == set(kept)


@pytest.mark.parametrize("name", ["moments", "conformance", "segments", "friction"])
def test_a_new_date_range_reads_the_kept_ordered_events(warmed, name):
    """The first map's tagged, ordered events are kept on the server's connection ahead; an
    insight asked on a date range nobody asked before is cut from them, and its answer is the
    one worked out from the events themselves."""
    base, app, folder, _ = warmed
    assert app.state.warm.wait_idle(120)

    def parts(ws):
        return {part for part, _ in explore_source._state(ws).parts}

    kept = app.state.ctx.run(parts)
    assert ("insight-ordered", MAP, MapFilter()) in kept
    client = login(base, "viewer")

    def span(ws):
        found = ws.events.aggregate(lo=ws.events.timestamp.min(), hi=ws.events.timestamp.max())
        return found.execute().iloc[0]

    lo, hi = app.state.ctx.run(span)
    # a range that cuts journeys at both ends
    start = (lo + (hi - lo) / 4).date().isoformat()
    end = (lo + 3 * (hi - lo) / 4).date().isoformat()
    page = client.get(
        f"/explore/{name}.json", params={"map": MAP, "date_from": start, "date_to": end}
    )
    assert page.status_code == 200, page.text

    def direct(ws):
        from recorrido.analytics.backend import events_table
        from recorrido.web.explore_filters import blank_request

        work = QUESTIONS[name][1]
        options = QUESTIONS[name][0](blank_request())
        dates = {"start": start, "end": end}
        made = work(events_table(ws, "duckdb"), folder / MAP, dates, options)
        return json.loads(json.dumps(made.to_dict(), default=str))

    expected = app.state.ctx.run(direct)
    assert _same(page.json(), expected)
    assert app.state.ctx.run(parts) == kept


def _same(got, expected) -> bool:
    """Equal, floats to 1e-9 (a sum's last digits move with DuckDB's parallel order)."""
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(_same(got[k], expected[k]) for k in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(_same(a, b) for a, b in zip(got, expected, strict=True))
        )
    if isinstance(expected, float) and isinstance(got, (int, float)):
        return got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    return got == expected


def test_a_question_asked_twice_at_once_is_worked_out_once(tmp_path):
    folder = tmp_path / "ws"
    csv = tmp_path / "a.csv"
    csv.write_text("customer_id,timestamp,event\nc1,2024-01-01T10:00:00Z,view\n", "utf-8")
    with Workspace.init(folder, timezone="UTC", language="en") as ws:
        ws.ingest(csv)
        other = second_workspace(ws)
        key = explore_source.source_key(ws, "event", "", None)
        started, release, calls, got = threading.Event(), threading.Event(), [], []

        def slow():
            calls.append(1)
            started.set()
            release.wait(10)
            return {"answer": len(calls)}

        first = threading.Thread(
            target=lambda: got.append(explore_source.remembered(other, ("q",), key, slow))
        )
        first.start()
        assert started.wait(10)
        # The second asker (the server's connection) waits for the first one's answer.
        second = threading.Thread(
            target=lambda: got.append(explore_source.remembered(ws, ("q",), key, slow))
        )
        second.start()
        time.sleep(0.2)
        assert got == []
        release.set()
        first.join(10)
        second.join(10)
        assert calls == [1]
        assert got == [{"answer": 1}, {"answer": 1}]
        assert got[0] is got[1]
        # The answers are shared, the copies are not: each connection's temporary tables are
        # its own (two Ibis backends on one database compare equal: not a key for them).
        assert explore_source.events_for(other, "event", "", None).count().execute() == 1
        assert explore_source.events_for(ws, "event", "", None).count().execute() == 1
        other.con.disconnect()


def test_a_long_question_does_not_hold_the_other_pages(tmp_path):
    from recorrido.server.context import WorkspaceContext
    from recorrido.web.side_work import run_aside

    folder = tmp_path / "ws"
    csv = tmp_path / "a.csv"
    csv.write_text("customer_id,timestamp,event\nc1,2024-01-01T10:00:00Z,view\n", "utf-8")
    with Workspace.init(folder, timezone="UTC", language="en") as ws:
        ws.ingest(csv)
    ctx = WorkspaceContext(folder)
    inside, release, seen = threading.Event(), threading.Event(), []

    def long_question(other):
        assert other.con is not ctx.workspace.con  # a connection of its own
        seen.append(int(other.events.count().execute()))
        inside.set()
        release.wait(10)
        return "answer"

    asked = threading.Thread(target=lambda: seen.append(run_aside(ctx, long_question)))
    asked.start()
    assert inside.wait(10)
    # Meanwhile the server's own connection answers at once (the lock is free).
    started = time.perf_counter()
    assert ctx.run(lambda ws: int(ws.events.count().execute())) == 1
    assert time.perf_counter() - started < 2
    release.set()
    asked.join(10)
    assert seen == [1, "answer"]
    ctx.close()
    # Its connection closed with the question: the database file is free again.
    Workspace.open(folder).close()
