"""``create_app``: the one ASGI app of ``recorrido serve``.

It holds the workspace (``app.state.ctx``, the process's one DuckDB writer), the collection API
under ``/v1`` with its landing log and loader, the JSON API under ``/api/v1``, and, when those
parts exist, the web pages (``recorrido.web.mount``) and the automation worker
(``recorrido.automations.worker.attach``).

Parts that need to start or stop with the server append callables to ``app.state.on_start`` /
``app.state.on_stop`` (each called with the app); ``app.state.after_load`` holds callables
``fn(workspace)`` that the loader calls after each load of landed calls. ``app.state.warm`` is the
warm worker (``warm.py``; None with ``warm=False``): ``changed()`` tells it the data or a map
changed; parts add their questions with ``warm.register_warmer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from recorrido.server.answers import install_answers
from recorrido.server.collect import CollectFastPath, Collector
from recorrido.server.collect import router as collect_router
from recorrido.server.context import WorkspaceContext
from recorrido.server.docs_page import install_docs
from recorrido.server.kept_answers import KeptAnswers
from recorrido.server.keys import KeyStore
from recorrido.server.landing import REFUSED, LandingLog, ready_files
from recorrido.server.limits import RateLimiter
from recorrido.server.loader import Loader
from recorrido.server.warm import WarmLanes

log = logging.getLogger("recorrido.server")
#: Seconds without a collected call or load after which the stream counts as paused and the
#: web pages' answers are warmed (the loader loads at least every 2 s while calls come in).
COLLECTION_PAUSE = 5.0


def create_app(
    folder: str | Path,
    *,
    rate_limit: float = 5000.0,
    rate_burst: float | None = None,
    load_interval: float = 0.25,
    rotate_age: float = 0.5,
    local_token: str | None = None,
    parts: bool = True,
    collect_only: bool = False,
    warm: bool = True,
) -> FastAPI:
    """The server app for the workspace in ``folder``.

    ``rate_limit``: requests per second per key (token bucket; 0 turns it off). ``load_interval``
    and ``rotate_age``: how often the loader looks for landed calls and how old the open landing
    file must be before it is closed (together they bound how fresh ``events`` is).
    ``local_token``: a token that reads the JSON API (the one in ``DIR/server.json``).
    ``parts``: mount the web app and the automation worker when installed.
    ``collect_only``: a collector beside the server that holds the workspace (scale-out): only
    the collection API; it lands calls in the shared landing folder and closes its files there,
    and the workspace's server loads them. It never opens the database.
    ``warm``: after each load (and the start), compute the likely answers in the background
    (``warm.py``), so the first ask after a data change is a kept answer.
    """
    folder = Path(folder)
    landing = LandingLog(folder)
    refused = LandingLog(folder, root=REFUSED)
    if collect_only:
        return _collector_app(folder, landing, refused, rate_limit, rate_burst, rotate_age)
    ctx = WorkspaceContext(folder)
    loader = Loader(
        ctx, landing, [], interval=load_interval, rotate_age=rotate_age, refused=refused
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        switch = _short_switch_interval()
        loader.start()
        if worker is not None:
            worker.start()
        for start in list(app.state.on_start):
            await _maybe_await(start(app))
        # What exists now (modules, the app, its routes: some 200,000 objects) lives as long as
        # the server: out of the collector's sight, a full collection takes well under a
        # millisecond instead of some 100 ms, during which no request is served.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            for stop in reversed(list(app.state.on_stop)):
                try:
                    await _maybe_await(stop(app))
                except Exception:
                    log.exception("stopping %r failed", stop)
            if worker is not None:
                worker.stop()
            loader.stop()
            ctx.close()
            sys.setswitchinterval(switch)

    app = FastAPI(
        title="recorrido",
        summary="Collection API (Segment-compatible) and JSON API over a journey workspace.",
        lifespan=lifespan,
        docs_url=None,  # our own /docs: Swagger UI would load its scripts from a CDN
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.after_load = loader.after_load
    app.state.on_start = []
    app.state.on_stop = []
    app.state.loader = loader
    app.state.kept_answers = KeptAnswers()
    # The warm worker hears of each load from the loader; it waits while landed files are ready
    # to load (the data is about to change again).
    worker = (
        WarmLanes(
            app,
            busy=lambda: bool(ready_files(folder)),
            collecting=lambda: loader.collecting(COLLECTION_PAUSE),
        )
        if warm
        else None
    )
    app.state.warm = worker
    if worker is not None:
        loader.after_load.append(lambda _ws: worker.changed())
    app.state.collector = Collector(
        keys=KeyStore(folder),
        landing=landing,
        limiter=RateLimiter(rate_limit, rate_burst),
        local_token=local_token,
        refused=refused,
    )
    install_answers(app)
    app.include_router(collect_router)
    app.add_middleware(CollectFastPath)
    _include_json_api(app)
    _security_schemes(app)
    install_docs(app)
    if parts:
        _attach("recorrido.web", "mount", app)
        _attach("recorrido.automations.worker", "attach", app)
    return app


def _collector_app(
    folder: Path,
    landing: LandingLog,
    refused: LandingLog,
    rate_limit: float,
    rate_burst: float | None,
    rotate_age: float,
) -> FastAPI:
    """The collection API alone, closing its landing files every ``rotate_age`` seconds."""

    async def close_files() -> None:
        while True:
            await asyncio.sleep(rotate_age / 2)
            await run_in_threadpool(landing.rotate, rotate_age)
            await run_in_threadpool(refused.rotate, rotate_age)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(close_files())
        try:
            yield
        finally:
            task.cancel()
            landing.close()
            refused.close()

    app = FastAPI(title="recorrido collector", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.collector = Collector(
        keys=KeyStore(folder),
        landing=landing,
        limiter=RateLimiter(rate_limit, rate_burst),
        refused=refused,
    )
    install_answers(app)
    app.include_router(collect_router)
    app.add_middleware(CollectFastPath)
    _security_schemes(app)
    install_docs(app)
    return app


def _short_switch_interval() -> float:
    """Shorten how long a thread may hold the GIL while another waits for it; the old value.

    The event loop gives up the GIL at every system call (socket, fsync wake-up) and then waits
    for it while the loader runs Python (an ingest builds and compiles its queries for a few
    tenths of a second): by default up to 5 ms each time, which is what a request's latency
    grew by. 1 ms keeps those waits short at the cost of more switches for the loader."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, 0.001))
    return previous


async def _maybe_await(value: object) -> None:
    if hasattr(value, "__await__"):
        await value  # type: ignore[misc]


def _include_json_api(app: FastAPI) -> None:
    try:
        api = importlib.import_module("recorrido.server.api")
    except ModuleNotFoundError:
        return
    app.include_router(api.health_router)
    app.include_router(api.router)


def _attach(module_name: str, function: str, app: FastAPI) -> None:
    """Call ``module.function(app)`` when that part is installed."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return  # the part does not exist (yet)
        raise
    hook = getattr(module, function, None)
    if hook is not None:
        hook(app)


def _security_schemes(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["writeKey"] = {
            "type": "http",
            "scheme": "basic",
            "description": "The write key as the user name, no password (as Segment).",
        }
        schemes["readToken"] = {"type": "http", "scheme": "bearer"}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
