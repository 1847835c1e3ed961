"""The sentences under the stage funnel and the retention chart say only what their data shows.

Each test writes a small event file whose answer is known by construction, ingests it into a
workspace in ``tmp_path``, measures a map and builds the report's context, as ``recorrido
report`` does:

- the stage funnel's sentence says what the funnel counts (the next stage, after the one before
  in stage order, within the window) and names no cause: on a log of six days it had blamed
  "30 days" for customers who never reached the stage at all;
- the retention sentence never speaks of a cohort too small to give a rate (a cohort of one
  customer, "100 % come back"), and says so when no cohort is large enough.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest

from recorrido import Workspace
from recorrido.journey import JourneyMap
from recorrido.report.build import build_context
from recorrido.report.readings import MIN_COHORT

MAP = """version: 1
name: Three stages
language: en
stages:
  - id: a
    name: Visit
    touchpoints:
      - {id: visit, name: Visit, match: {event: visit}}
  - id: b
    name: Cart
    touchpoints:
      - {id: cart, name: Cart, match: {event: cart}}
  - id: c
    name: Pay
    touchpoints:
      - {id: pay, name: Pay, match: {event: pay}}
"""

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday: the weeks below are whole


def _report(tmp_path, rows, lang="en", **options) -> dict:
    """The report's context for ``rows`` of ``(customer, days after T0, event)``."""
    path = tmp_path / "events.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["customer_id", "timestamp", "event"])
        for customer, days, event in rows:
            out.writerow([customer, (T0 + timedelta(days=days)).isoformat(), event])
    with Workspace.init(tmp_path / "ws", timezone="UTC", language="en") as ws:
        ws.ingest(path)
        measured = ws.measure(JourneyMap.loads(MAP))
        return build_context(measured, source=ws, lang=lang, **options)


def _reading(context: dict, chart: str) -> str:
    found = next(c for c in context["charts"] if c["id"] == chart)
    return found["reading"] or found["note"]


def _funnel_rows() -> list[tuple]:
    """25 customers visit and then put something in the cart the same day. Of them, 10 pay a
    day later; 6 pay 40 days after their visit (in order, after a 30-day window); 4 paid a
    day before their visit and never again; 5 never pay."""
    rows = []
    for n in range(25):
        who = f"c{n:02d}"
        rows += [(who, 1, "visit"), (who, 1.1, "cart")]
        if n < 10:
            rows.append((who, 2, "pay"))
        elif n < 16:
            rows.append((who, 41, "pay"))
        elif n < 20:
            rows.append((who, 0, "pay"))
    return rows


def test_the_funnel_sentence_says_what_it_counts_and_names_no_cause(tmp_path):
    text = _reading(_report(tmp_path, _funnel_rows(), funnel_window="30d"), "funnel")
    # 6 pay after the window, 4 only before their visit, 5 never: no single cause to name
    assert text.startswith(
        "60% of the customers who reach 'Cart' do not reach 'Pay' after it, in stage order, "
        "within 30 days (15 of 25)."
    ), text
    # The map's count beside the funnel's: 20 pay at some time, 10 in the funnel.
    assert "The map counts 20 customers at 'Pay'" in text and "This funnel counts 10" in text


def _cohort_rows(size: int) -> list[tuple]:
    """One customer in the first week who comes back three weeks later; then ``size``
    customers in the second week, of whom 40 % come back the week after."""
    rows = [("early", 0, "visit"), ("early", 21, "visit")]
    for n in range(size):
        rows.append((f"w{n:02d}", 7, "visit"))
        if n < size * 2 // 5:
            rows.append((f"w{n:02d}", 14, "visit"))
    return rows


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_retention_sentence_speaks_of_a_cohort_large_enough(tmp_path, lang):
    text = _reading(_report(tmp_path, _cohort_rows(25), lang=lang), "retention")
    expected = {
        "en": "Of the 25 customers who arrived in the week of Jan 12, 2026, 40% come back the "
        "next period.",
        "es": "De los 25 clientes que llegaron la semana del 12 ene 2026, el 40 % vuelve el "
        "periodo siguiente.",
    }
    assert text == expected[lang]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_retention_rate_when_every_cohort_is_too_small(tmp_path, lang):
    text = _reading(_report(tmp_path, _cohort_rows(MIN_COHORT - 1), lang=lang), "retention")
    expected = {
        "en": "No cohort by week has 20 customers or more (the largest has 19): too few to "
        "read a return rate from.",
        "es": "Ninguna cohorte por semana tiene 20 clientes o más (la mayor tiene 19): son muy "
        "pocos para leer en ellos una tasa de vuelta.",
    }
    assert text == expected[lang]
