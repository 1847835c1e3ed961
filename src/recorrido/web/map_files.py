"""The journey maps a workspace holds: the ``*.yaml`` / ``*.yml`` files in its folder that read as
maps. Pages name a map by its file name only; :func:`map_path` accepts only names of files that
are there, so no request can reach a path outside the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recorrido.journey.validate import check_text
from recorrido.settings import SETTINGS_FILE
from recorrido.web.pages import PageError


@dataclass
class MapFile:
    file: str
    title: str
    problems: int


def map_names(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in Path(folder).iterdir()
        if p.is_file()
        and p.suffix in (".yaml", ".yml")
        and not p.name.startswith(".")
        and p.name != SETTINGS_FILE
    )


def list_maps(folder: Path) -> list[MapFile]:
    found = []
    for name in map_names(folder):
        text = (Path(folder) / name).read_text(encoding="utf-8", errors="replace")
        if "stages" not in text:  # a column mapping or another YAML file, not a map
            continue
        problems, journey = check_text(text)
        found.append(MapFile(name, journey.name if journey else name, len(problems)))
    return found


def map_path(folder: Path, name: str) -> Path:
    if name not in map_names(folder):
        raise PageError(404, "not_found")
    return Path(folder) / name
