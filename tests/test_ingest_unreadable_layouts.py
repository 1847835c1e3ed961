"""Files ingest cannot read say what they are and what to do (found on public data sets): a
spreadsheet (the Twitter support logs' .xlsx), and a text file whose columns are lined up with
spaces, no delimiter (CDNOW's "customer_id  date number_of_cds  dollar_value")."""

from __future__ import annotations

import pytest

from recorrido import Workspace
from recorrido.errors import RecorridoError
from recorrido.i18n import message


def _refusal(tmp_path, name: str, content: bytes) -> RecorridoError:
    path = tmp_path / name
    path.write_bytes(content)
    with Workspace.init(tmp_path / "ws", timezone="UTC") as ws, pytest.raises(RecorridoError) as e:
        ws.ingest(path)
    return e.value


def test_a_spreadsheet_is_named_as_one(tmp_path):
    error = _refusal(tmp_path, "tickets.xlsx", b"PK\x03\x04 not really a workbook")
    assert error.key == "events_spreadsheet"
    said = message(error.key, "es", **error.params)
    assert "tickets.xlsx es una hoja de cálculo" in said and "CSV" in said


def test_columns_lined_up_with_spaces_are_named_as_such(tmp_path):
    lines = ["customer_id  date number_of_cds  dollar_value"]
    lines += [f"{c:05d}  1997010{c % 9 + 1}  2   29.33" for c in range(1, 30)]
    error = _refusal(tmp_path, "cdnow.txt", ("\r\n".join(lines) + "\r\n").encode())
    assert error.key == "events_aligned_columns"
    said = message(error.key, "en", **error.params)
    assert "its columns seem lined up with spaces" in said and "customer_id  date" in said


def test_a_one_column_file_with_plain_names_keeps_the_usual_message(tmp_path):
    error = _refusal(tmp_path, "names.csv", b"event name\nhome\ncart\n")
    assert error.key != "events_aligned_columns"
