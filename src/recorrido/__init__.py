"""recorrido: customer journeys — design the map, measure it on real data, act on it."""

from recorrido.errors import RecorridoError
from recorrido.events.ingest import FileReport, IngestReport
from recorrido.events.mapping import ColumnMapping
from recorrido.workspace import Workspace

__all__ = ["ColumnMapping", "FileReport", "IngestReport", "RecorridoError", "Workspace"]
__version__ = "0.1.0"
