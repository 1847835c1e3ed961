"""The loader: closed landing files into the workspace, through ``recorrido ingest``'s own path.

Every ``interval`` seconds the loader closes this process's open landing file (when it is at
least ``rotate_age`` old), then ingests the files in ``landing/ready/`` (oldest first, about
``MAX_LOAD_BYTES`` at most per ingest) with ``Workspace.ingest(files, format="segment")``: the
same reading, validation, quarantine, ``messageId`` de-duplication and identity stitching as a
file ingested by hand. Loaded files move
to ``landing/loaded/``. A crash between the ingest and the move re-loads the file on restart; the
ingest log names the files it took, so such a file is skipped (and de-duplication by
``messageId`` would keep the events once even so). After each load the ``after_load`` hooks run.

An ingest has a fixed cost (a few tenths of a second, mostly Python building and compiling its
queries, which holds the GIL that the HTTP side needs) whatever the number of rows, so the loader
paces itself: after a load it waits until the load's time is at most ``duty`` of the elapsed time
(at most ``max_gap`` seconds, at least ``interval``). On a quiet server that is one load a quarter
of a second after a file closes; under sustained load it is fewer, bigger loads, each taking the
whole open file, and an acknowledged call is still in ``events`` within about
``max_gap`` + ``rotate_age`` + one load.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from recorrido.errors import RecorridoError
from recorrido.server.context import WorkspaceContext
from recorrido.server.landing import (
    FAILED,
    LANDING,
    LOADED,
    REFUSED,
    LandingLog,
    move_to,
    ready_files,
    recover,
)

log = logging.getLogger("recorrido.server.loader")
_RECOVERY_SECONDS = 10.0
#: About 120,000 calls of Segment's usual size: one ingest's memory stays in the hundreds of MB.
MAX_LOAD_BYTES = 24 * 1024 * 1024


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
    #: ``time.monotonic()`` at the end of the last load that took collected events in (0: none).
    last_loaded_at: float = 0.0
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
        max_gap: float = 2.0,
        duty: float = 0.25,
        refused: LandingLog | None = None,
    ) -> None:
        self.ctx = ctx
        self.landing = landing
        self.refused = refused
        self.after_load = after_load
        self.interval = interval
        self.rotate_age = rotate_age
        self.max_gap = max(max_gap, interval)
        self.duty = duty
        self.stats = LoaderStats()
        self._next_load = 0.0  # time.monotonic() before which the loader does not load
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        recover(self.ctx.folder)
        recover(self.ctx.folder, REFUSED)
        self._thread = threading.Thread(target=self._loop, name="recorrido-loader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop, close the open file and load what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.landing is not None:
            self.landing.close()
        if self.refused is not None:
            self.refused.close()
        while self.load_ready():  # a backlog goes in bounded bites
            pass
        self.quarantine_refused()

    def _loop(self) -> None:
        next_recovery = time.monotonic() + _RECOVERY_SECONDS
        while not self._stop.is_set():
            try:
                now = time.monotonic()
                if now >= next_recovery:  # now and then: files of collectors that died meanwhile
                    recover(self.ctx.folder)
                    recover(self.ctx.folder, REFUSED)
                    next_recovery = now + _RECOVERY_SECONDS
                if now >= self._next_load:
                    self._round()
            except Exception:  # a loader that dies silently would stop all loading
                log.exception("landing load failed; retrying")
            self._stop.wait(self.interval)

    def _round(self) -> None:
        """Close the open file when old enough, load what is ready, and set the next load's
        earliest time from what this one cost."""
        if self.landing is not None and self.landing.rotate(self.rotate_age):
            self.landing.flush()  # the closed file is in ready/ for this round
        if self.refused is not None and self.refused.rotate(self.rotate_age):
            self.refused.flush()
        self.quarantine_refused()
        started = time.monotonic()
        if self.load_ready():
            spent = time.monotonic() - started
            gap = min(self.max_gap, spent * (1 - self.duty) / self.duty)
            self._next_load = time.monotonic() + gap

    def load_ready(self) -> int:
        """Ingest the files waiting in ``ready/`` (the oldest, up to about ``MAX_LOAD_BYTES`` in
        one ingest); the number of files handled."""
        files = _oldest(ready_files(self.ctx.folder), MAX_LOAD_BYTES)
        if not files:
            return 0
        handled = len(files)
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
            self.stats.last_loaded_at = time.monotonic()
            for hook in list(self.after_load):
                try:
                    self.ctx.run(hook)
                except Exception:  # one part's hook must not stop the loading
                    log.exception("after_load hook %r failed", hook)
        self.stats.loads += 1
        self.stats.last_load_seconds = time.perf_counter() - started
        return handled

    def collecting(self, pause: float) -> bool:
        """Whether events are streaming in: files wait in ``ready/``, this process landed a
        call, or the loader loaded some, in the last ``pause`` seconds."""
        now = time.monotonic()
        if now - self.stats.last_loaded_at < pause:
            return True
        if self.landing is not None and now - self.landing.last_append_at < pause:
            return True
        return bool(ready_files(self.ctx.folder))

    def quarantine_refused(self) -> int:
        """Put the calls the collection API refused (``landing/refused/ready``) in the
        quarantine, each with the reason it was answered with; the number of calls."""
        folders = _folders(self.ctx.folder, REFUSED)
        files = ready_files(self.ctx.folder, REFUSED)
        if not files:
            return 0
        already = self.ctx.run(_loaded_names, [f.name for f in files])
        count = 0
        for path in files:
            if path.name not in already:
                count += self.ctx.run(_quarantine_file, path)
            move_to(path, folders[LOADED])
        self.stats.quarantined += count
        return count

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


def _oldest(files: list[Path], budget: int) -> list[Path]:
    """The first of ``files`` (sorted oldest first) up to ``budget`` bytes, at least one: an
    ingest's memory grows with its size, so a backlog is loaded in bounded bites."""
    taken, size = [], 0
    for path in files:
        try:
            size += path.stat().st_size
        except FileNotFoundError:
            continue
        if taken and size > budget:
            break
        taken.append(path)
    return taken


