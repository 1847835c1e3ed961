"""``recorrido automations ... and recorrido worker: automations on the map.``"""

from __future__ import annotations

from recorrido.cli.common import app  # noqa: F401  (commands register on it)
