"""The server's API fuzzed from its own OpenAPI spec (schemathesis): no answer is a 5xx."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server_helpers import make_key, new_workspace, running_server


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(tmp_path):
    st = Path(sys.executable).with_name("st")
    if not st.exists() and shutil.which("st") is None:
        pytest.skip("schemathesis is not installed")
    folder = new_workspace(tmp_path / "ws")
    write, read = make_key(folder), make_key(folder, "read")
    basic = base64.b64encode(f"{write}:".encode()).decode()
    runs = (("^/v1/", f"Basic {basic}"), ("^/api/", f"Bearer {read}"))
    with running_server(folder) as (url, _):
        for paths, authorization in runs:
            done = subprocess.run(
                [
                    str(st),
                    "run",
                    f"{url}/openapi.json",
                    "--checks",
                    "not_a_server_error",
                    "--max-examples",
                    "3",
                    "--phases",
                    "examples,fuzzing",
                    "--seed",
                    "1",
                    "--header",
                    f"Authorization: {authorization}",
                    "--include-path-regex",
                    paths,
                    "--report-dir",
                    str(tmp_path / "report"),
                ],
                capture_output=True,
                text=True,
                timeout=240,
                cwd=tmp_path,
            )
            assert done.returncode == 0, done.stdout[-3000:]
            assert " passed" in done.stdout