def _folders(folder: Path, root: str = LANDING) -> dict[str, Path]:
    from recorrido.server.landing import landing_folders

    return landing_folders(folder, root)


def _quarantine_file(workspace, path: Path) -> int:
    """The refused calls of one file into ``quarantine``, logged as one ingest that kept none
    of them (so ``recorrido quarantine`` lists them with a time, and a file taken once is known
    after a crash before its move); one transaction on DuckDB."""
    import ibis

    from recorrido.events import schema
    from recorrido.events.handoff import Transaction
    from recorrido.privacy.pseudonyms import redact_quarantine

    refused = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            row = json.loads(line)
            if isinstance(row, dict) and row.get("reason_code"):
                refused.append(row)
    if not refused:
        return 0
    con = workspace.con
    last = workspace.ingest_log.ingest_id.max().execute()
    ingest_id = 1 if last is None or last != last else int(last) + 1
    rows = ibis.memtable(
        {
            "ingest_id": [ingest_id] * len(refused),
            "file": [str(path)] * len(refused),
            **{
                name: [r.get(name) for r in refused]
                for name in ("row", "column", "reason_code", "detail", "record")
            },
        },
        schema=schema.QUARANTINE_SCHEMA,
    )
    if workspace.settings.pseudonymise:  # the call as sent carries the raw ids
        rows = redact_quarantine(rows)
    entry = ibis.memtable(
        {
            "ingest_id": [ingest_id],
            "finished_at": [datetime.now(UTC)],
            "files": [str(path)],
            "rows_read": [len(refused)],
            "ingested": [0],
            "duplicates": [0],
            "quarantined": [len(refused)],
        },
        schema=schema.INGEST_LOG_SCHEMA,
    )
    with Transaction(con if con.name == "duckdb" else None):
        con.insert(schema.QUARANTINE, rows)
        con.insert(schema.INGEST_LOG, entry)
    return len(refused)


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
