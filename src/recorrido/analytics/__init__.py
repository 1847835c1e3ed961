"""Analytics: every journey question as an Ibis expression that runs on DuckDB and on Spark.

Each function takes a :class:`~recorrido.Workspace` (or an Ibis events table, e.g. one read by
Spark) and returns a small pandas DataFrame; the per-event work stays in the engine.
"""

from recorrido.analytics.drivers import dropoff_drivers
from recorrido.analytics.funnel_people import dropoff_paths, funnel_customers
from recorrido.analytics.funnels import funnel
from recorrido.analytics.paths import flows, transitions, variants
from recorrido.analytics.retention import retention, retention_matrix
from recorrido.analytics.sequence import Stream, stream
from recorrido.analytics.sessions import session_table, sessionize, sessions
from recorrido.analytics.step_matrix import step_matrix
from recorrido.analytics.steps import END, Steps, step_table
from recorrido.analytics.windows import parse_duration

__all__ = [
    "END",
    "Steps",
    "Stream",
    "dropoff_drivers",
    "dropoff_paths",
    "flows",
    "funnel",
    "funnel_customers",
    "parse_duration",
    "retention",
    "retention_matrix",
    "session_table",
    "sessionize",
    "sessions",
    "step_matrix",
    "step_table",
    "stream",
    "transitions",
    "variants",
]
