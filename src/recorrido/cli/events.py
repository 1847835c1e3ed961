"""Commands on the event store: ``init | ingest | quarantine | query | demo``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recorrido.cli.common import (
    JsonOption,
    WorkspaceOption,
    app,
    err,
    fail,
    json_default,
    lang_of,
    out,
)
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.workspace import Workspace

T = TypeVar("T")
PROGRESS_BYTES = 20 * 1024 * 1024


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder to create / carpeta a crear")],
    timezone: Annotated[
        str, typer.Option(help="Time zone of timestamps without offset / zona horaria")
    ] = "UTC",
    language: Annotated[str | None, typer.Option(help="es | en")] = None,
) -> None:
    """Create a workspace: a folder with a DuckDB database and a settings file."""
    lang = lang_of()
    try:
        with Workspace.init(folder, timezone=timezone, language=language or lang):
            pass
    except RecorridoError as exc:
        fail(exc, False, lang)
    out.print(f"[green]✓[/] {message('workspace_created', lang, path=folder)}")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet, NDJSON or Segment JSON")],
    workspace: WorkspaceOption,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", "-c", help="FIELD=COLUMN, e.g. event=Action (repeatable)"),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping file (YAML/JSON) / archivo de asignación")
    ] = None,
    format: Annotated[
        str | None, typer.Option(help="csv | parquet | ndjson | segment (default: by suffix)")
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: sniffed)")] = None,
    encoding: Annotated[str | None, typer.Option(help="CSV encoding, e.g. utf-16, latin-1")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Zone of naive timestamps (default: workspace's)")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest files into the workspace's event table (all or nothing)."""
    lang = lang_of()
    try:
        with Workspace.open(workspace) as ws:
            lang = lang_of(ws)

            def job():
                return ws.ingest(
                    files,
                    mapping=mapping,
                    columns=column or None,
                    format=format,
                    delimiter=delimiter,
                    encoding=encoding,
                    timezone=timezone,
                )

            big = sum(f.stat().st_size for f in files if f.is_file()) >= PROGRESS_BYTES
            report = _with_progress(ws, job, lang) if big and not as_json else job()
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    for item in report.files:
        out.print(f"  {message('ingest_file_line', lang, **_file_counts(item))}", highlight=False)
    counts = {
        k: f"{getattr(report, k):,}".replace(",", "." if lang == "es" else ",")
        for k in ("rows_read", "ingested", "duplicates", "quarantined")
    }
    out.print(f"[green]✓[/] {message('ingest_summary', lang, **counts)}", highlight=False)
    if report.quarantined:
        out.print(f"  {message('ingest_quarantine_hint', lang, workspace=workspace)}")


def _file_counts(item) -> dict:
    return {
        "file": item.file,
        "format": item.format,
        "rows_read": item.rows_read,
        "ingested": item.ingested,
        "duplicates": item.duplicates,
        "quarantined": item.quarantined,
    }


def _with_progress(ws: Workspace, job: Callable[[], T], lang: str) -> T:
    """Run ``job`` while a bar follows DuckDB's progress on the query it is running."""
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = job()
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(message("ingest_progress", lang), total=100)
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
            try:
                done = ws.con.con.query_progress()
            except Exception:  # progress is best effort; the job itself reports errors
                done = -1
            if done >= 0:
                progress.update(task, completed=done)
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]  # type: ignore[return-value]


@app.command()
def quarantine(
    workspace: WorkspaceOption,
    limit: Annotated[int, typer.Option(help="Rows to show / filas a mostrar")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List the rows ingest refused, with file, row, column and reason."""
    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            table = ws.quarantine
            total = int(table.count().execute())
            rows = (
                table.order_by(["ingest_id", "file", "row"]).limit(limit).to_pyarrow().to_pylist()
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    for row in rows:
        row["reason"] = message(f"reason_{row['reason_code']}", lang, detail=row["detail"] or "")
    if as_json:
        print(json.dumps({"total": total, "rows": rows}, ensure_ascii=False, default=str))
        return
    if not total:
        out.print(message("quarantine_empty", lang))
        return
    view = Table(title=message("quarantine_title", lang, count=total))
    for key in ("col_file", "col_row", "col_column", "col_reason"):
        view.add_column(message(key, lang))
    for row in rows:
        view.add_row(row["file"], str(row["row"]), row["column"] or "", row["reason"])
    out.print(view)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="One read-only SQL statement")],
    workspace: WorkspaceOption,
    as_json: JsonOption = False,
) -> None:
    """Run a read-only SQL query over events, customers, quarantine, ingest_log."""
    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            result = ws.query(sql)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    rows = result.to_pylist()
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, default=json_default))
        return
    view = Table(caption=message("query_rows", lang, count=len(rows)))
    for name in result.column_names:
        view.add_column(name)
    for row in rows:
        view.add_row(*("" if v is None else str(v) for v in row.values()))
    out.print(view)


@app.command()
def demo(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Where to build the demo workspace")
    ] = Path("recorrido-demo"),
) -> None:
    """Ingest the bundled real dataset (OTTO sample) and show what it holds."""
    from recorrido.demo import run_demo

    lang = lang_of()
    try:
        run_demo(workspace, lang, out)
    except RecorridoError as exc:
        fail(exc, False, lang)
