"""While `recorrido serve` holds a workspace, the CLI's read commands ask it and print what they
print without it: the same JSON, tables and errors (a real server, the real OTTO sample)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app as cli
from recorrido.cli import forward
from recorrido.demo import bundled
from recorrido.server.runfile import read_run_file, remove_run_file, write_run_file
from tests.server_helpers import running_server

MAP = "journey-map.yaml"
COMMANDS = [
    ["measure", MAP, "--inactivity", "7d"],
    ["measure", MAP, "--breakdown", "channel"],
    ["funnel", "--steps", "clicks,carts,orders", "--window", "7d"],
    ["funnel", "--steps", "clicks,carts", "--breakdown", "channel", "--kind", "any"],
    [
        "funnel",
        "--steps",
        "product-view,add-to-cart,purchase",
        "--level",
        "touchpoint",
        "--map",
        MAP,
    ],
    ["paths", "--variants", "3"],
    ["sessions", "--gap", "30m", "--by", "week"],
    ["retention", "--period", "week"],
    ["attribution", "--conversion", "orders"],
    ["attribution", "--conversion", "orders", "--by", "touchpoint", "--map", MAP, "--show-value"],
    # their tables are drawn from the JSON too (each finding's sentence is in it; the query's
    # table asks for column names and cells written as the local table writes them)
    ["friction", MAP, "--min-customers", "5"],
    ["moments", MAP, "--min-support", "5"],
    [
        "query",
        "select event, count(*) as n, max(timestamp) as last from events group by 1 order by 1",
    ],
    ["query", "select event from events where false"],  # no rows: the columns all the same
]
JSON_ONLY = [
    # (its table says how many seconds the resampling took: the same only in JSON)
    ["attribution", "--conversion", "orders", "--bootstrap", "20", "-m", "linear", "-m", "markov"],
]


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    from recorrido.journey.templates import load_template

    folder = tmp_path_factory.mktemp("forward") / "ws"
    with (
        Workspace.init(folder, language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    load_template("ecommerce", "en").save(folder / MAP)
    return folder


def _run(folder, command, *extra):
    done = CliRunner().invoke(cli, ["--lang", "en", *command, "-w", str(folder), *extra])
    return done.exit_code, done.stdout, done.stderr


def _process(folder, *command):
    """A command in another process, as a user runs it beside the server."""
    return subprocess.run(
        [sys.executable, "-m", "recorrido.cli", "--lang", "en", *command, "-w", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def served(otto, monkeypatch):
    """The workspace while a real server holds it, with the run file `recorrido serve` writes."""
    monkeypatch.chdir(otto)  # maps named relative to the workspace folder, as the API names them
    token = "local-test-token"
    with running_server(otto, local_token=token) as (url, _):
        info = write_run_file(otto, url, token)
        try:
            yield otto
        finally:
            remove_run_file(otto, info)


def test_read_commands_print_the_same_through_the_server(otto, monkeypatch, request):
    monkeypatch.chdir(otto)
    assert read_run_file(otto) is None
    asked = [(c, ("--json",)) for c in COMMANDS + JSON_ONLY] + [(c, ()) for c in COMMANDS]
    alone = {i: _run(otto, command, *extra) for i, (command, extra) in enumerate(asked)}
    for i, (code, stdout, _) in alone.items():
        assert code == 0 and stdout.strip(), (asked[i], stdout[-300:])
    request.getfixturevalue("served")
    assert read_run_file(otto) is not None
    answered = []

    def counted(*args, **kwargs):  # the real call, counted: these answers came from the server
        answer = real_ask(*args, **kwargs)
        answered.append(answer is not None)
        return answer

    real_ask = forward.ask_server
    monkeypatch.setattr(forward, "ask_server", counted)
    for i, expected in alone.items():
        assert _run(otto, asked[i][0], *asked[i][1]) == expected, asked[i]
    assert answered == [True] * len(alone)
    measured = json.loads(alone[0][1])
    assert measured["summary"]["customers"] > 0  # a real answer, not two empty ones


def test_a_second_process_reads_through_the_server_holding_the_file(served):
    # This process's server holds the DuckDB file: another process can only answer by asking it.
    done = _process(served, "measure", MAP, "--json")
    assert done.returncode == 0, done.stderr[-500:]
    assert json.loads(done.stdout)["map"] and "Traceback" not in done.stderr


def test_errors_from_the_server_read_as_the_cli_errors(otto, monkeypatch, request):
    monkeypatch.chdir(otto)
    bad = ["funnel", "--steps", "clicks,carts", "--window", "7 fortnights"]
    alone_json, alone_text = _run(otto, bad, "--json"), _run(otto, bad)
    assert alone_json[0] == 1 and alone_text[0] == 1
    request.getfixturevalue("served")
    forwarded_json, forwarded_text = _run(otto, bad, "--json"), _run(otto, bad)
    assert forwarded_text == alone_text  # the same sentence on stderr, exit status 1
    assert forwarded_json[0] == 1
    expected, got = json.loads(alone_json[1]), json.loads(forwarded_json[1])
    assert (got["error"], got["message"]) == (expected["error"], expected["message"])
    spanish = CliRunner().invoke(cli, ["--lang", "es", *bad, "-w", str(otto)])
    assert spanish.exit_code == 1 and spanish.stderr != alone_text[2]


def test_options_the_server_cannot_answer_still_name_the_server(served):
    # --customers-at has no API parameter: the command opens the workspace and says who holds it.
    done = _process(served, "funnel", "--steps", "clicks,carts", "--customers-at", "1")
    assert done.returncode == 1
    assert f"The recorrido server (pid {os.getpid()}," in done.stderr, done.stderr[-500:]


def test_a_run_file_nobody_answers_at_is_passed_by(otto, monkeypatch):
    # A live pid (this one) but no server at the address: the command opens the workspace itself.
    import socket

    monkeypatch.chdir(otto)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    expected = _run(otto, COMMANDS[2], "--json")
    info = write_run_file(otto, f"http://127.0.0.1:{port}", "nobody-listens")
    try:
        assert _run(otto, COMMANDS[2], "--json") == expected
    finally:
        remove_run_file(otto, info)
    assert expected[0] == 0 and json.loads(expected[1])["steps"]


#: The console script's first step (``launcher/entry.py``), with what it had to import.
_LAUNCHER = (
    "import sys; from recorrido.launcher.entry import forwarded; "
    "status = forwarded(sys.argv[1:]); "
    "heavy = sorted(m for m in ('duckdb', 'ibis', 'pandas', 'pyarrow', 'typer') "
    "if m in sys.modules); "
    "print(repr((status, heavy)), file=sys.stderr)"
)


def _launched(*words):
    return subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *words], capture_output=True, text=True, timeout=120
    )


def _whole_cli(*words):
    return subprocess.run(
        [sys.executable, "-m", "recorrido.cli", *words], capture_output=True, text=True, timeout=120
    )


def test_the_launcher_prints_measure_from_the_server_without_loading_the_engine(
    otto, monkeypatch, request
):
    monkeypatch.chdir(otto)
    asked = [
        ["--lang", "en", "measure", MAP, "-w", str(otto)],
        ["--lang", "es", "measure", MAP, f"--workspace={otto}", "--breakdown", "channel"],
        ["measure", MAP, "-w", str(otto), "--inactivity", "3d", "--json"],
    ]
    alone = [_whole_cli(*words) for words in asked]  # no server: the command line computes
    for done in alone:
        assert done.returncode == 0 and done.stdout.strip(), done.stderr[-500:]
    # nothing runs for the workspace: the launcher leaves every command to the command line
    assert _launched(*asked[0]).stderr.strip() == "(None, [])"
    request.getfixturevalue("served")
    for words, expected in zip(asked, alone, strict=True):
        done = _launched(*words)
        assert done.stderr.strip() == "(0, [])", (words, done.stderr[-500:])
        assert done.stdout == expected.stdout, words
    assert "Etapas" in _launched(*asked[1]).stdout  # the Spanish tables, not the English ones


def test_the_launcher_leaves_what_it_does_not_know_exactly_to_the_command_line(served, tmp_path):
    elsewhere = tmp_path / "map.yaml"
    elsewhere.write_text((served / MAP).read_text(encoding="utf-8"), encoding="utf-8")
    for words in (
        ["measure", MAP, "-w", str(served), "--help"],
        ["measure", MAP, "-w", str(served), "--backend", "pyspark"],
        ["measure", str(elsewhere), "-w", str(served)],  # the API reaches no map outside
        ["measure", MAP, "-w", str(served), "--from", "2020-01-01", "--from", "2021-01-01"],
        ["measure", MAP, "-w", str(served), "--unknown"],
        ["measure", MAP, MAP, "-w", str(served)],
        ["--version", "measure", MAP, "-w", str(served)],
        ["funnel", "--steps", "clicks,carts", "-w", str(served)],
    ):
        done = _launched(*words)
        assert (done.stdout, done.stderr.strip()) == ("", "(None, [])"), words
    # a server that answers an error: the command line asks again and words it as always
    bad = _launched("measure", MAP, "-w", str(served), "--inactivity", "7 fortnights")
    assert bad.stderr.strip() == "(None, [])"


def test_the_console_script_runs_the_command_line_when_the_launcher_cannot_answer(otto):
    main = "from recorrido.launcher.entry import main; main()"
    for words in (["map", "templates"], ["measure", MAP, "-w", str(otto), "--json"]):
        launched = subprocess.run(
            [sys.executable, "-c", main, *words],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=otto,
        )
        expected = subprocess.run(
            [sys.executable, "-m", "recorrido.cli", *words],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=otto,
        )
        assert launched.returncode == expected.returncode == 0, launched.stderr[-500:]
        assert launched.stdout == expected.stdout and launched.stdout.strip()


def _report(folder, output, *extra):
    done = CliRunner().invoke(
        cli,
        ["report", MAP, "-w", str(folder), "-o", str(output), "--window", "7d", *extra],
        env={"COLUMNS": "400"},  # the output's path on one line, however long
    )
    assert done.exit_code == 0, done.output[-500:]
    # The footer says when it was made: the one line two runs cannot share.
    text = output.read_text(encoding="utf-8")
    shown = done.stdout.replace(str(output), "OUT")
    return shown, re.sub(r"<footer.*?</footer>", "", text, flags=re.S)


def test_the_report_is_written_from_the_server_the_same(otto, monkeypatch, request, tmp_path):
    monkeypatch.chdir(otto)
    alone = _report(otto, tmp_path / "a" / "report.html")  # paths of one length: one wrapping
    alone_es = _report(otto, tmp_path / "a" / "report-es.html", "--lang", "es")
    request.getfixturevalue("served")
    answered = []

    def counted(*args, **kwargs):
        answer = real_ask(*args, **kwargs)
        answered.append(args[1] if answer is not None else None)
        return answer

    real_ask = forward.ask_server
    monkeypatch.setattr(forward, "ask_server", counted)
    assert _report(otto, tmp_path / "b" / "report.html") == alone
    assert _report(otto, tmp_path / "b" / "report-es.html", "--lang", "es") == alone_es
    assert answered == [f"/maps/{MAP}/report"] * 2
    assert alone[1] != alone_es[1] and "<html" in alone[1]
