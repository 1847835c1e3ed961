"""``recorrido customer show|export|forget: one person's data (GDPR articles 15, 17, 20).``"""

from __future__ import annotations

from recorrido.cli.common import app  # noqa: F401  (commands register on it)
