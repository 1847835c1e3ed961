"""The exploration pages' kept events and answers (``web/explore_source.py``) on a real DuckDB
workspace: an answer is given again only while the events and the map are the same; a new ingest
or a changed map answers anew, and the copied tables stay few."""

from __future__ import annotations

from pathlib import Path

import pytest

from recorrido import Workspace
from recorrido.analytics import dropoff_paths
from recorrido.analytics.tagging import tag_events
from recorrido.errors import RecorridoError
from recorrido.web import explore_source
from recorrido.web.explore import FunnelQuery, dropped_after, run_funnel
from recorrido.web.explore_paths import run_paths
from recorrido.web.pages import clean

MAP = """\
# A two-stage map; the comment is only here to be a real file.
version: 1
name: Small shop
language: en
stages:
  - id: look
    name: Looking
    touchpoints:
      - id: view
        name: Product page
        match: {event: view}
  - id: buy
    name: Buying
    touchpoints:
      - id: order
        name: Order
        match: {event: order}
"""


def _csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["customer_id,timestamp,event"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _temp_tables(ws) -> list[str]:
    found = ws.con.sql(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE "
        "'recorrido_web_explore_%'"
    )
    return sorted(found.to_pyarrow().column(0).to_pylist())


def test_answers_follow_ingests_and_map_changes(tmp_path):
    folder = tmp_path / "ws"
    first = _csv(
        tmp_path / "a.csv",
        [
            ("c1", "2024-01-01T10:00:00Z", "view"),
            ("c1", "2024-01-01T10:05:00Z", "order"),
            ("c2", "2024-01-01T11:00:00Z", "view"),
            ("c3", "2024-01-02T09:00:00Z", "view"),
            # Orders before looking: a drop-off after step 1 whose events name every step.
            ("c4", "2024-01-03T09:00:00Z", "order"),
            ("c4", "2024-01-03T10:00:00Z", "view"),
        ],
    )
    with Workspace.init(folder, timezone="UTC", language="en") as ws:
        ws.ingest(first)
        (folder / "shop.yaml").write_text(MAP, encoding="utf-8")
        stages = FunnelQuery(steps=["look", "buy"], window="7d", level="stage", map="shop.yaml")
        events = FunnelQuery(steps=["view", "order"], window="7d")

        def customers(query):
            return [s["customers"] for s in run_funnel(ws, query, folder)["steps"]]

        assert customers(stages) == [4, 1]
        assert customers(events) == [4, 1]
        # Asked again: the same object, not a new computation.
        assert run_funnel(ws, stages, folder) is run_funnel(ws, stages, folder)
        assert len(_temp_tables(ws)) == 2
        # The drop-offs' next steps, asked of their own events only, are the analytics answer
        # asked of every event.
        dropped = dropped_after(ws, stages, folder, 1)
        assert sorted(dropped["people"]["customer_id"]) == ["c2", "c3", "c4"]
        whole = tag_events(ws.events, folder / "shop.yaml")
        expected = dropoff_paths(whole, ["look", "buy"], after_step=1, depth=3, **stages.options())
        assert dropped["next"] == clean(expected.to_dict("records"))
        assert [(p["path"], p["customers"]) for p in dropped["next"]] == [("(end)", 3)]

        # A new ingest: c2 and c3 order; both answers change.
        ws.ingest(
            _csv(
                tmp_path / "b.csv",
                [
                    ("c2", "2024-01-01T12:00:00Z", "order"),
                    ("c3", "2024-01-02T09:30:00Z", "order"),
                ],
            )
        )
        assert customers(stages) == [4, 3]
        assert customers(events) == [4, 3]
        dropped = dropped_after(ws, FunnelQuery(["view", "order"], window="7d"), folder, 1)
        assert dropped["people"]["customer_id"].tolist() == ["c4"]
        # Old copies are dropped: no more than TABLES stay on the connection, each with the
        # step tables made from it (the drop-offs' next steps read them), and nothing else.
        state = explore_source._state(ws)
        assert len(state.tables) <= explore_source.TABLES
        kept = set(state.tables.values()) | {name for _, name in state.steps.values()}
        assert set(_temp_tables(ws)) == kept

        # The map's rule changes (the file keeps its size, maybe its modification second):
        # the stage funnel reads the new text, where no event is the stage "buy" any more.
        text = (folder / "shop.yaml").read_text().replace("{event: order}", "{event: ordeR}")
        (folder / "shop.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(RecorridoError, match="'buy'"):
            customers(stages)
        options = {"level": "stage", "map": "shop.yaml", "start_at": "", "steps": 4}
        paths = run_paths(ws, {**options, "variants": 0}, folder)
        assert ("look", "buy") not in {(e["source"], e["target"]) for e in paths["edges"]}
        (folder / "shop.yaml").write_text(MAP, encoding="utf-8")
        paths = run_paths(ws, {**options, "variants": 0}, folder)
        assert ("look", "buy") in {(e["source"], e["target"]) for e in paths["edges"]}


def test_events_read_in_place_are_never_kept(tmp_path):
    """Events mapped from a Parquet folder change without an ingest: a new file there must show
    in the next answer, so nothing is copied or remembered for them."""
    import pandas as pd

    lake = tmp_path / "lake"
    lake.mkdir()

    def part(name: str, rows: list[tuple[str, str, str]]) -> None:
        frame = pd.DataFrame(rows, columns=["cliente", "momento", "accion"])
        frame["momento"] = pd.to_datetime(frame["momento"], utc=True)
        frame.insert(0, "id", [f"{name}-{i}" for i in range(len(frame))])
        frame.to_parquet(lake / f"{name}.parquet", index=False)

    part("a", [("c1", "2024-01-01T10:00:00Z", "view"), ("c2", "2024-01-01T11:00:00Z", "view")])
    part("b", [("c1", "2024-01-01T10:05:00Z", "order")])
    folder = tmp_path / "ws"
    columns = {"event_id": "id", "customer_id": "cliente", "timestamp": "momento"}
    columns["event"] = "accion"
    with Workspace.init(folder, language="en", events_table=str(lake), events_columns=columns):
        pass
    with Workspace.open(folder) as ws:
        query = FunnelQuery(steps=["view", "order"], window="7d")
        assert [s["customers"] for s in run_funnel(ws, query, folder)["steps"]] == [2, 1]
        part("c", [("c2", "2024-01-01T11:30:00Z", "order")])
        assert [s["customers"] for s in run_funnel(ws, query, folder)["steps"]] == [2, 2]
        assert _temp_tables(ws) == []


def test_paths_from_kept_pairs_variants_and_steps_are_the_analytics_answers(tmp_path):
    from recorrido.analytics import flows, transitions, variants

    rows = []
    for i, journey in enumerate(["vvo", "vo", "v", "ovv", "vvv", "ov", "vov", "o"]):
        for j, letter in enumerate(journey):
            name = {"v": "view", "o": "order"}[letter]
            rows.append((f"c{i}", f"2024-01-0{1 + j}T10:00:00Z", name))
    folder = tmp_path / "ws"
    with Workspace.init(folder, timezone="UTC", language="en") as ws:
        ws.ingest(_csv(tmp_path / "a.csv", rows))
        for start_at, steps, top in (("view", 3, 2), ("order", 2, 5), ("view", 4, 1)):
            options = {"level": "event", "map": "", "start_at": start_at, "steps": steps}
            got = run_paths(ws, {**options, "variants": top}, folder)
            found = flows(ws.events, "event", start_at=start_at, steps=steps)
            assert got["flows"] == clean(found.to_dict("records"))
            found = variants(ws.events, "event", top=top).drop(columns="steps")
            assert got["variants"] == clean(found.to_dict("records"))
            assert len(got["variants"]) == min(top, 6)
            assert got["edges"] == clean(transitions(ws.events, "event").to_dict("records"))
        # The events' copy and one step table serve every question.
        assert len(_temp_tables(ws)) == 2


def test_a_part_given_up_while_a_question_reads_it_is_dropped_after(tmp_path, monkeypatch):
    """A part pushed out of the kept ones (``PARTS``) while a question is worked out stays
    readable until no question is, then its table is dropped."""
    from recorrido.web import explore_source
    from tests import journey_generator as gen

    ws = gen.workspace(tmp_path, 40)
    try:
        monkeypatch.setattr(explore_source, "PARTS", 1)
        key = ("events", "v1")

        def make():
            return (ws.events.select("customer_id").distinct(),)

        def kept_tables() -> set[str]:
            database = (explore_source.PARTS_DATABASE, "main")
            return {t for t in ws.con.list_tables(database=database) if t.startswith("part_")}

        def question():
            (first,) = explore_source.kept_parts(ws, ("a",), key, make)
            explore_source.kept_parts(ws, ("b",), key, make)  # gives "a" up
            assert len(kept_tables()) == 2  # ... but not yet its table
            return int(first.count().execute())

        assert explore_source.remembered(ws, ("q",), key, question) == 40
        assert len(kept_tables()) == 1  # dropped once the question ended
        assert explore_source.found_parts(ws, ("a",), key) is None
        assert explore_source.found_parts(ws, ("b",), key) is not None
        # with no question running, a part given up goes at once
        explore_source.kept_parts(ws, ("c",), key, make)
        assert len(kept_tables()) == 1
    finally:
        ws.close()
