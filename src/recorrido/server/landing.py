"""The landing log: acknowledged calls on disk before the answer, in segment files.

Layout of ``DIR/landing/``::

    open/<host>-<pid>-<token>-<seq>.ndjson   the file this collector appends to now
    ready/<time>-<host>-<pid>-<token>-<seq>.ndjson   closed files, waiting for the loader
    loaded/...                        files the loader has put into the workspace (kept for a
                                      warehouse to read; delete them when no longer needed)
    failed/...                        files the workspace could not read at all (with a .reason)

A request's calls are appended as NDJSON lines and fsync'd before the server answers 200
(concurrent requests share one fsync: group commit). A file is closed by fsync + an atomic rename
from ``open/`` to ``ready/`` (and an fsync of the folder), so the loader never sees half a file
and a crash never loses an acknowledged call. Several collector processes can share one landing
folder: each writes only its own ``open/`` file, named by host and pid; ``ready/`` names sort by
time.

After a crash, :func:`recover` closes the ``open/`` files of dead processes on this host: the
tail after the last newline was never acknowledged (its request got no answer) and is cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import threading
import time
from pathlib import Path

LANDING = "landing"
OPEN, READY, LOADED, FAILED = "open", "ready", "loaded", "failed"


def landing_folders(workspace_folder: str | Path) -> dict[str, Path]:
    root = Path(workspace_folder) / LANDING
    folders = {name: root / name for name in (OPEN, READY, LOADED, FAILED)}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LandingLog:
    """This process's appender: :meth:`append` (or ``await`` :meth:`append_async`) returns once
    the lines are on disk.

    Writes go to the OS at once, under a short lock; one syncer thread does the fsyncs, each
    covering every byte written before it started (group commit), and wakes the waiters whose
    bytes it covered. Closing a file (fsync, rename into ``ready/``) also happens in that thread,
    so no request waits behind a rotation.
    """

    def __init__(self, workspace_folder: str | Path, *, max_bytes: int = 16 * 1024 * 1024):
        self.folders = landing_folders(workspace_folder)
        self.max_bytes = max_bytes
        self._host = _host()
        # Names carry the pid and a per-log token: after a restart under the same pid (pid 1 in
        # a container), the new log never appends to the dead one's file.
        self._instance = secrets.token_hex(4)
        _LIVE_INSTANCES.add(self._instance)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._seq = 0
        self._file = None
        self._path: Path | None = None
        self._opened_at = 0.0
        self._size = 0
        self._written = 0  # bytes written by this process, ever (positions for group commit)
        self._synced = 0  # of those, how many are known to be on disk
        self._closing: list[tuple[object, Path]] = []  # files to fsync and move into ready/
        self._waiters: list[tuple[int, object]] = []
        self._stopping = False
        self._broken: OSError | None = None
        self._syncer = threading.Thread(target=self._sync_loop, name="landing-sync", daemon=True)
        self._syncer.start()

    # -- writing -----------------------------------------------------------------------------
    def _write(self, data: bytes, wake) -> None:
        with self._lock:
            if self._broken is not None:
                raise LandingError() from self._broken
            if self._file is None:
                self._open()
            self._file.write(data)
            self._file.flush()  # into the OS, so that the next fsync covers it
            self._size += len(data)
            self._written += len(data)
            self._waiters.append((self._written, wake))
            if self._size >= self.max_bytes:
                self._close_locked()
            self._wake.notify()

    def append(self, data: bytes) -> None:
        """Write ``data`` (whole NDJSON lines) and return once it is on disk."""
        done = threading.Event()
        failed: list[BaseException] = []

        def wake(error: BaseException | None) -> None:
            if error is not None:
                failed.append(error)
            done.set()

        self._write(data, wake)
        done.wait()
        if failed:
            raise LandingError() from failed[0]

    async def append_async(self, data: bytes) -> None:
        """:meth:`append` for the event loop: the write is immediate, the wait is awaited."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def wake(error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_resolve, future, error)

        self._write(data, wake)
        await future

    def _sync_loop(self) -> None:
        while True:
            with self._lock:
                while not self._stopping and self._synced >= self._written and not self._closing:
                    self._wake.wait()
                if self._stopping and self._synced >= self._written and not self._closing:
                    return
                target = self._written
                closing, self._closing = self._closing, []
                fd = os.dup(self._file.fileno()) if self._file is not None else -1
            try:
                self._sync_files(closing, fd)
            except OSError as exc:
                # After a failed fsync nothing written can be promised (the kernel may have
                # dropped the pages): every waiter is answered with the failure, and so is every
                # later write, until a restart recovers the files.
                with self._lock:
                    self._broken = exc
                    due, self._waiters = self._waiters, []
                    self._closing = []
                    self._wake.notify_all()
                for _, wake in due:
                    wake(exc)
                return
            with self._lock:
                self._synced = max(self._synced, target)
                due = [w for w in self._waiters if w[0] <= target]
                self._waiters = [w for w in self._waiters if w[0] > target]
                self._wake.notify_all()
            for _, wake in due:
                wake(None)

    def _sync_files(self, closing: list, fd: int) -> None:
        try:
            for handle, path in closing:
                os.fsync(handle.fileno())
                handle.close()
                os.rename(path, _ready_name(self.folders[READY], path))
            if closing:
                _fsync_folder(self.folders[READY])
                _fsync_folder(self.folders[OPEN])
            if fd >= 0:
                os.fsync(fd)
        finally:
            if fd >= 0:
                os.close(fd)

    def _open(self) -> None:
        self._seq += 1
        name = f"{self._host}-{os.getpid()}-{self._instance}-{self._seq:06d}.ndjson"
        self._path = self.folders[OPEN] / name
        self._file = open(self._path, "ab")  # noqa: SIM115  (kept open across calls)
        self._opened_at = time.monotonic()
        self._size = 0
        _fsync_folder(self.folders[OPEN])  # the new name survives a crash

    # -- closing -----------------------------------------------------------------------------
    def rotate(self, min_age: float = 0.0) -> bool:
        """Hand the open file (if it is ``min_age`` seconds old) to the syncer, which closes it
        into ``ready/``; whether a file was handed over."""
        with self._lock:
            if self._file is None or time.monotonic() - self._opened_at < min_age:
                return False
            self._close_locked()
            self._wake.notify()
            return True

    def _close_locked(self) -> None:
        assert self._file is not None and self._path is not None
        self._closing.append((self._file, self._path))
        self._file = None

    def flush(self) -> None:
        """Wait until every file handed over is in ``ready/`` and every write is on disk."""
        with self._lock:
            while self._broken is None and (self._closing or self._synced < self._written):
                self._wake.wait(0.05)

    def close(self) -> None:
        """Close the open file into ``ready/`` and stop the syncer."""
        self.rotate()
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
        self._syncer.join()
        _LIVE_INSTANCES.discard(self._instance)


