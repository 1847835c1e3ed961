"""Every save of a map from the web app is a version: who, when, what changed (a unified diff),
and the whole text, so any version can be restored (restoring is itself a new version).

Versions live beside the map, in ``DIR/map_versions/<file name>/``: ``NNNN.yaml`` per version and
``log.jsonl`` with one line per version. The text the file had before the first web save is kept
as version 0, so a hand-written map can always be brought back.
"""

from __future__ import annotations

import difflib
import json
import os
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

VERSIONS_FOLDER = "map_versions"
_lock = threading.Lock()


@dataclass
class Version:
    number: int
    who: str
    when: str
    note: str
    diff: str


def _folder(map_file: Path) -> Path:
    return map_file.parent / VERSIONS_FOLDER / map_file.name


def history(map_file: Path) -> list[Version]:
    """The versions of ``map_file``, newest first."""
    log = _folder(map_file) / "log.jsonl"
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    return [Version(**row) for row in reversed(rows)]


def version_text(map_file: Path, number: int) -> str | None:
    path = _folder(map_file) / f"{number:04d}.yaml"
    return path.read_text(encoding="utf-8") if path.exists() else None


def save(map_file: Path, new_text: str, who: str, note: str) -> Version:
    """Write ``new_text`` to ``map_file`` (atomically) and record it as the next version."""
    with _lock:
        folder = _folder(map_file)
        folder.mkdir(parents=True, exist_ok=True)
        old_text = map_file.read_text(encoding="utf-8")
        versions = history(map_file)
        if not versions:
            _append(folder, Version(0, "—", _mtime(map_file), "original", ""), old_text)
            number = 1
        else:
            number = versions[0].number + 1
        diff = "".join(
            difflib.unified_diff(
                old_text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                fromfile=f"{map_file.name} (v{number - 1})",
                tofile=f"{map_file.name} (v{number})",
            )
        )
        version = Version(number, who, datetime.now(UTC).isoformat(timespec="seconds"), note, diff)
        temporary = map_file.with_name(f".{map_file.name}.tmp")
        temporary.write_text(new_text, encoding="utf-8")
        os.replace(temporary, map_file)
        _append(folder, version, new_text)
        return version


def _append(folder: Path, version: Version, text: str) -> None:
    (folder / f"{version.number:04d}.yaml").write_text(text, encoding="utf-8")
    with (folder / "log.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(version), ensure_ascii=False) + "\n")


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
