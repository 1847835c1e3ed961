"""``recorrido customer show|export|forget|retention|audit``: one person's data (GDPR 15, 17, 20).

A person is asked for by any id they are known by (user id, anonymous id or unified customer id);
see :mod:`recorrido.privacy.person` for how their rows are found and docs/privacy.md for the rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import (
    JsonOption,
    WorkspaceOption,
    app,
    fail,
    json_default,
    lang_of,
    out,
)
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.workspace import Workspace

customer_app = typer.Typer(
    no_args_is_help=True,
    help="One person's data: show, export, forget; retention and the audit log. "
    "/ Los datos de una persona: ver, exportar, olvidar; conservación y registro de auditoría.",
)
app.add_typer(customer_app, name="customer")

IdArgument = Annotated[
    str, typer.Argument(help="A user, anonymous or customer id / id del cliente o anónimo")
]
ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Who asks, for the audit log (default: the system user) / quién"),
]


@customer_app.command("show")
def show(customer_id: IdArgument, workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """How many rows each table holds about one person, and the ids linked to them."""
    from recorrido.privacy.person import export_person

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            data = export_person(ws, customer_id)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    counts = {"events": len(data["events"])}
    counts.update({name: len(rows) for name, rows in data["tables"].items()})
    if as_json:
        summary = {k: data[k] for k in ("customer_id", "identifiers", "found")}
        print(json.dumps({**summary, "rows": counts}, ensure_ascii=False))
        return
    if not data["found"]:
        out.print(message("privacy_not_found", lang, id=customer_id), markup=False)
        return
    ids = data["identifiers"]
    linked = ", ".join([*ids["user_ids"], *ids["anonymous_ids"]]) or "—"
    view = Table(title=message("privacy_show_title", lang, id=customer_id, identifiers=linked))
    view.add_column(message("privacy_col_table", lang))
    view.add_column(message("privacy_col_rows", lang), justify="right")
    for name, count in counts.items():
        view.add_row(name, f"{count:,}")
    out.print(view)


@customer_app.command("export")
def export(
    customer_id: IdArgument,
    workspace: WorkspaceOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSON file (default: stdout) / archivo")
    ] = None,
) -> None:
    """Everything held about one person, as JSON (on stdout, or in --output)."""
    from recorrido.privacy.person import export_person

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            data = export_person(ws, customer_id)
    except RecorridoError as exc:
        fail(exc, output is None, lang)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=json_default)
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    rows = len(data["events"]) + sum(len(r) for r in data["tables"].values())
    out.print(message("privacy_exported", lang, id=customer_id, rows=rows, path=output))


@customer_app.command("forget")
def forget(
    customer_id: IdArgument,
    workspace: WorkspaceOption,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm / confirmar")] = False,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove one person everywhere (linked ids included), keep them out of later ingests."""
    from recorrido.privacy.person import forget_person

    lang = lang_of()
    if not yes:
        fail(RecorridoError("privacy_forget_confirm", id=customer_id), as_json, lang)
    try:
        with Workspace.open(workspace) as ws:
            lang = lang_of(ws)
            result = forget_person(ws, customer_id, actor)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    if not result["found"]:
        out.print(message("privacy_not_found", lang, id=customer_id), markup=False)
        return
    rows = sum(result["rows_removed"].values())
    done = message(
        "privacy_forgotten", lang, id=customer_id, rows=rows, request=result["request_id"]
    )
    out.print(f"[green]✓[/] {done}")


@customer_app.command("retention")
def retention(
    workspace: WorkspaceOption,
    months: Annotated[
        int | None,
        typer.Option(min=1, help="Keep this many months (default: retention_months) / meses"),
    ] = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete events older than the retention period; the count goes to the audit log."""
    from recorrido.privacy.retention import apply_retention

    lang = lang_of()
    try:
        with Workspace.open(workspace) as ws:
            lang = lang_of(ws)
            result = apply_retention(ws, months, actor)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    done = message(
        "privacy_retention_done",
        lang,
        months=result["months"],
        removed=result["events_removed"],
        cutoff=result["cutoff"][:10],
    )
    out.print(f"[green]✓[/] {done}")


@customer_app.command("audit")
def audit(workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """The privacy requests carried out: when, who, what, how many rows (no personal data)."""
    from recorrido.privacy.ledger import audit_entries

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            entries = audit_entries(ws.con)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(entries, ensure_ascii=False, default=json_default))
        return
    if not entries:
        out.print(message("privacy_audit_empty", lang))
        return
    view = Table(title=message("privacy_audit_title", lang))
    for key in ("privacy_col_when", "privacy_col_who", "privacy_col_action", "privacy_col_request"):
        view.add_column(message(key, lang))
    view.add_column(message("privacy_col_rows", lang))
    for entry in entries:
        counts = ", ".join(f"{k}: {v}" for k, v in entry["counts"].items()) or "0"
        when = entry["at"].isoformat(timespec="seconds")
        view.add_row(when, entry["actor"], entry["action"], entry["request_id"], counts)
    out.print(view)
