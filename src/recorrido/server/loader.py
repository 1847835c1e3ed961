"""The loader: closed landing files into the workspace, through ``recorrido ingest``'s own path.

Every ``interval`` seconds the loader closes this process's open landing file (when it is at
least ``rotate_age`` old), then ingests every file in ``landing/ready/`` with
``Workspace.ingest(files, format="segment")``: the same reading, validation, quarantine,
``messageId`` de-duplication and identity stitching as a file ingested by hand. Loaded files move
to ``landing/loaded/``. A crash between the ingest and the move re-loads the file on restart; the
ingest log names the files it took, so such a file is skipped (and de-duplication by
``messageId`` would keep the events once even so). After each load the ``after_load`` hooks run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from recorrido.errors import RecorridoError
from recorrido.server.context import WorkspaceContext
from recorrido.server.landing import FAILED, LOADED, LandingLog, move_to, ready_files, recover

log = logging.getLogger("recorrido.server.loader")


@dataclass
class LoaderStats:
    loads: int = 0
    files: int = 0
    ingested: int = 0
    duplicates: int = 0
    quarantined: int = 0
    last_load_seconds: float = 0.0
    #: Seconds from a file's closing to the end of its load, for the last load.
    last_lag_seconds: float = 0.0
    max_lag_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


class Loader:
    def __init__(
        self,
        ctx: WorkspaceContext,
        landing: LandingLog | None,
        after_load: list[Callable],
        *,
        interval: float = 0.25,
        rotate_age: float = 0.5,
    ) -> None:
        self.ctx = ctx
        self.landing = landing
        self.after_load = after_load
        self.interval = interval
        self.rotate_age = rotate_age
        self.stats = LoaderStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        recover(self.ctx.folder)
        self._thread = threading.Thread(target=self._loop, name="recorrido-loader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop, close the open file and load what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.landing is not None:
            self.landing.close()
        self.load_ready()

    def _loop(self) -> None:
        rounds = 0
        while not self._stop.is_set():
            rounds += 1
            try:
                if rounds % 40 == 0:  # now and then: files of collectors that died meanwhile
                    recover(self.ctx.folder)
                if self.landing is not None and self.landing.rotate(self.rotate_age):
                    self.landing.flush()  # the closed file is in ready/ for this round
                self.load_ready()
            except Exception:  # a loader that dies silently would stop all loading
                log.exception("landing load failed; retrying")
            self._stop.wait(self.interval)

    def load_ready(self) -> int:
        """Ingest the files waiting in ``ready/``; the number of files handled."""
        files = ready_files(self.ctx.folder)
        if not files:
            return 0
        started = time.perf_counter()
        already = self.ctx.run(_loaded_names, [f.name for f in files])
        folders = self.landing.folders if self.landing else None
        loaded_folder = (folders or _folders(self.ctx.folder))[LOADED]
        for path in files:
            if path.name in already:
                move_to(path, loaded_folder)
        files = [f for f in files if f.name not in already]
        if files:
            closed = min(_mtime(f) for f in files)
            self._ingest(files)
            lag = time.time() - closed
            self.stats.last_lag_seconds = lag
            self.stats.max_lag_seconds = max(self.stats.max_lag_seconds, lag)
            for hook in list(self.after_load):
                try:
                    self.ctx.run(hook)
                except Exception:  # one part's hook must not stop the loading
                    log.exception("after_load hook %r failed", hook)
        self.stats.loads += 1
        self.stats.last_load_seconds = time.perf_counter() - started
        return len(files)

    def _ingest(self, files: list[Path]) -> None:
        folders = _folders(self.ctx.folder)
        try:
            report = self.ctx.run(lambda ws: ws.ingest(files, format="segment"))
        except RecorridoError:
            if len(files) == 1:
                self._failed(files[0])
                return
            for one in files:  # find the file the workspace cannot read; load the rest
                self._ingest([one])
            return
        for path in files:
            move_to(path, folders[LOADED])
        self.stats.files += len(files)
        self.stats.ingested += report.ingested
        self.stats.duplicates += report.duplicates
        self.stats.quarantined += report.quarantined

    def _failed(self, path: Path) -> None:
        folders = _folders(self.ctx.folder)
        try:
            self.ctx.run(lambda ws: ws.ingest([path], format="segment"))
        except RecorridoError as exc:
            reason = exc.localized("en")
        else:  # it loaded alone after all
            move_to(path, folders[LOADED])
            return
        log.error("landing file %s could not be loaded: %s", path.name, reason)
        target = move_to(path, folders[FAILED])
        target.with_suffix(".reason").write_text(reason + "\n", encoding="utf-8")
        self.stats.failures.append(path.name)


def _folders(folder: Path) -> dict[str, Path]:
    from recorrido.server.landing import landing_folders

    return landing_folders(folder)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _loaded_names(workspace, names: list[str]) -> set[str]:
    """Which of ``names`` the ingest log already lists (a load interrupted before its move)."""
    log_table = workspace.ingest_log
    found: set[str] = set()
    # Only the latest loads: an interrupted load is the last one before the restart.
    recent = log_table.order_by(log_table.ingest_id.desc()).limit(20)
    rows = recent.files.to_pyarrow().to_pylist()
    text = "\n".join(rows)
    for name in names:
        if name in text:
            found.add(name)
    return found
