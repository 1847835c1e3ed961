"""The measured map: the designed map with the figures of real journeys attached."""

from recorrido.measured.measured_map import MeasuredMap, measure

__all__ = ["MeasuredMap", "measure"]
