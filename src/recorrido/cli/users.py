"""``recorrido users add|list|remove``: the people who may use the web app, and their roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import WorkspaceOption, app, err, fail, lang_of, out
from recorrido.errors import RecorridoError
from recorrido.i18n import message
from recorrido.settings import SETTINGS_FILE

users_app = typer.Typer(
    no_args_is_help=True,
    help="Web app users and roles (viewer, editor, admin) / usuarios de la aplicación web",
)
app.add_typer(users_app, name="users")


def _store(workspace):
    from recorrido.web.users import UserStore

    if not (workspace / SETTINGS_FILE).exists():
        raise RecorridoError("workspace_missing", path=str(workspace))
    return UserStore(workspace)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name / nombre de usuario")],
    workspace: WorkspaceOption,
    role: Annotated[str, typer.Option(help="viewer | editor | admin")] = "viewer",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="RECORRIDO_PASSWORD",
            help="Password (else asked for; or RECORRIDO_PASSWORD) / contraseña",
        ),
    ] = None,
) -> None:
    """Add a user (or change an existing user's password and role)."""
    lang = lang_of()
    try:
        store = _store(workspace)
        if password is None:
            password = typer.prompt("Password / contraseña", hide_input=True)
            again = typer.prompt("Again / otra vez", hide_input=True)
            if again != password:
                err.print(message("web_passwords_differ", lang))
                raise typer.Exit(1)
        user = store.add(name, password, role)
    except RecorridoError as exc:
        fail(exc, False, lang)
    out.print(message("web_user_added", lang, name=user.name, role=user.role), highlight=False)


@users_app.command("list")
def list_users(workspace: WorkspaceOption) -> None:
    """List the users and their roles (never their passwords)."""
    lang = lang_of()
    try:
        users = _store(workspace).all()
    except RecorridoError as exc:
        fail(exc, False, lang)
    if not users:
        out.print(message("web_users_none", lang, path=str(workspace)), highlight=False)
        return
    view = Table()
    for key in ("name", "role", "created"):
        view.add_column(message(f"web_users_col_{key}", lang))
    for user in users:
        view.add_row(user.name, user.role, user.created_at)
    out.print(view)


@users_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="User name / nombre de usuario")],
    workspace: WorkspaceOption,
) -> None:
    """Remove a user; their sessions stop working at once."""
    lang = lang_of()
    try:
        removed = _store(workspace).remove(name)
    except RecorridoError as exc:
        fail(exc, False, lang)
    if not removed:
        err.print(message("web_user_missing", lang, name=name), highlight=False)
        raise typer.Exit(1)
    out.print(message("web_user_removed", lang, name=name), highlight=False)
