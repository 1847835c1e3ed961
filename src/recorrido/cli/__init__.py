"""The command line. Each module registers the commands of one part of the house on ``app``.

``recorrido --help`` lists the commands in the order they are registered: the journey questions
first, then the rest (hence two imports).
"""

from recorrido.cli import paths, funnel, sessions, retention  # noqa: F401, I001  (registers them)
from recorrido.cli import (
    attribution,  # noqa: F401  (registers attribution)
    drivers,  # noqa: F401  (registers drivers)
    events,  # noqa: F401  (registers init, ingest, quarantine, query, demo)
    insights,  # noqa: F401  (registers friction, moments, conformance, segments, map discover)
    journey,  # noqa: F401  (registers map validate, check, schema, new)
    measure,  # noqa: F401  (registers measure)
    report,  # noqa: F401  (registers report)
)
from recorrido.cli import (
    automations,  # noqa: F401  (registers automations ..., worker)
    customer,  # noqa: F401  (registers customer show, export, forget)
    feedback,  # noqa: F401  (registers feedback ingest, emotions)
    predict,  # noqa: F401  (registers predict ...)
    serve,  # noqa: F401  (registers serve, keys)
    users,  # noqa: F401  (registers users add, list, remove)
)
from recorrido.cli.common import app

__all__ = ["app"]
