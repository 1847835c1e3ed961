"""Rows without an event id that are identical to another row of the same ingest share one
content hash and are counted once, as duplicates (a double export). That may also drop real
repeats (CDNOW records two purchases alike on one day), so the ingest says so, per file."""

from __future__ import annotations

from recorrido import Workspace


def _write(path, lines):
    path.write_text("customer_id,timestamp,event,value\n" + "\n".join(lines) + "\n")


def test_identical_rows_are_counted_once_and_the_file_says_so(tmp_path):
    path = tmp_path / "orders.csv"
    _write(
        path,
        [
            "c1,1997-01-01,purchase,12.5",
            "c1,1997-01-01,purchase,12.5",  # the same day, the same amount
            "c1,1997-01-01,purchase,12.5",
            "c2,1997-01-02,purchase,9",
        ],
    )
    with Workspace.init(tmp_path / "ws", timezone="UTC") as ws:
        report = ws.ingest(path)
        assert (report.ingested, report.duplicates) == (2, 2)
        (file,) = report.files
        assert file.warnings == [{"code": "events_warning_identical_rows", "count": "2"}]
        # ingesting it again: all four are stored already; the two repeats are said again
        again = ws.ingest(path)
        assert (again.ingested, again.duplicates) == (0, 4)
        assert again.files[0].warnings[0]["count"] == "2"


def test_rows_with_their_own_ids_are_never_merged_nor_warned_about(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "event_id,customer_id,timestamp,event\na,c1,1997-01-01,purchase\nb,c1,1997-01-01,purchase\n"
    )
    with Workspace.init(tmp_path / "ws", timezone="UTC") as ws:
        report = ws.ingest(path)
    assert (report.ingested, report.duplicates) == (2, 0)
    assert report.files[0].warnings == []
