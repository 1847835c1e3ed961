"""Commands on the event store: ``init | ingest | quarantine | query | demo``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
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
from recorrido.events import ingest_steps
from recorrido.events.external import would_quarantine
from recorrido.events.mapping import parse_column_options
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
    connection: Annotated[
        str | None,
        typer.Option(help="Keep the tables there, e.g. postgresql://user@host:5432/db"),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option(help="PostgreSQL schema for this workspace (default: the folder's name)"),
    ] = None,
    events_table: Annotated[
        str | None,
        typer.Option(help="Read events in place: SCHEMA.TABLE, or a Parquet folder (DuckDB)"),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", "-c", help="FIELD=COLUMN of --events-table (repeatable)"),
    ] = None,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Store a keyed hash instead of each customer/anonymous id / seudonimizar ids",
        ),
    ] = False,
) -> None:
    """Create a workspace: a folder with a settings file and a DuckDB database (or its tables in
    --connection; see docs/scale.md)."""
    lang = lang_of()
    try:
        with Workspace.init(
            folder,
            timezone=timezone,
            language=language or lang,
            connection=connection,
            connection_schema=schema,
            events_table=events_table,
            events_columns=parse_column_options(column or []),
            pseudonymise=pseudonymise,
        ) as ws:
            checked = would_quarantine(ws.con) if events_table else None
    except RecorridoError as exc:
        fail(exc, False, lang)
    out.print(f"[green]✓[/] {message('workspace_created', lang, path=folder)}")
    if pseudonymise:
        said = message("pseudonymise_on", lang, path=folder / "privacy.key")
        out.print(f"  [green]✓[/] {escape(said)}")
    if checked is not None:  # nothing was moved: say what an ingest would have refused
        for name, count in checked.per_column.items():
            line = message(
                "scale_would_quarantine", lang, column=name, count=count, total=checked.total
            )
            out.print(f"  {'[yellow]!' if count else '[green]✓'}[/] {escape(line)}")


@app.command()
def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="CSV, Parquet, NDJSON, Segment JSON or XES (.xes, .xes.gz)")
    ],
    workspace: WorkspaceOption,
    column: Annotated[
        list[str] | None,
        typer.Option("--column", "-c", help="FIELD=COLUMN, e.g. event=Action (repeatable)"),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping file (YAML/JSON) / archivo de asignación")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(help="csv | parquet | ndjson | segment | xes (default: by suffix)"),
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: sniffed)")] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding, e.g. latin-1, utf-16 (default: detected) / codificación"),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Zone of naive timestamps (default: workspace's)")
    ] = None,
    timestamp_format: Annotated[
        str | None,
        typer.Option(
            help="strptime layout of the timestamps, e.g. '%d/%m/%Y %H:%M' / formato de fecha"
        ),
    ] = None,
    timestamp_unit: Annotated[
        str | None, typer.Option(help="Epoch numbers in s, ms or us / fechas como números")
    ] = None,
    decimal_separator: Annotated[
        str | None, typer.Option(help="'.' or ',' (19,99) / separador decimal")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest files into the workspace's event table (all or nothing)."""
    from recorrido.events.advice import advice, mostly_refused, nothing_stored

    lang = lang_of()
    try:
        with Workspace.open(workspace) as ws:
            lang = lang_of(ws)
            chosen = _mapping_with_flags(
                mapping, timestamp_format, timestamp_unit, decimal_separator
            )

            def job():
                return ws.ingest(
                    files,
                    mapping=chosen,
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
    hints = advice(report, lang, str(workspace))
    failed = nothing_stored(report)
    if as_json:
        print(json.dumps({**report.to_dict(), "advice": hints}, ensure_ascii=False))
        if failed:
            raise typer.Exit(1)
        return
    for item in report.files:
        line = message("ingest_file_line", lang, **_file_counts(item))
        out.print(f"  {escape(line)}{escape(_how_read(item, lang))}", highlight=False)
        for column, count in item.null_like_ids.items():
            said = message("events_null_like_ids_line", lang, column=column, count=count)
            out.print(f"    {escape(said)}", highlight=False)
        for warning in item.warnings:
            said = message(
                warning["code"], lang, **{k: v for k, v in warning.items() if k != "code"}
            )
            out.print(f"  [bold yellow]![/] {escape(said)}", highlight=False)
    counts = {
        k: f"{getattr(report, k):,}".replace(",", "." if lang == "es" else ",")
        for k in ("rows_read", "ingested", "duplicates", "quarantined")
    }
    summary = escape(message("ingest_summary", lang, **counts))
    if report.conflicts:
        conflicts = message("events_conflicts_line", lang, conflicts=report.conflicts)
        out.print(f"  {escape(conflicts)}", highlight=False)
    forgotten = sum(getattr(f, "forgotten", 0) for f in report.files)  # privacy: left out
    if forgotten:
        out.print(message("privacy_ingest_forgotten", lang, rows=forgotten), markup=False)
    if failed:
        err.print(f"[bold red]✗[/] {summary}", highlight=False)
    elif mostly_refused(report):
        out.print(f"[bold yellow]![/] {summary}", highlight=False)
    else:
        out.print(f"[green]✓[/] {summary}", highlight=False)
    for hint in hints:
        (err if failed else out).print(f"  {escape(hint)}", highlight=False)
    if report.quarantined and not hints:
        out.print(f"  {escape(message('ingest_quarantine_hint', lang, workspace=workspace))}")
    if failed:
        raise typer.Exit(1)


def _mapping_with_flags(
    mapping: Path | None,
    timestamp_format: str | None,
    timestamp_unit: str | None,
    decimal_separator: str | None,
):
    """The mapping file's options with the command line's on top (the flags win)."""
    from pydantic import ValidationError

    from recorrido.events.mapping import ColumnMapping, load_mapping_file

    base = load_mapping_file(mapping) if mapping else ColumnMapping()
    flags = {
        key: value
        for key, value in (
            ("timestamp_format", timestamp_format),
            ("timestamp_unit", timestamp_unit),
            ("decimal_separator", decimal_separator),
        )
        if value is not None
    }
    if not flags:
        return base
    try:
        return base.merged(ColumnMapping(**flags))
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'-'.join(str(p) for p in e['loc']).replace('_', '-')}: {e['msg']}"
            for e in exc.errors()
        )
        raise RecorridoError("mapping_file_invalid", file="--", detail=problems) from exc


