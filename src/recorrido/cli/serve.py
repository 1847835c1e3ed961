"""``recorrido serve and recorrido keys: the server and its access keys.``"""

from __future__ import annotations

from recorrido.cli.common import app  # noqa: F401  (commands register on it)
