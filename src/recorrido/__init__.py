"""recorrido: customer journeys — design the map, measure it on real data, act on it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recorrido.errors import RecorridoError
    from recorrido.events.ingest import FileReport, IngestReport
    from recorrido.events.mapping import ColumnMapping
    from recorrido.workspace import Workspace

__all__ = ["ColumnMapping", "FileReport", "IngestReport", "RecorridoError", "Workspace"]
__version__ = "0.1.0"

#: Where each public name lives. They are imported on first use, so that ``import recorrido.x``
#: (the command line starting, one module of a part) does not load every engine library.
_LAZY = {
    "ColumnMapping": "recorrido.events.mapping",
    "FileReport": "recorrido.events.ingest",
    "IngestReport": "recorrido.events.ingest",
    "RecorridoError": "recorrido.errors",
    "Workspace": "recorrido.workspace",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'recorrido' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
