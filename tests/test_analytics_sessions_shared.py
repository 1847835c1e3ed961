"""Sessions built once for the overall figures and the per-period ones
(``analytics.sessions.sessions_and_periods``, read by ``recorrido sessions --by`` and the web's
sessions page), and the one-pass session table, against the per-event :func:`sessionize`."""

from __future__ import annotations

import pandas as pd
import pytest

from recorrido import RecorridoError, Workspace
from recorrido import analytics as A
from recorrido.analytics.backend import export_events
from recorrido.analytics.sessions import sessions_and_periods
from recorrido.demo import bundled

# Gaps of exactly 30 minutes (same session) and 30 min 1 s (a new one), ties at a session's end
# and start, one-event sessions, customers of one event and events out of file order.
GAPS_CSV = """event_id,customer_id,timestamp,event
g01,exact,2024-01-01T10:00:00Z,view
g02,exact,2024-01-01T10:30:00Z,cart
g03,exact,2024-01-01T11:00:01Z,buy
g04,tie,2024-01-02T09:00:00Z,view
g05,tie,2024-01-02T09:00:00Z,cart
g06,tie,2024-01-02T12:00:00Z,view
g07,tie,2024-01-02T12:00:00Z,buy
g08,tie,2024-01-02T12:00:00Z,cart
g09,solo,2024-01-09T00:00:00Z,view
g10,late,2024-02-01T08:00:00Z,view
g11,late,2024-01-15T08:00:00Z,view
g12,late,2024-02-01T08:10:00Z,buy
g13,late,2024-01-15T07:59:00Z,cart
g14,late,2024-03-01T00:00:00Z,view
"""


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    with Workspace.init(tmp_path_factory.mktemp("otto") / "ws", language="en") as ws:
        with bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
            ws.ingest(data, mapping=mapping)
        yield ws


@pytest.fixture(scope="module")
def gaps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gaps")
    (folder / "gaps.csv").write_text(GAPS_CSV, encoding="utf-8")
    with Workspace.init(folder / "ws", language="en") as ws:
        assert ws.ingest(folder / "gaps.csv").ingested == 14
        yield ws


def per_event_sessions(ws, gap: str) -> pd.DataFrame:
    """The session table the way it was built before: every event numbered, then grouped."""
    t = A.sessionize(ws, gap)
    s = t.group_by(["customer_id", "session"]).aggregate(
        start_us=t.us.min(), end_us=t.us.max(), events=t.count()
    )
    return ordered(s.mutate(duration_us=s.end_us - s.start_us).execute())


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["customer_id", "session", "start_us", "end_us", "events", "duration_us"]
    frame = frame[columns].sort_values(["customer_id", "session"]).reset_index(drop=True)
    return frame.astype({c: "int64" for c in columns[1:]})


@pytest.mark.parametrize("gap", ["30m", "5m", "1s", "1d"])
def test_session_table_is_the_per_event_one(otto, gaps, gap):
    for ws in (otto, gaps):
        expected = per_event_sessions(ws, gap)
        assert len(expected) > 1
        pd.testing.assert_frame_equal(ordered(A.session_table(ws, gap).execute()), expected)


def test_session_table_on_hand_made_gaps(gaps):
    got = ordered(A.session_table(gaps, "30m").execute())
    rows = {
        (r.customer_id, r.session): (r.events, r.duration_us // 1_000_000) for r in got.itertuples()
    }
    assert rows == {
        ("exact", 0): (2, 1800),  # exactly 30 minutes later stays in the session
        ("exact", 1): (1, 0),  # 30 min 1 s later starts a new one
        ("tie", 0): (2, 0),
        ("tie", 1): (3, 0),
        ("solo", 0): (1, 0),
        ("late", 0): (2, 60),  # read in time order, not file order
        ("late", 1): (2, 600),
        ("late", 2): (1, 0),
    }


@pytest.mark.parametrize("by", ["day", "week", "month"])
@pytest.mark.parametrize("gap", ["30m", "5m"])
def test_both_answers_are_the_two_calls(otto, gaps, by, gap):
    for ws in (otto, gaps):
        summary, periods = sessions_and_periods(ws, gap, by=by)
        pd.testing.assert_frame_equal(summary, A.sessions(ws, gap))
        pd.testing.assert_frame_equal(periods, A.sessions(ws, gap, by=by))
        assert periods["sessions"].sum() == summary["sessions"].iloc[0]


def test_without_by_there_are_no_periods(gaps):
    summary, periods = sessions_and_periods(gaps, "30m")
    assert periods is None
    assert summary.to_dict("records")[0]["sessions"] == 8
    pd.testing.assert_frame_equal(summary, A.sessions(gaps, "30m"))


def test_dates_narrow_both_answers(gaps):
    summary, periods = sessions_and_periods(
        gaps, "30m", by="month", start="2024-01-10", end="2024-02-29"
    )
    # late's sessions of January 15 and February 1.
    assert int(summary["sessions"].iloc[0]) == 2
    assert periods["sessions"].tolist() == [1, 1]
    assert [str(p)[:10] for p in periods["period"]] == ["2024-01-01", "2024-02-01"]


def test_the_kept_table_is_dropped(gaps):
    before = set(gaps.con.list_tables())
    sessions_and_periods(gaps, "30m", by="week")
    assert set(gaps.con.list_tables()) == before


def test_errors_name_the_cause(gaps):
    before = set(gaps.con.list_tables())
    with pytest.raises(RecorridoError) as info:
        sessions_and_periods(gaps, "30m", by="year")
    assert info.value.key == "analytics_bad_period"
    with pytest.raises(RecorridoError) as info:
        sessions_and_periods(gaps, "30m", by="week", start="2030-01-01")
    assert info.value.key == "analytics_empty_range"
    assert set(gaps.con.list_tables()) == before


@pytest.mark.spark
def test_same_on_spark(gaps, otto, spark_backend):
    for ws in (gaps, otto):
        spark = spark_backend.read_parquet(str(export_events(ws)))
        summary, periods = sessions_and_periods(spark, "30m", by="day")
        pd.testing.assert_frame_equal(summary, A.sessions(ws, "30m"))
        pd.testing.assert_frame_equal(periods, A.sessions(ws, "30m", by="day"))
        pd.testing.assert_frame_equal(
            ordered(A.session_table(spark, "30m").to_pandas()), per_event_sessions(ws, "30m")
        )
