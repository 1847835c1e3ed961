"""``--backend pyspark`` where PySpark is not installed: the install hint, a non-zero exit, no
traceback. PySpark is made absent the way a user's environment lacks it: a ``pyspark`` package
that cannot be imported comes first on the path of a real ``recorrido`` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from recorrido import Workspace

RECORRIDO = str(Path(sys.executable).parent / "recorrido")


@pytest.fixture(scope="module")
def no_pyspark(tmp_path_factory) -> dict:
    blocker = tmp_path_factory.mktemp("no_pyspark")
    (blocker / "pyspark").mkdir()
    (blocker / "pyspark" / "__init__.py").write_text(
        "raise ImportError(\"No module named 'pyspark'\")\n", encoding="utf-8"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(blocker), env.get("PYTHONPATH")]))
    env.pop("RECORRIDO_DEBUG", None)
    return env


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ws") / "ws"
    Workspace.init(path, timezone="UTC", language="en").close()
    return path


@pytest.mark.parametrize(
    ("lang", "command"),
    [("en", ["funnel", "--steps", "a,b"]), ("es", ["paths"])],
)
def test_backend_pyspark_without_pyspark_gives_the_install_hint(no_pyspark, folder, command, lang):
    done = subprocess.run(
        [RECORRIDO, "--lang", lang, *command, "--workspace", str(folder), "--backend", "pyspark"],
        capture_output=True,
        text=True,
        timeout=120,
        env=no_pyspark,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Traceback" not in output and "ImportError" not in output
    assert "pip install 'recorrido" in output and "PySpark" in output
