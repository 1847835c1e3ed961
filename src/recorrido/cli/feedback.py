"""``recorrido feedback ingest and recorrido emotions: what customers say, on the map.``"""

from __future__ import annotations

from recorrido.cli.common import app  # noqa: F401  (commands register on it)
