"""The ``recorrido`` console command: ask the running server first, load the command line after.

The command line costs about 1.7 s of imports (Typer, DuckDB, Ibis, pandas) before any work. When
``recorrido serve`` holds the workspace, ``recorrido measure`` is answered by the server, and the
answer needs none of those libraries: this module reads the command line with the standard
library, asks the server (``launcher/ask.py``) and prints what the command prints (the same JSON,
the same Rich tables). Anything it does not recognise exactly (another command or option,
``--help``, another backend, a map outside the workspace folder, no server, a server that does not
answer 200) goes to the whole command line unchanged, which then does what it always does
(including asking the server and wording its errors). So this path can only be faster, never
different.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Spec:
    """What the launcher accepts of one command: its one argument, its options taking a value
    (each name and its aliases), its flags, and how they become the server's question."""

    endpoint: str
    options: dict[str, str]  # spelling on the command line -> parameter name
    flags: dict[str, str] = field(default_factory=dict)


MEASURE = Spec(
    endpoint="/maps/{map}/measure",
    options={
        "--workspace": "workspace",
        "-w": "workspace",
        "--from": "from",
        "--to": "to",
        "--inactivity": "inactivity",
        "--breakdown": "breakdown",
        "--backend": "backend",
    },
    flags={"--json": "json"},
)
COMMANDS = {"measure": MEASURE}
#: The message catalogs ``i18n.message`` reads, in its order, up to the one with the measured
#: map's words (see :func:`_catalogs_alone`).
MEASURE_CATALOGS = (
    "recorrido.journey.messages",
    "recorrido.analytics.messages",
    "recorrido.measured.messages",
)


def main() -> None:
    """The console script: a forwarded answer when the server can give one, else the CLI."""
    status = forwarded(sys.argv[1:])
    if status is not None:
        sys.exit(status)
    from recorrido.cli import app

    sys.exit(app())


def forwarded(argv: list[str]) -> int | None:
    """Print the server's answer to the command in ``argv`` and return the exit status, or
    None (nothing printed) when the whole command line must run it."""
    if os.environ.get("RECORRIDO_NO_FORWARD"):
        return None
    lang_word, rest = _global_options(argv)
    if not rest or rest[0] not in COMMANDS:
        return None
    spec = COMMANDS[rest[0]]
    parsed = _parse(rest[1:], spec)
    if parsed is None:
        return None
    values, argument = parsed
    workspace = values.get("workspace")
    if workspace is None or values.get("backend", "duckdb") != "duckdb":
        return None
    name = _map_name(Path(workspace), Path(argument))
    if name is None:
        return None

    from recorrido.launcher.ask import get, running_server

    info = running_server(workspace)
    if info is None:
        return None
    lang = _language(lang_word, Path(workspace))
    if lang is None:
        return None
    params = {k: v for k, v in values.items() if k in ("from", "to", "inactivity", "breakdown")}
    endpoint = spec.endpoint.format(map=urllib.parse.quote(name))
    try:
        status, body = get(info, endpoint, params, lang)
    except OSError:
        return None
    if status != 200:
        return None  # the command line asks again and words the server's problem as always
    text = body.decode("utf-8")
    if values.get("json"):
        print(text)
        return 0
    _catalogs_alone(MEASURE_CATALOGS)
    from recorrido.launcher.measure_tables import AnsweredMap, show_measured
    from recorrido.launcher.terminal import out

    show_measured(AnsweredMap(json.loads(text)), lang, out)
    return 0


def _global_options(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--lang X`` (the one option before the command) and the words from the command on."""
    lang = None
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        word = argv[index]
        if word == "--lang" and index + 1 < len(argv):
            lang, index = argv[index + 1], index + 2
        elif word.startswith("--lang="):
            lang, index = word.split("=", 1)[1], index + 1
        else:
            return None, []  # --help, --version or anything else: the command line's
    return lang, argv[index:]


def _parse(words: list[str], spec: Spec) -> tuple[dict[str, object], str] | None:
    """The options and the one argument, as Click reads them; None at anything else (an
    unknown or repeated option, a second argument, ``--``, ``--help``)."""
    values: dict[str, object] = {}
    arguments: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-") or word == "-":
            arguments.append(word)
            continue
        name, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in spec.flags and not equals:
            key, value = spec.flags[name], True
        elif name in spec.options:
            if not equals:
                if name.startswith("--") or len(word) == 2:
                    if index >= len(words):
                        return None
                    value, index = words[index], index + 1
                else:
                    return None
            key = spec.options[name]
        elif word[:2] in spec.options and not word.startswith("--") and len(word) > 2:
            key, value = spec.options[word[:2]], word[2:]  # -wDIR
        else:
            return None
        if key in values:
            return None
        values[key] = value
    if len(arguments) != 1:
        return None
    return values, arguments[0]


def _map_name(workspace: Path, map_path: Path) -> str | None:
    """The name the API knows the map by (a YAML file directly in the workspace folder), as
    ``cli/forward.map_name`` says; None for any other map."""
    if map_path.suffix not in (".yaml", ".yml") or not map_path.is_file():
        return None
    if map_path.resolve().parent != workspace.resolve():
        return None
    return map_path.name


def _language(chosen: str | None, workspace: Path) -> str | None:
    """The language the command speaks: ``--lang``, RECORRIDO_LANG, the workspace's setting.
    None when the settings file cannot be read plainly (the command line then says why)."""
    from recorrido.bounded import yaml_safe_load
    from recorrido.i18n import LANGUAGES, resolve_language

    try:
        data = yaml_safe_load((workspace / "recorrido.yaml").read_text(encoding="utf-8")) or {}
    except Exception:  # any problem: the command line reads it and says why
        return None
    if not isinstance(data, dict):
        return None
    setting = data.get("language", "es")
    if setting not in LANGUAGES:
        return None
    return resolve_language(chosen, setting)


def _catalogs_alone(names: tuple[str, ...]) -> None:
    """Load message catalogs without their packages: ``recorrido.measured``'s ``__init__`` loads
    Ibis and pandas (about 1.5 s) to reach ``measured/messages.py``, a plain dictionary. Loaded
    from its file under its own name, ``i18n.message`` finds it in ``sys.modules``."""
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(
            name, root.joinpath(*name.split(".")[1:]).with_suffix(".py")
        )
        if spec is None or spec.loader is None:
            continue  # message() then imports it the usual way
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
