"""Which event ``map discover`` takes as the goal when none is named.

The rule, in order (a failure, :func:`recorrido.insights.error_words.is_error_name`, and an
ending that is not a success, a cancellation or a withdrawal, are never taken):

1. the event done by the most customers whose name reads as a **conversion** (order, purchase,
   compra, clickout, signup, approved, ...: ``discovery.GOAL_WORDS``), among those done by
   enough customers to be measured (``MIN_GOAL_CUSTOMERS``, or ``MIN_SHARE`` of them in a small
   log: a support topic named "Family Subscription", raised by 2 of thousands, is no goal);
2. else the one done by the most customers whose name reads as a **completion** (completed,
   resolved, closed, done, finished, delivered, completado, resuelto, cerrado, finalizado,
   entregado, ...): a service process (BPI 2013's incidents: ``Completed``; a help desk:
   ``Resolve ticket``) succeeds when the case is done;
3. else the event that **ends** the most journeys (each customer's last event), among those done
   by at least ``MIN_SHARE`` of the customers: what a journey comes to. A journey that ends on
   the event it began with went nowhere and ends on nothing, and an event most of whose
   customers begin with it is where journeys start (in Google Analytics' sessions the "unknown
   action" of one-hit visits, 98 % of the rows, had been taken as the goal);
4. else the event done by the most customers, **said to be a guess**.

Never "the rarest event" (BPI 2013's ``Unmatched``, five cases, was taken that way).
:func:`choose_explained` also says which rule chose it (``map discover`` prints it and writes it
in the map's description, so that a guess is seen and replaced with ``--goal``).
"""

from __future__ import annotations

import math
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
#: Customers a named goal must have (fewer in a log so small that MIN_SHARE of it is fewer).
MIN_GOAL_CUSTOMERS = 10
#: How the goal was chosen (``choose_explained``), in the order the rules are tried.
WHY = ("conversion", "completion", "ending", "guess")


def usable(name: str) -> bool:
    return not is_error_name(name) and not NOT_SUCCESS.search(str(name))


def choose(events: ibis.Table, known: list[str], conversion: re.Pattern) -> str:
    """The goal event (see the module text). ``known``: event names, most customers first;
    ``events``: the customers' events with ``us``."""
    return choose_explained(events, known, conversion)[0]


def choose_explained(
    events: ibis.Table, known: list[str], conversion: re.Pattern
) -> tuple[str, str]:
    """The goal event and which rule chose it (one of ``WHY``)."""
    names = [n for n in known if usable(n)] or known
    done = events.group_by("event").aggregate(c=events.customer_id.nunique()).execute()
    reach = {str(r.event): int(r.c) for r in done.itertuples()}
    customers = int(events.customer_id.nunique().execute())
    floor = max(1, min(MIN_GOAL_CUSTOMERS, math.ceil(MIN_SHARE * customers)))
    measurable = [n for n in names if reach.get(str(n), 0) >= floor]
    for why, words in (("conversion", conversion), ("completion", COMPLETION_WORDS)):
        for name in measurable:
            if words.search(name):
                return name, why
    often = {n for n, c in reach.items() if c >= MIN_SHARE * customers}
    ending = _commonest_ending(events, [n for n in names if str(n) in often], reach)
    return (ending, "ending") if ending else (names[0], "guess")


def _commonest_ending(events: ibis.Table, names: list[str], reach: dict[str, int]) -> str | None:
    """The event that ends the most journeys among ``names`` (``reach``: customers per event)."""
    latest_first = ibis.window(
        group_by=events.customer_id, order_by=[ibis.desc(k) for k in order_keys(events)]
    )
    earliest = ibis.window(group_by=events.customer_id, order_by=order_keys(events))
    t = events.mutate(
        _r=ibis.row_number().over(latest_first), _first=events.event.first().over(earliest)
    )
    # a journey that ends where it began (a one-hit visit) comes to nothing, and an event most
    # of whose customers begin with it is where journeys start, not what they come to
    last = t.filter(t._r == 0, t.event != t._first)
    ends = last.group_by("event").aggregate(k=last.count()).execute()
    starts = t.filter(t.event == t._first).select("event", "customer_id").distinct()
    starts = starts.group_by("event").aggregate(s=starts.count()).execute()
    begun = {str(r.event): int(r.s) for r in starts.itertuples()}
    mostly_first = {name for name, c in reach.items() if begun.get(name, 0) * 2 > c}
    ends = ends[ends.event.astype(str).isin(set(names) - mostly_first)]
    if ends.empty:
        return None
    ends = ends.sort_values(["k", "event"], ascending=[False, True])
    return str(ends.event.iloc[0])


#: How the goal was chosen (WHY, or given), said in the map's description so that a
#: guess is seen: the first thing to check in a draft.
NOTES = {
    "es": {
        "given": "Objetivo: «{goal}» (el indicado).",
        "conversion": "Objetivo: «{goal}», el evento con nombre de conversión que más clientes "
        "hacen; si no es el tuyo, indícalo con --goal.",
        "completion": "Objetivo: «{goal}», el evento con nombre de cierre que más clientes hacen; "
        "si no es el tuyo, indícalo con --goal.",
        "ending": "Objetivo: «{goal}», el evento en el que terminan más recorridos (ningún nombre "
        "dice conversión ni cierre); si no es el tuyo, indícalo con --goal.",
        "guess": "Objetivo: «{goal}», solo una suposición (ningún evento parece una conversión, un "
        "cierre ni un final habitual): indica el tuyo con --goal.",
    },
    "en": {
        "given": "Goal: '{goal}' (as given).",
        "conversion": "Goal: '{goal}', the event named like a conversion that most customers do; "
        "if it is not yours, name it with --goal.",
        "completion": "Goal: '{goal}', the event named like a completion that most customers do; "
        "if it is not yours, name it with --goal.",
        "ending": "Goal: '{goal}', the event most journeys end on (no name reads as a conversion "
        "or a completion); if it is not yours, name it with --goal.",
        "guess": "Goal: '{goal}', only a guess (no event looks like a conversion, a completion or "
        "a usual ending): name yours with --goal.",
    },
}


def note(why: str, goal: str, lang: str) -> str:
    """The sentence of a draft map's description that says how its goal was chosen."""
    return NOTES[lang][why].format(goal=goal)
