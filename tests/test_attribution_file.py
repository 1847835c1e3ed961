"""Aggregated path files: read, refused with file/row/column when wrong, and the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recorrido.analytics.attribution import join_path, read_paths, split_path
from recorrido.errors import RecorridoError
from tests.conftest import SHARED_DATA

RECORRIDO = shutil.which("recorrido", path=str(Path(sys.executable).parent)) or "recorrido"
HEADER = "path,total_conversions,total_conversion_value,total_null\n"


def write(tmp_path: Path, text: str, name: str = "paths.csv") -> Path:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return file


def refused(file: Path, **options) -> RecorridoError:
    with pytest.raises(RecorridoError) as exc:
        read_paths(file, **options)
    return exc.value


def test_reads_and_merges_identical_paths(tmp_path):
    file = write(tmp_path, HEADER + "a > b,1,10,2\nb,0,0,3\na > b,2,5,0\n")
    table = read_paths(file)
    assert table.paths == [("a", "b"), ("b",)]
    assert table.conversions.tolist() == [3, 0]
    assert table.value.tolist() == [15, 0]
    assert table.nulls.tolist() == [2, 3]


def test_semicolon_delimiter_and_custom_columns(tmp_path):
    file = write(tmp_path, "Journey;Conv\nsearch|email;4\n")
    table = read_paths(file, path_column="Journey", conversions="Conv", separator="|")
    assert table.paths == [("search", "email")]
    assert table.value is None and table.nulls.tolist() == [0]


def test_missing_column_names_it_and_suggests(tmp_path):
    file = write(tmp_path, "path,total_conversion,total_null\na,1,0\n")
    exc = refused(file)
    assert exc.key == "attribution_column_missing"
    assert exc.params["column"] == "total_conversions"
    assert "total_conversion" in exc.params["suggestion"]
    assert exc.params["option"] == "--conversions"
    # An optional column named explicitly must exist.
    assert refused(file, conversions="total_conversion", value="revenue").params["column"] == (
        "revenue"
    )


def test_non_numeric_count_names_row_and_column(tmp_path):
    file = write(tmp_path, HEADER + "a,1,2.5,0\nb,dos,1,0\n")
    exc = refused(file)
    assert (exc.key, exc.params["row"], exc.params["column"], exc.params["value"]) == (
        "attribution_bad_number",
        3,
        "total_conversions",
        "dos",
    )
    assert "row 3" in str(exc) and "total_conversions" in str(exc)
    negative = refused(write(tmp_path, HEADER + "a,1,2.5,-4\n", "neg.csv"))
    assert (negative.key, negative.params["row"], negative.params["column"]) == (
        "attribution_negative_number",
        2,
        "total_null",
    )
    empty = refused(write(tmp_path, HEADER + "a,1,2.5,0\nb,1,1,\n", "empty.csv"))
    assert (empty.params["row"], empty.params["column"]) == (3, "total_null")


def test_empty_path_and_empty_touch(tmp_path):
    exc = refused(write(tmp_path, HEADER + "a,1,1,0\n,1,1,0\n"))
    assert (exc.key, exc.params["row"], exc.params["column"]) == (
        "attribution_empty_path",
        3,
        "path",
    )
    exc = refused(write(tmp_path, HEADER + "a > b,1,1,0\na >  > b,1,1,0\n", "touch.csv"))
    assert (exc.key, exc.params["row"]) == ("attribution_empty_touch", 3)


def test_unknown_separator_is_refused_naming_the_one_used(tmp_path):
    file = write(tmp_path, HEADER + "a,1,1,0\na|b,1,1,0\n")
    exc = refused(file)
    assert exc.key == "attribution_separator_unknown"
    assert (exc.params["row"], exc.params["column"], exc.params["found"]) == (3, "path", "|")
    # With the right separator it reads.
    assert read_paths(file, separator="|").paths == [("a",), ("a", "b")]


def test_channel_names_containing_the_separator(tmp_path):
    # With " > " a name like "a>b" needs nothing; a name containing " > " itself is escaped.
    file = write(tmp_path, HEADER + "a>b > c,1,1,0\nnews\\ > letter > c,1,1,0\n")
    table = read_paths(file)
    assert set(table.paths) == {("a>b", "c"), ("news > letter", "c")}
    for touches in [("x > y", "z\\"), ("a\\ > b",), ("plain", "p")]:
        assert split_path(join_path(touches)) == touches
        assert split_path(join_path(touches, "\x1f"), "\x1f") == touches


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "RECORRIDO_LANG": lang, "COLUMNS": "200"}
    return subprocess.run(
        [RECORRIDO, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_cli_json_on_channelattribution_data(tmp_path):
    data = SHARED_DATA / "channelattribution_pathdata" / "Data.csv"
    if not data.is_file():
        pytest.skip("shared data absent")
    html = tmp_path / "chart.html"
    done = run(
        "attribution",
        "--paths",
        str(data),
        "--path-column",
        "path",
        "--conversions",
        "total_conversions",
        "--value",
        "total_conversion_value",
        "--nulls",
        "total_null",
        "--separator",
        ">",
        "--html",
        str(html),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    channels = {c["channel"]: c for c in report["channels"]}
    assert len(channels) == 12
    alpha = channels["alpha"]
    for model in ("first_touch", "last_touch", "linear", "time_decay", "position_based"):
        assert model in alpha and f"{model}_value" in alpha
    assert (alpha["first_touch"], alpha["last_touch"]) == (6308, 8447)
    assert alpha["linear"] == pytest.approx(7574.7186, abs=1e-4)
    assert alpha["markov"] == pytest.approx(5344.947682, abs=1e-5)
    assert alpha["shapley"] > 0 and alpha["shapley_value"] > 0
    assert report["totals"]["conversions"] == 19785
    assert report["markov"]["removal_effects"][0]["channel"] == "alpha"
    assert html.stat().st_size > 100_000  # plotly.js is inside: works offline


def test_cli_refuses_a_bad_file_in_both_languages(tmp_path):
    file = write(tmp_path, HEADER + "a,1,1,0\nb,x,1,0\n")
    done = run("attribution", "--paths", str(file), "--json")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert (error["error"], error["row"], error["column"]) == (
        "attribution_bad_number",
        3,
        "total_conversions",
    )
    spanish = run("attribution", "--paths", str(file), lang="es")
    assert spanish.returncode == 1
    assert "fila 3" in spanish.stderr and "no es un número" in spanish.stderr
    both = run("attribution", "--paths", str(file), "--workspace", str(tmp_path))
    assert both.returncode == 1 and "--workspace" in both.stderr
