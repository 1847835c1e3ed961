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
#: Calls the collection API refused, each with its reason, on their way to the quarantine: a
#: landing log of their own (the same files, rotation and recovery), read by the loader.
REFUSED = "landing/refused"
OPEN, READY, LOADED, FAILED = "open", "ready", "loaded", "failed"


def landing_folders(workspace_folder: str | Path, root: str = LANDING) -> dict[str, Path]:
    root = Path(workspace_folder) / root
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

    A request only queues its bytes (no system call on the event loop, where each one means
    waiting for the GIL again); one syncer thread writes everything queued in one go, fsyncs it
    (group commit: one fsync covers every request queued before it) and wakes the requests it
    covered. Opening and closing files (fsync, rename into ``ready/``) happen in that thread too,
    so no request waits behind a rotation.
    """

    def __init__(
        self,
        workspace_folder: str | Path,
        *,
        max_bytes: int = 16 * 1024 * 1024,
        root: str = LANDING,
    ):
        self.folders = landing_folders(workspace_folder, root)
        self.max_bytes = max_bytes
        self._host = _host()
        # Names carry the pid and a per-log token: after a restart under the same pid (pid 1 in
        # a container), the new log never appends to the dead one's file.
        self._instance = secrets.token_hex(4)
        _LIVE_INSTANCES.add(self._instance)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._seq = 0
        # The open file belongs to the syncer thread; the fields below it are read under the lock.
        self._file = None
        self._path: Path | None = None
        self._opened_at = 0.0
        self._size = 0
        self._pending: list[bytes] = []  # queued by requests, not written yet
        self._queued = 0  # bytes queued by this process, ever (positions for group commit)
        self._synced = 0  # of those, how many are known to be on disk
        self._rotate_asked = False  # close the open file at the next round
        self._rotating = False  # the syncer is closing a file into ready/
        self._waiters: list[tuple[int, object]] = []
        self._stopping = False
        self._broken: OSError | None = None
        #: ``time.monotonic()`` of the last call queued (0: none yet); read without the lock.
        self.last_append_at = 0.0
        self._syncer = threading.Thread(target=self._sync_loop, name="landing-sync", daemon=True)
        self._syncer.start()

    # -- writing -----------------------------------------------------------------------------
    def _write(self, data: bytes, wake) -> None:
        with self._lock:
            if self._broken is not None:
                raise LandingError() from self._broken
            self._pending.append(data)
            self.last_append_at = time.monotonic()
            self._queued += len(data)
            self._waiters.append((self._queued, wake))
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
        """:meth:`append` for the event loop: queuing is immediate, the wait is awaited."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def wake(error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_resolve, future, error)

        self._write(data, wake)
        await future

    def _sync_loop(self) -> None:
        while True:
            with self._lock:
                while not self._stopping and not self._pending and not self._rotate_asked:
                    self._wake.wait()
                if self._stopping and not self._pending and not self._rotate_asked:
                    return
                chunks, self._pending = self._pending, []
                target = self._queued
                rotate, self._rotate_asked = self._rotate_asked, False
                self._rotating = rotate
            try:
                self._write_and_sync(b"".join(chunks), rotate)
            except OSError as exc:
                # After a failed write or fsync nothing written can be promised (the kernel may
                # have dropped the pages, a line may be cut short): every waiter is answered
                # with the failure, and so is every later write, until a restart recovers the
                # files (cutting a torn tail).
                with self._lock:
                    self._broken = exc
                    due, self._waiters = self._waiters, []
                    self._pending, self._rotate_asked, self._rotating = [], False, False
                    self._wake.notify_all()
                for _, wake in due:
                    wake(exc)
                return
            with self._lock:
                self._synced = max(self._synced, target)
                self._rotating = False
                due = [w for w in self._waiters if w[0] <= target]
                self._waiters = [w for w in self._waiters if w[0] > target]
                self._wake.notify_all()
            for _, wake in due:
                wake(None)

    def _write_and_sync(self, data: bytes, rotate: bool) -> None:
        """Append ``data`` to the open file (opened when needed) and fsync it; close the file
        into ``ready/`` when asked to or when it is full."""
        if data:
            if self._file is None:
                self._open()
            view = memoryview(data)
            while view:
                view = view[os.write(self._file.fileno(), view) :]
            self._size += len(data)
        if self._file is None:
            return
        if rotate or self._size >= self.max_bytes:
            handle, path = self._file, self._path
            with self._lock:
                self._file = None
            os.fsync(handle.fileno())
            handle.close()
            os.rename(path, _ready_name(self.folders[READY], path))
            _fsync_folder(self.folders[READY])
            _fsync_folder(self.folders[OPEN])
        elif data:
            os.fsync(self._file.fileno())

    def _open(self) -> None:
        self._seq += 1
        name = f"{self._host}-{os.getpid()}-{self._instance}-{self._seq:06d}.ndjson"
        path = self.folders[OPEN] / name
        handle = open(path, "ab", buffering=0)  # noqa: SIM115  (kept open across calls)
        _fsync_folder(self.folders[OPEN])  # the new name survives a crash
        with self._lock:
            self._file, self._path = handle, path
            self._opened_at = time.monotonic()
            self._size = 0

    # -- closing -----------------------------------------------------------------------------
    def rotate(self, min_age: float = 0.0) -> bool:
        """Ask the syncer to close the open file (if it is ``min_age`` seconds old) into
        ``ready/``; whether it was asked. :meth:`flush` waits until it is there."""
        with self._lock:
            if self._file is None or time.monotonic() - self._opened_at < min_age:
                return False
            self._rotate_asked = True
            self._wake.notify()
            return True

    def flush(self) -> None:
        """Wait until every file asked to close is in ``ready/`` and every write queued before
        this call is on disk (not later ones: under sustained load there always are some)."""
        with self._lock:
            target = self._queued
            while self._broken is None and (
                self._rotate_asked or self._rotating or self._synced < target
            ):
                self._wake.wait(0.05)

    def close(self) -> None:
        """Close the open file into ``ready/`` and stop the syncer."""
        with self._lock:
            self._stopping = True
            self._rotate_asked = self._broken is None
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


def recover(workspace_folder: str | Path, root: str = LANDING) -> list[Path]:
    """Close the ``open/`` files left by dead landing logs of this host; the files moved."""
    folders = landing_folders(workspace_folder, root)
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


def ready_files(workspace_folder: str | Path, root: str = LANDING) -> list[Path]:
    return sorted(landing_folders(workspace_folder, root)[READY].glob("*.ndjson"))


def move_to(path: Path, folder: Path) -> Path:
    target = folder / path.name
    with contextlib.suppress(FileNotFoundError):
        os.rename(path, target)
    return target
