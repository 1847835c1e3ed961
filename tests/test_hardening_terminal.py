"""Text from data reaches the terminal as text: never markup, a link or an escape sequence.

Event names and channels in ``tests/files/hostile/markup_events.csv`` hold Rich markup (``[/]``,
``[link=...]``, ``[bold]``), an install hint (``recorrido[export]``), an OSC 8 hyperlink and ANSI
screen-clearing sequences. Every command that shows them must print them literally.
"""

from __future__ import annotations

import pytest
from rich.text import Text
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app
from recorrido.cli.common import clean_text, safe_markup
from tests.conftest import FILES

LINK = "[link=http://evil.example]click[/link]"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("terminal") / "ws"
    with Workspace.init(folder, language="en") as ws:
        report = ws.ingest(FILES / "hostile" / "markup_events.csv")
        assert report.ingested == 6
    runner = CliRunner()
    done = runner.invoke(app, ["map", "discover", "-w", str(folder), "-o", str(folder / "m.yaml")])
    assert done.exit_code == 0, done.output
    return folder


def run(*args: str):
    runner = CliRunner()
    return runner.invoke(app, ["--lang", "en", *args], env={"COLUMNS": "300"})


def shown(done) -> str:
    assert done.exit_code == 0, done.output
    assert done.exception is None
    assert "\x1b" not in done.output and "\x07" not in done.output
    return done.output


@pytest.mark.parametrize(
    "command",
    [
        ["query", "SELECT event, channel FROM events ORDER BY timestamp, event"],
        ["paths"],
        ["paths", "--steps", "3", "--matrix", "--variants", "3"],
        ["funnel", "--steps", f"[/],{LINK}"],
        ["sessions"],
        ["retention"],
    ],
    ids=lambda c: "-".join(c[:2]).split(" ")[0],
)
def test_data_prints_literally(hostile, command):
    text = shown(run(*command, "-w", str(hostile)))
    if command[0] in ("query", "paths", "funnel"):
        assert "[/]" in text
        assert LINK in text or "[link=http://evil.example]" in text


def test_query_shows_every_hostile_value_visibly(hostile):
    text = shown(run("query", "SELECT event, channel FROM events", "-w", str(hostile)))
    for literal in ("[bold]web", "[/]app", "recorrido[export]", "\\x1b]8;;http://evil.example"):
        assert literal in text
    assert "\\x1b[2J" in text


def test_map_commands_on_hostile_names(hostile):
    map_file = str(hostile / "m.yaml")
    for command in (["measure", map_file], ["map", "check", map_file], ["friction", map_file]):
        shown(run(*command, "-w", str(hostile)))


def test_an_error_naming_hostile_values_is_text_too(hostile):
    done = run("attribution", "-w", str(hostile))  # no 'purchase' event: suggests the names
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit)
    assert "\x1b" not in done.output
    assert "[/]" in done.output and "recorrido[export]" in done.output


def test_the_helpers():
    assert clean_text("a\x1b[31mb\x07\u202ec\n\t") == "a\\x1b[31mb\\x07\\u202ec\n\t"
    styled = safe_markup("[green]✓[/] pip install recorrido[spark] [link=http://x]y[/link]")
    assert isinstance(styled, Text)
    assert styled.plain == "✓ pip install recorrido[spark] [link=http://x]y[/link]"
    assert safe_markup("[bold]ok[/] then [/] from data").plain == "[bold]ok[/] then [/] from data"


def test_text_a_command_escaped_itself_is_not_escaped_twice():
    from rich.markup import escape

    hint = escape("pip install 'recorrido[export]' [/] [link=x]y")
    assert (
        safe_markup(f"[green]✓[/] {hint}").plain
        == "✓ pip install 'recorrido[export]' [/] [link=x]y"
    )


def test_a_long_id_in_a_table_is_wrapped_whole_not_cut() -> None:
    import io

    from rich.table import Table

    from recorrido.cli.common import SafeConsole

    long_id = "customer-0123456789-abcdefghij-0123456789-abcdefghij"
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, width=40, color_system=None)
    table = Table("customer", "events")
    table.add_row(long_id, "3")
    console.print(table)
    shown = buffer.getvalue()
    assert "…" not in shown
    cells = "".join(line.split("│")[1].strip() for line in shown.splitlines() if "│" in line)
    assert long_id in cells
