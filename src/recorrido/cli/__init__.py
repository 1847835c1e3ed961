"""The command line. Each module registers the commands of one part of the house on ``app``."""

from recorrido.cli import events  # noqa: F401  (registers init, ingest, quarantine, query, demo)
from recorrido.cli.common import app

__all__ = ["app"]
