"""``recorrido predict ...: who will convert or leave, what they are worth, what they do next.``"""

from __future__ import annotations

from recorrido.cli.common import app  # noqa: F401  (commands register on it)
