"""The JSON API answers what the CLI's ``--json`` prints, on the real OTTO sample; the keys
commands; and the CLI's answer while a server holds the workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app as cli
from recorrido.demo import bundled
from tests.server_helpers import make_key, running_server

MAP = "journey-map.yaml"
QUESTIONS = [
    # (API path and parameters, the same question on the command line)
    ("/api/v1/maps/journey-map.yaml/measure?inactivity=7d", ["measure", MAP, "--inactivity", "7d"]),
    (
        "/api/v1/funnel?steps=clicks,carts,orders&window=7d",
        ["funnel", "--steps", "clicks,carts,orders", "--window", "7d"],
    ),
    ("/api/v1/paths", ["paths"]),
    ("/api/v1/sessions?gap=30m&by=week", ["sessions", "--gap", "30m", "--by", "week"]),
    ("/api/v1/retention?period=week", ["retention", "--period", "week"]),
    ("/api/v1/maps/journey-map.yaml/moments?min_support=5", ["moments", MAP, "--min-support", "5"]),
    (
        "/api/v1/maps/journey-map.yaml/friction?min_customers=5",
        ["friction", MAP, "--min-customers", "5"],
    ),
    ("/api/v1/attribution?conversion=orders", ["attribution", "--conversion", "orders"]),
]


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    from recorrido.journey.templates import load_template

    folder = tmp_path_factory.mktemp("api") / "ws"
    with (
        Workspace.init(folder, language="en") as ws,
        bundled("otto_sample.jsonl") as data,
        bundled("otto_mapping.yaml") as mapping,
    ):
        ws.ingest(data, mapping=mapping)
    load_template("ecommerce", "en").save(folder / MAP)
    return folder


@pytest.mark.slow
def test_json_api_answers_the_cli_json(otto, monkeypatch):
    read = make_key(otto, "read")
    answers = {}
    bearer = {"Authorization": f"Bearer {read}"}
    with running_server(otto) as (url, _), httpx.Client(headers=bearer, timeout=120) as client:
        for path, _command in QUESTIONS:
            answer = client.get(url + path)
            assert answer.status_code == 200, (path, answer.text[:300])
            answers[path] = answer.json()
        assert client.get(url + "/api/v1/maps").json() == {"maps": [MAP]}
        missing = client.get(url + "/api/v1/maps/..%2Frecorrido.yaml/measure")
        assert missing.status_code in (400, 404)
    runner = CliRunner()
    monkeypatch.chdir(otto)  # the map is named relative to the workspace, as the API names it
    for path, command in QUESTIONS:
        done = runner.invoke(cli, ["--lang", "en", *command, "-w", str(otto), "--json"])
        assert done.exit_code == 0, (command, done.output[-500:])
        assert answers[path] == json.loads(done.stdout), command


def test_json_api_needs_a_read_token(otto):
    write = make_key(otto, "write")
    with running_server(otto) as (url, _):
        assert httpx.get(url + "/api/v1/paths").status_code == 401
        wrong_kind = httpx.get(url + "/api/v1/paths", headers={"Authorization": f"Bearer {write}"})
        assert wrong_kind.status_code == 403
        local = httpx.get(url + "/api/v1/health")
        assert local.status_code == 200 and local.json()["status"] == "ok"
        docs = httpx.get(url + "/docs")
        assert docs.status_code == 200 and "/v1/batch" in docs.text
        assert "<script" not in docs.text  # nothing from a CDN: works on a closed network
        spec = httpx.get(url + "/openapi.json").json()
        assert "/v1/batch" in spec["paths"] and "/api/v1/funnel" in spec["paths"]


def test_cli_names_the_running_server_instead_of_a_lock_error(otto, tmp_path):
    from recorrido.server.runfile import read_run_file, remove_run_file, write_run_file

    with running_server(otto) as (url, _):
        info = write_run_file(otto, url)  # what `recorrido serve` writes
        try:
            assert read_run_file(otto)["address"] == url
            # (a query with its own time limit is not forwarded: the API has no such parameter)
            for command in (
                ["query", "select 1", "--timeout", "5"],
                ["ingest", str(tmp_path / "x.jsonl")],
            ):
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "recorrido.cli",
                        "--lang",
                        "en",
                        *command,
                        "-w",
                        str(otto),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                assert done.returncode == 1
                assert f"The recorrido server (pid {os.getpid()}, {url})" in done.stderr, (
                    done.stderr
                )
                assert "Traceback" not in done.stderr
        finally:
            remove_run_file(otto, info)
    assert read_run_file(otto) is None


def test_keys_commands_and_serve_refuses_a_public_address_without_keys(tmp_path):
    folder = tmp_path / "ws"
    Workspace.init(folder, language="en").close()
    runner = CliRunner()
    refused = runner.invoke(cli, ["--lang", "en", "serve", "-w", str(folder), "--host", "0.0.0.0"])
    assert refused.exit_code == 1 and "Refusing to listen on 0.0.0.0" in refused.output
    made = runner.invoke(cli, ["keys", "create", "-w", str(folder), "--kind", "read", "--json"])
    key = json.loads(made.stdout)
    assert key["kind"] == "read" and key["token"].startswith("rr_")
    stored = (folder / "keys.json").read_text()
    assert key["token"] not in stored  # only its hash is kept
    assert oct((folder / "keys.json").stat().st_mode & 0o777) == "0o600"
    listed = json.loads(runner.invoke(cli, ["keys", "list", "-w", str(folder), "--json"]).stdout)
    assert [k["key_id"] for k in listed] == [key["key_id"]] and listed[0]["revoked_at"] is None
    assert runner.invoke(cli, ["keys", "revoke", key["key_id"], "-w", str(folder)]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["keys", "list", "-w", str(folder), "--json"]).stdout)
    assert listed[0]["revoked_at"] is not None
    unknown = runner.invoke(cli, ["--lang", "es", "keys", "revoke", "nope", "-w", str(folder)])
    assert unknown.exit_code == 1 and "No hay ninguna clave" in unknown.output
