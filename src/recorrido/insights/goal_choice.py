"""Which event ``map discover`` takes as the goal when none is named.

The rule, in order (a failure, :func:`recorrido.insights.error_words.is_error_name`, and an
ending that is not a success, a cancellation or a withdrawal, are never taken):

1. the event done by the most customers whose name reads as a **conversion** (order, purchase,
   compra, clickout, signup, approved, ...: ``discovery.GOAL_WORDS``);
2. else the one done by the most customers whose name reads as a **completion** (completed,
   resolved, closed, done, finished, delivered, completado, resuelto, cerrado, finalizado,
   entregado, ...): a service process (BPI 2013's incidents: ``Completed``; a help desk:
   ``Resolve ticket``) succeeds when the case is done;
3. else the event that **ends** the most journeys (each customer's last event), among those done
   by at least ``MIN_SHARE`` of the customers: what a journey comes to.

Never "the rarest event" (BPI 2013's ``Unmatched``, five cases, was taken that way).
"""

from __future__ import annotations

import re

import ibis

from recorrido.analytics.sequence import order_keys
from recorrido.insights.error_words import is_error_name

COMPLETION_WORDS = re.compile(
    r"complet|resolv|resuel|closed|close |cerrad|\bdone\b|finish|finaliz|terminad|deliver|"
    r"entregad|fulfil|success|éxito|exito|activat|activad",
    re.IGNORECASE,
)
#: Endings that are not a success: never the goal.
NOT_SUCCESS = re.compile(r"cancel|anul|withdraw|retir|abandon|unmatch|duplicat", re.IGNORECASE)
MIN_SHARE = 0.05


def usable(name: str) -> bool:
    return not is_error_name(name) and not NOT_SUCCESS.search(str(name))


def choose(events: ibis.Table, known: list[str], conversion: re.Pattern) -> str:
    """The goal event (see the module text). ``known``: event names, most customers first;
    ``events``: the customers' events with ``us``."""
    names = [n for n in known if usable(n)] or known
    for words in (conversion, COMPLETION_WORDS):
        for name in names:
            if words.search(name):
                return name
    return _commonest_ending(events, names) or names[0]


def _commonest_ending(events: ibis.Table, names: list[str]) -> str | None:
    latest_first = ibis.window(
        group_by=events.customer_id, order_by=[ibis.desc(k) for k in order_keys(events)]
    )
    t = events.mutate(_r=ibis.row_number().over(latest_first))
    last = t.filter(t._r == 0)
    customers = events.customer_id.nunique().execute()
    done = events.group_by("event").aggregate(c=events.customer_id.nunique()).execute()
    often = {str(r.event) for r in done.itertuples() if r.c >= MIN_SHARE * customers}
    ends = last.group_by("event").aggregate(k=last.count()).execute()
    ends = ends[ends.event.astype(str).isin(often & set(names))]
    if ends.empty:
        return None
    ends = ends.sort_values(["k", "event"], ascending=[False, True])
    return str(ends.event.iloc[0])
