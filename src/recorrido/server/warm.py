"""Answers computed before they are asked: after the data changes, the server's warm worker asks
the likely questions itself, so that the first ask after a load is a kept answer.

``register_warmer(fn)`` adds ``fn(app)``, called in the warm worker thread with the FastAPI app
after each coalesced data change (and once after the server starts). A warmer asks its questions
through the kept answers (``app.state.kept_answers``, holding the workspace with
``app.state.ctx.run`` one question at a time, so the loader can load between them); an answer
already kept costs nothing. The server's own warmer measures the maps of the workspace folder with
the default settings (:func:`warm_measures`), in a lane of its own (:class:`WarmLanes`), so a
long registered warmer never delays the measures.

When the worker runs (see ``docs/server.md``, "Warm answers"):

- after a change, once the data has been still for ``quiet`` seconds (1 s) and no landed file
  waits for the loader (a warm over data about to change would be thrown away), or, under
  sustained load where neither happens, once a change has waited ``max_wait`` seconds (30 s);
- at most one warm at a time; changes during a warm start one more warm when it ends, over the
  newest data;
- paced like the loader: after a warm that took W seconds the next starts no sooner than
  W * (1 - duty) / duty seconds later (duty 0.25: 3 W), but never more than ``max_gap`` (10 s)
  later, so under sustained load a short warm takes about a quarter of the time and a long one
  (the web pages' questions) does not leave the measures cold for minutes;
- superseded: when the data changes during a warm, the warmers not yet started are skipped and a
  new warm starts over (measures first) once the data is still again. A warmer that asks many
  questions should return early when :attr:`WarmWorker.stale` turns true (a newer change, or the
  server stopping) between them: its answers would be for data that is gone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("recorrido.server.warm")

#: The warmers of every server in this process (parts register theirs at import).
_WARMERS: list[Callable[[FastAPI], None]] = []
#: Maps measured per warm, the most recently edited first: each costs about a second at 1M
#: events, and the kept answers hold 32 (``kept_answers.SIZE``) for everything else as well.
MAX_MAPS = 8


def register_warmer(fn: Callable[[FastAPI], None]) -> Callable[[FastAPI], None]:
    """Call ``fn(app)`` in the warm worker after each coalesced data change. Registering the
    same function twice keeps one. Returns ``fn`` (usable as a decorator)."""
    if fn not in _WARMERS:
        _WARMERS.append(fn)
    return fn


def warmers() -> list[Callable[[FastAPI], None]]:
    """The registered warmers, in registration order."""
    return list(_WARMERS)


class WarmWorker:
    """The thread that runs the warmers after data changes (:meth:`changed`)."""

    def __init__(
        self,
        app: FastAPI,
        *,
        quiet: float = 1.0,
        duty: float = 0.25,
        max_gap: float = 10.0,
        max_wait: float = 30.0,
        busy: Callable[[], bool] = lambda: False,
        fns: Callable[[], list[Callable[[FastAPI], None]]] | None = None,
        name: str = "recorrido-warm",
    ) -> None:
        self.app = app
        # what one warm runs: by default the measures then every registered warmer
        self.fns = fns or (lambda: [warm_measures, *_WARMERS])
        self.name = name
        self.quiet = quiet
        self.duty = duty
        self.max_gap = max_gap
        self.max_wait = max_wait
        self.busy = busy
        self.warms = 0
        self.last_seconds = 0.0
        self._changed_at: float | None = None  # monotonic time of the newest change not warmed
        self._waiting_since = 0.0  # ... and of the oldest
        self._not_before = 0.0
        self._cond = threading.Condition()
        self._stop = False
        self._running = False
        self._thread: threading.Thread | None = None

    def changed(self) -> None:
        """The data changed (a load ended): warm once it has been still for a while."""
        with self._cond:
            if self._changed_at is None:
                self._waiting_since = time.monotonic()
            self._changed_at = time.monotonic()
            self._cond.notify_all()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        self.changed()  # the first asks after a start are warm too

    @property
    def stale(self) -> bool:
        """Whether the warm running now is moot: the data changed since it started, or the
        server is stopping. Warmers check it between questions."""
        return self._stop or self._changed_at is not None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker; a warmer that goes on past ``timeout`` is left to end on its own
        (its next use of the closed workspace fails and is logged)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no change waits for a warm and none runs (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._changed_at is not None or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._due():
                    self._cond.wait(self._wait_for())
                if self._stop:
                    return
                self._changed_at = None
                self._running = True
            started = time.monotonic()
            try:
                self.run_once()
            finally:
                spent = time.monotonic() - started
                with self._cond:
                    self._running = False
                    self.warms += 1
                    self.last_seconds = spent
                    gap = min(spent * (1 - self.duty) / self.duty, self.max_gap)
                    self._not_before = time.monotonic() + gap
                    self._cond.notify_all()

    def _due(self) -> bool:
        if self._changed_at is None:
            return False
        now = time.monotonic()
        if now < self._not_before:
            return False
        if now - self._waiting_since >= self.max_wait:  # sustained load: warm all the same
            return True
        if now - self._changed_at < self.quiet:
            return False
        try:
            return not self.busy()
        except Exception:  # a broken check must not stop the warm for good
            log.exception("warm: busy check failed")
            return True

    def _wait_for(self) -> float | None:
        if self._changed_at is None:
            return None  # until a change
        now = time.monotonic()
        wait = max(
            self._not_before - now,
            min(self._changed_at + self.quiet, self._waiting_since + self.max_wait) - now,
        )
        return max(wait, 0.05)  # a busy loader: look again shortly

    def run_once(self) -> None:
        """Every warmer once, in order, the measures first; one that fails is logged and the next
        runs. Stops early when :attr:`stale`."""
        try:
            for fn in self.fns():
                if self.stale:
                    return
                try:
                    fn(self.app)
                except Exception:
                    log.exception("warmer %r failed", fn)
        finally:
            # a warm's large queries leave the allocator holding its peak: hand it back
            ctx = getattr(self.app.state, "ctx", None)
            if ctx is not None:
                try:
                    ctx.return_memory()
                except Exception:
                    log.exception("returning memory after a warm failed")


class WarmLanes:
    """The server's warm worker (``app.state.warm``): two lanes, each a :class:`WarmWorker`.

    The measures (about a second each at 1M events) and the registered warmers (the web pages'
    questions: minutes at 1M on a loaded machine) run in lanes of their own, so a change during
    a long warmer that does not check :attr:`stale` still has its measures warmed within
    seconds instead of after it. Both take the workspace one question at a time, so they
    interleave on it; each lane runs one warm at a time.

    ``collecting()`` tells whether events are streaming in: then the registered warmers wait
    for a pause in the stream (they are never forced by ``max_wait``), while the measures warm
    as before."""

    def __init__(
        self, app: FastAPI, *, collecting: Callable[[], bool] | None = None, **options
    ) -> None:
        self.measures = WarmWorker(
            app, fns=lambda: [warm_measures], name="recorrido-warm-measures", **options
        )
        pages = dict(options)
        if collecting is not None:
            # While events stream in, each load makes the pages' answers moot within seconds
            # and a round over every event takes tens: it would only hold memory and CPU.
            pages.update(busy=collecting, max_wait=float("inf"))
        self.pages = WarmWorker(app, fns=warmers, name="recorrido-warm-registered", **pages)
        self.lanes = (self.measures, self.pages)

    @property
    def warms(self) -> int:
        """Warms of the measures' lane (what ``recorrido measure`` finds kept)."""
        return self.measures.warms

    @property
    def last_seconds(self) -> float:
        return self.measures.last_seconds

    @property
    def stale(self) -> bool:
        """For registered warmers: the data changed since their warm started, or the server
        is stopping."""
        return self.pages.stale

    def changed(self) -> None:
        for lane in self.lanes:
            lane.changed()

    def start(self) -> None:
        for lane in self.lanes:
            lane.start()

    def stop(self) -> None:
        for lane in self.lanes:
            lane.stop()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        return all(lane.wait_idle(max(deadline - time.monotonic(), 0)) for lane in self.lanes)


