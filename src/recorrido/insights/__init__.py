"""Journey insights: friction, moments of truth, conformance, discovery and segments.

Each question is one module; see ``docs/insights.md`` for the definitions and statistics.
"""

from recorrido.insights.conformance import ConformanceReport, conformance
from recorrido.insights.discovery import discover
from recorrido.insights.findings import Finding, FrictionOptions, FrictionReport, friction
from recorrido.insights.moments import MomentsReport, moments
from recorrido.insights.segments import SegmentsReport, segments

__all__ = [
    "ConformanceReport",
    "Finding",
    "FrictionOptions",
    "FrictionReport",
    "MomentsReport",
    "SegmentsReport",
    "conformance",
    "discover",
    "friction",
    "moments",
    "segments",
]