_LIVE_INSTANCES: set[str] = set()


def _host() -> str:
    return socket.gethostname().replace("-", "_") or "host"


class LandingError(Exception):
    """The landing log could not put a call on disk (the cause is chained)."""


def _resolve(future, error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(LandingError(str(error)))


def _ready_name(ready: Path, open_path: Path) -> Path:
    # Time first, so that files from several collectors load in about the order they closed.
    return ready / f"{time.time_ns():020d}-{open_path.name}"


def recover(workspace_folder: str | Path) -> list[Path]:
    """Close the ``open/`` files left by dead landing logs of this host; the files moved."""
    folders = landing_folders(workspace_folder)
    host = _host()
    moved = []
    for path in sorted(folders[OPEN].glob("*.ndjson")):
        parts = path.stem.split("-")
        if len(parts) != 4 or parts[0] != host or not parts[1].isdigit():
            continue  # another host's collector: its own restart recovers it
        pid, instance = int(parts[1]), parts[2]
        if pid == os.getpid():
            if instance in _LIVE_INSTANCES:
                continue
        elif _alive(pid):
            continue
        _cut_torn_tail(path)
        if path.stat().st_size == 0:
            path.unlink()
            continue
        target = _ready_name(folders[READY], path)
        os.rename(path, target)
        moved.append(target)
    if moved:
        _fsync_folder(folders[READY])
    return moved


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cut_torn_tail(path: Path) -> None:
    """Drop bytes after the last newline: a write that was cut short and never acknowledged."""
    size = path.stat().st_size
    if not size:
        return
    with open(path, "r+b") as handle:
        step = 64 * 1024
        end = size
        while end > 0:
            start = max(0, end - step)
            handle.seek(start)
            chunk = handle.read(end - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            end = start
        else:
            keep = 0
        if keep != size:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())


def ready_files(workspace_folder: str | Path) -> list[Path]:
    return sorted(landing_folders(workspace_folder)[READY].glob("*.ndjson"))


def move_to(path: Path, folder: Path) -> Path:
    target = folder / path.name
    with contextlib.suppress(FileNotFoundError):
        os.rename(path, target)
    return target
