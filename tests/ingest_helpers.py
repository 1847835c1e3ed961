"""What the ingest tests share: the CLI run in-process in a language, and a text file written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner


def cli(*args: object, lang: str = "en"):
    """``recorrido ARGS`` in this process, its messages in ``lang``, on a wide terminal."""
    from recorrido.cli import app

    env = {"RECORRIDO_LANG": lang, "COLUMNS": "200"}
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
