"""The web app: server-rendered pages (Jinja + htmx) over the same objects as the CLI and the JSON
API.

:func:`mount` adds the pages to the server's FastAPI app, whose ``app.state.ctx`` is the
:class:`~recorrido.server.context.WorkspaceContext` every page reads through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Add the web pages (at ``/``) and their static assets (under ``/static``) to ``app``."""
    from recorrido.web import (
        act,
        assets,
        auth,
        explore,
        explore_attribution,
        explore_behaviour,
        explore_insights,
        explore_paths,
        home,
        map_editor,
        map_export,
        map_view,
        settings,
        upload,
        warm_pages,
    )
    from recorrido.web.pages import LoginNeeded, PageError, login_needed, page_error

    for module in (
        assets,
        auth,
        home,
        map_view,
        map_editor,
        map_export,
        explore,
        explore_paths,
        explore_behaviour,
        explore_attribution,
        explore_insights,
        upload,
        act,
        settings,
    ):
        app.include_router(module.router, include_in_schema=False)
    # The pages' own exceptions, so that an API's error handlers never turn a page into JSON.
    app.add_exception_handler(LoginNeeded, login_needed)
    app.add_exception_handler(PageError, page_error)
    # The pages' default answers worked out after each data change (web/warm_pages.py).
    warm_pages.attach(app)