def _how_read(item, lang: str) -> str:
    """How a file was read when it was not plain UTF-8 with the stated layouts (', read as ...')."""
    notes = []
    if item.encoding:
        notes.append(message("events_read_as_encoding", lang, encoding=item.encoding))
    if "timestamp_format" in item.recognised:
        notes.append(
            message("events_read_time_format", lang, format=item.recognised["timestamp_format"])
        )
    if "decimal_separator" in item.recognised and item.recognised["decimal_separator"] == ",":
        notes.append(message("events_read_decimal_comma", lang))
    return f" ({'; '.join(notes)})" if notes else ""


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
    """Run ``job`` while a bar follows DuckDB's progress on the query it is running, named by
    the ingest's step (``events/ingest_steps.py``)."""
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
            step = ingest_steps.current(ws.con)
            if step is not None:
                k, n, name = step
                words = message(f"ingest_step_{name}", lang)
                description = message("ingest_progress_step", lang, k=k, n=n, step=words)
                progress.update(task, description=description)
            if done >= 0:
                progress.update(task, completed=done)
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]  # type: ignore[return-value]


@app.command()
def quarantine(
    workspace: WorkspaceOption,
    limit: Annotated[int, typer.Option(help="Rows to show / filas a mostrar")] = 50,
    ingest_id: Annotated[
        int | None, typer.Option("--ingest", help="Only this ingest / solo esta importación")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the rows ingest refused, with their ingest (id and time), file, row, column and
    reason."""
    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            table = ws.quarantine
            if ingest_id is not None:
                table = table.filter(table.ingest_id == ingest_id)
            total = int(table.count().execute())
            log = ws.ingest_log.select("ingest_id", ingested_at="finished_at")
            rows = (
                table.left_join(log, "ingest_id")
                .select(*table.columns, "ingested_at")
                .order_by(["ingest_id", "file", "row"])
                .limit(limit)
                .to_pyarrow()
                .to_pylist()
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    for row in rows:
        row["reason"] = message(f"reason_{row['reason_code']}", lang, detail=row["detail"] or "")
        when = row["ingested_at"]
        row["ingested_at"] = when.strftime("%Y-%m-%d %H:%M:%S") if when is not None else None
    if as_json:
        print(json.dumps({"total": total, "rows": rows}, ensure_ascii=False, default=str))
        return
    if not total:
        out.print(message("quarantine_empty", lang))
        return
    view = Table(title=escape(message("quarantine_title", lang, count=total)))
    for key in (
        "events_col_ingest",
        "events_col_ingested_at",
        "col_file",
        "col_row",
        "col_column",
        "col_reason",
    ):
        view.add_column(message(key, lang))
    for row in rows:
        view.add_row(
            str(row["ingest_id"]),
            row["ingested_at"] or "",
            escape(row["file"] or ""),
            str(row["row"]),
            escape(row["column"] or ""),
            escape(row["reason"]),
        )
    out.print(view)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="One read-only SQL statement")],
    workspace: WorkspaceOption,
    as_json: JsonOption = False,
    timeout: Annotated[
        float, typer.Option(help="Stop the query after this many seconds / tiempo máximo (s)")
    ] = 60.0,
) -> None:
    """Run a read-only SQL query over events, customers, quarantine, ingest_log."""
    from recorrido.cli.forward import ask_server
    from recorrido.events.query import DEFAULT_TIMEOUT_SECONDS

    lang = lang_of()
    try:
        # A running server answers (with its own, default, time limit): the rows' JSON, or for
        # the table the column names and each cell as written below (``table=true``).
        if timeout == DEFAULT_TIMEOUT_SECONDS:
            answer = ask_server(
                workspace, "/query", {"sql": sql} if as_json else {"sql": sql, "table": "true"}
            )
            if answer is not None and as_json:
                print(answer.text)
                return
            if answer is not None:
                shown = answer.data
                _show_query(shown["columns"], shown["rows"], answer.lang)
                return
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            result = ws.query(sql, timeout=timeout)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    rows = result.to_pylist()
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, default=json_default))
        return
    cells = [["" if v is None else str(v) for v in row.values()] for row in rows]
    _show_query(result.column_names, cells, lang)


def _show_query(columns: list[str], rows: list[list[str]], lang: str) -> None:
    """The result's table (the same whether the rows came from here or the server)."""
    view = Table(caption=message("query_rows", lang, count=len(rows)))
    for name in columns:
        view.add_column(name)
    for row in rows:
        view.add_row(*row)
    out.print(view)


@app.command()
def demo(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Where to build the demo workspace")
    ] = Path("recorrido-demo"),
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="Then open the workspace in the web app / abrirlo en la aplicación web"
        ),
    ] = False,
    port: Annotated[int, typer.Option(help="Port for --serve / puerto")] = 8321,
    customers: Annotated[
        int,
        typer.Option(
            help="Customers of the generated shop, 0 for the real sample alone / clientes de la "
            "tienda generada, 0 para solo la muestra real"
        ),
    ] = 30_000,
    seed: Annotated[int, typer.Option(help="Seed of the generated shop / semilla")] = 2022,
) -> None:
    """Ingest the bundled real OTTO sample and a generated shop, measure the map, write the
    report."""
    from recorrido.demo import DEMO_MAP, run_demo

    lang = lang_of()
    try:
        run_demo(workspace, lang, out, customers=customers, seed=seed)
    except RecorridoError as exc:
        fail(exc, False, lang)
    if serve:
        from recorrido.cli.serve import serve as serve_command
        from recorrido.web.users import UserStore

        users = UserStore(workspace)
        if not users.all():
            import secrets

            password = secrets.token_urlsafe(12)
            users.add("admin", password, role="admin")
            # Printed once: only its hash is kept in users.json.
            out.print(message("demo_admin_created", lang, user="admin", password=password))
        out.print(message("demo_open_map", lang, url=f"http://127.0.0.1:{port}/maps/{DEMO_MAP}"))
        serve_command(workspace=workspace, host="127.0.0.1", port=port)