def workspace_maps(folder: Path) -> list[Path]:
    """The map files the JSON API can be asked about (YAML files directly in the workspace
    folder but its settings), the most recently edited first, at most :data:`MAX_MAPS`."""
    from recorrido.server.api import map_names

    found = [Path(folder) / name for name in map_names(folder)]
    found.sort(key=lambda p: p.stat().st_mtime_ns if p.exists() else 0, reverse=True)
    return found[:MAX_MAPS]


def warm_measures(app: FastAPI) -> None:
    """``measure`` of each workspace map with the default settings, into the kept answers: the
    same question ``recorrido measure MAP -w DIR`` (forwarded) and ``GET
    /api/v1/maps/{name}/measure`` ask. A YAML file that is not a map is skipped."""
    from recorrido.errors import RecorridoError
    from recorrido.server.api import kept_measure

    lanes = getattr(app.state, "warm", None)
    worker = lanes.measures if isinstance(lanes, WarmLanes) else lanes
    for path in workspace_maps(app.state.ctx.folder):
        if worker is not None and worker.stale:
            return
        try:
            kept_measure(app, path)
        except RecorridoError as exc:  # not a map (another YAML file), or not one of this data
            log.debug("warm: %s not measured: %s", path.name, exc.key)
        except Exception:  # the next map is still worth measuring
            log.exception("warm: measuring %s failed", path.name)
