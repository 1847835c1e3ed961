"""The landing log on its own: appends on disk, atomic closing, recovery after a crash."""

from __future__ import annotations

import json
import os
import socket
import threading

from recorrido.server.landing import LandingLog, ready_files, recover


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_concurrent_appends_all_land_whole_and_in_ready_after_rotate(tmp_path):
    log = LandingLog(tmp_path, max_bytes=4096)  # small files: rotation under load too

    def writer(number: int) -> None:
        for i in range(200):
            log.append(json.dumps({"messageId": f"{number}-{i}"}).encode() + b"\n")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    files = ready_files(tmp_path)
    assert len(files) > 1  # it rotated by size
    ids = [call["messageId"] for path in files for call in _lines(path)]
    assert sorted(ids) == sorted(f"{n}-{i}" for n in range(4) for i in range(200))
    assert not list((tmp_path / "landing" / "open").iterdir())


def test_recover_closes_a_dead_process_file_and_cuts_the_torn_tail(tmp_path):
    LandingLog(tmp_path)  # makes the folders
    host = socket.gethostname().replace("-", "_")
    dead = 2**22 + 12345  # above the default pid_max: no such process
    torn = tmp_path / "landing" / "open" / f"{host}-{dead}-abcd1234-000001.ndjson"
    torn.write_bytes(b'{"messageId":"a"}\n{"messageId":"b"}\n{"messageId":"c')
    alive = tmp_path / "landing" / "open" / f"{host}-{os.getppid()}-abcd1234-000001.ndjson"
    alive.write_bytes(b'{"messageId":"z"}\n')  # a live collector's file is left alone
    moved = recover(tmp_path)
    assert len(moved) == 1 and _lines(moved[0]) == [{"messageId": "a"}, {"messageId": "b"}]
    assert alive.exists() and not torn.exists()


def test_recover_leaves_a_live_log_of_this_process_alone(tmp_path):
    log = LandingLog(tmp_path)
    log.append(b'{"messageId":"live"}\n')
    assert recover(tmp_path) == []  # the file is still being written
    log.close()
    assert [_lines(p) for p in ready_files(tmp_path)] == [[{"messageId": "live"}]]


def test_a_failed_fsync_is_never_acknowledged(tmp_path, monkeypatch):
    """Fault injection: the disk refuses the fsync (ENOSPC). The waiting request and every later
    one are refused; nothing is reported as on disk."""
    import errno

    import pytest

    from recorrido.server import landing

    log = LandingLog(tmp_path)
    log.append(b'{"messageId":"before"}\n')

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(landing.os, "fsync", no_space)
    with pytest.raises(landing.LandingError):
        log.append(b'{"messageId":"lost"}\n')
    with pytest.raises(landing.LandingError):
        log.append(b'{"messageId":"later"}\n')


def test_a_failed_write_is_never_acknowledged_and_its_torn_line_is_cut_on_recovery(
    tmp_path, monkeypatch
):
    """Fault injection: the disk takes half a write, then refuses (ENOSPC). That request and
    every later one are refused (the file now ends in a torn line), and recovery after the
    restart keeps exactly the acknowledged lines."""
    import errno

    import pytest

    from recorrido.server import landing

    log = LandingLog(tmp_path)
    log.append(b'{"messageId":"before"}\n')
    real_write = landing.os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data[:5]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(landing.os, "write", half_then_full)
    with pytest.raises(landing.LandingError):
        log.append(b'{"messageId":"lost"}\n')
    monkeypatch.undo()
    with pytest.raises(landing.LandingError):
        log.append(b'{"messageId":"later"}\n')  # the disk works again, the log stays shut
    log.close()
    moved = recover(tmp_path)
    assert [_lines(p) for p in moved] == [[{"messageId": "before"}]]


def test_the_loader_paces_itself_by_what_a_load_cost(tmp_path):
    import time

    from recorrido import Workspace
    from recorrido.server.calls import check_call, landed_line
    from recorrido.server.context import WorkspaceContext
    from recorrido.server.loader import Loader

    Workspace.init(tmp_path, language="en").close()
    ctx = WorkspaceContext(tmp_path)
    log = LandingLog(tmp_path)
    loader = Loader(ctx, log, [], interval=0.05, rotate_age=0.0, max_gap=0.7, duty=0.25)
    try:
        now = "2026-12-03T10:00:00Z"
        call = {"type": "track", "userId": "u", "event": "e", "messageId": "m1", "timestamp": now}
        log.append(landed_line(check_call(call, now)))
        started = time.monotonic()
        loader._round()
        spent = time.monotonic() - started
        gap = loader._next_load - time.monotonic()
        # a load of a few tenths of a second: the next waits three times as long, at most 0.7 s
        assert 0 < gap <= 0.7 and gap >= min(0.7, 3 * loader.stats.last_load_seconds) - 0.05
        assert spent >= loader.stats.last_load_seconds
        assert loader.stats.files == 1 and loader.stats.ingested == 1
        assert ctx.run(lambda ws: ws.events.event_id.to_pyarrow().to_pylist()) == ["m1"]
    finally:
        log.close()
        ctx.close()
