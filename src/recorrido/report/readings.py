"""The one-line readings under each chart: what the numbers say, in plain words, in es or en.

Each function takes the small result a chart shows and returns one sentence (or ``None`` when the
result is empty). Names are the map's own (stage and touchpoint names), quoted as written; the
sentence is plain text, escaped by the template like every other text.
"""

from __future__ import annotations

import math
from itertools import pairwise

import pandas as pd

from recorrido.analytics.steps import END
from recorrido.i18n import message
from recorrido.report.render import format_date, format_number, format_percent

#: The fewest customers a cohort needs for the retention sentence to speak of it. Below 20 one
#: customer moves the rate by more than 5 points and its 95 % interval spans about 40 points
#: (Wilson, 10 of 20: 30–70 %): a cohort of one reads "100 % come back" from a single person.
MIN_COHORT = 20


def _m(key: str, lang: str, **params) -> str:
    return message(f"report_reading_{key}", lang, **params)


def funnel_vs_map(
    steps: pd.DataFrame, map_counts: dict[str, int], names: dict[str, str], lang: str, window: str
) -> str | None:
    """Where the stage funnel and the map count a stage differently, the sentence that says why
    (the funnel counts in stage order within its window, the map everyone who got there), with
    both numbers, for the furthest such stage: the page never shows two numbers for one thing
    without saying which is which. ``None`` when they agree."""
    if steps is None or len(steps) < 2:
        return None
    differing = [
        row
        for row in steps.itertuples()
        if row.step in map_counts and int(row.customers) != int(map_counts[row.step])
    ]
    if not differing:
        return None
    row = differing[-1]
    first = steps.iloc[0]["step"]
    return _m(
        "funnel_vs_map",
        lang,
        stage=names.get(row.step, row.step),
        map_count=format_number(map_counts[row.step], lang),
        funnel_count=format_number(row.customers, lang),
        first=names.get(first, first),
        window=window,
    )


def worst_step(steps: pd.DataFrame) -> int | None:
    """The position (0-based) of the step after which the funnel loses the largest share of
    its customers; ``None`` when no step before the last has customers."""
    if steps is None or len(steps) < 2:
        return None
    worst = None
    counts = [int(c) for c in steps["customers"]]
    for position, (before, after) in enumerate(pairwise(counts)):
        if not before:
            continue
        lost = 1 - after / before
        if worst is None or lost > worst[0]:
            worst = (lost, position)
    return None if worst is None else worst[1]


def funnel_reading(
    steps: pd.DataFrame,
    names: dict[str, str],
    lang: str,
    window: str,
) -> str | None:
    """The step where most customers are lost: "62 % de los clientes que llegan a «A» no llegan
    a «B» después, en el orden de las etapas, en 30 días (62 de 100)". It says what the funnel
    counts (the next stage, after this one, within the window) and names no cause: those lost
    may get there later than the window, out of stage order, or never."""
    if steps is None or len(steps) < 2:
        return None
    position = worst_step(steps)
    if position is None:
        return _m(
            "funnel_empty", lang, first=names.get(steps.iloc[0]["step"], steps.iloc[0]["step"])
        )
    prev, row = steps.iloc[position], steps.iloc[position + 1]
    lost = int(prev["customers"]) - int(row["customers"])
    if lost <= 0:
        return _m("funnel_none_lost", lang, window=window)
    return _m(
        "funnel",
        lang,
        share=format_percent(lost / int(prev["customers"]), lang),
        lost=format_number(lost, lang),
        total=format_number(int(prev["customers"]), lang),
        source=names.get(prev["step"], prev["step"]),
        target=names.get(row["step"], row["step"]),
        window=window,
    )


def flows_reading(links: pd.DataFrame, names: dict[str, str], lang: str) -> str | None:
    """The most common first move of the journey."""
    if links is None or links.empty:
        return None
    links = links[links["target"] != END]  # endings are drawn, the reading names a move
    if links.empty:
        return None
    first = links[links["step"] == links["step"].min()]
    top = first.sort_values(["customers", "source", "target"], ascending=[False, True, True])
    row = top.iloc[0]
    return _m(
        "flows",
        lang,
        source=names.get(row["source"], row["source"]),
        target=names.get(row["target"], row["target"]),
        customers=format_number(int(row["customers"]), lang),
    )


def paths_reading(top: pd.DataFrame, names: dict[str, str], lang: str) -> str | None:
    """The most common whole journey and how many follow it."""
    if top is None or top.empty:
        return None
    row = top.iloc[0]
    steps = [names.get(s, s) for s in row["steps"]]
    path = " → ".join(steps[:6]) + (" → …" if len(steps) > 6 else "")
    total = round(row["customers"] / row["share"]) if row["share"] else row["customers"]
    return _m(
        "paths",
        lang,
        path=path,
        customers=format_number(int(row["customers"]), lang),
        total=format_number(int(total), lang),
        share=format_percent(row["share"], lang),
    )


def retention_reading(frame: pd.DataFrame, period: str, lang: str) -> str | None:
    """The first cohort of at least :data:`MIN_COHORT` customers: how many came back the next
    period and at the last period seen; when no cohort is that large, a sentence saying so."""
    if frame is None or frame.empty:
        return None
    unit = message(f"report_period_{period}", lang)
    sizes = frame.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    large = sizes[sizes >= MIN_COHORT]
    if large.empty:
        return _m(
            "retention_small",
            lang,
            unit=unit,
            floor=format_number(MIN_COHORT, lang),
            size=format_number(int(sizes.max()), lang),
        )
    cohort = large.index.min()
    own = frame[frame["cohort"] == cohort].set_index("period")
    size = int(own["cohort_size"].iloc[0])
    when = format_date(cohort, lang)
    later = own[own.index > 0]
    if later.empty:
        return _m("retention_none", lang, size=format_number(size, lang), when=when, unit=unit)
    next_rate = own["rate"].get(1, 0.0)
    last = int(later.index.max())
    last_rate = own["rate"].get(last, 0.0)
    if last == 1:
        return _m(
            "retention_one",
            lang,
            size=format_number(size, lang),
            when=when,
            unit=unit,
            share=format_percent(next_rate, lang),
        )
    return _m(
        "retention",
        lang,
        size=format_number(size, lang),
        when=when,
        unit=unit,
        share=format_percent(0.0 if math.isnan(next_rate) else next_rate, lang),
        last=format_number(last, lang),
        last_share=format_percent(last_rate, lang),
    )


def unmapped_reading(summary: dict, lang: str) -> str:
    """How much of the data the map does not cover."""
    if not summary.get("unmapped_events"):
        return _m("unmapped_none", lang, events=format_number(summary["events"], lang))
    return _m(
        "unmapped",
        lang,
        share=format_percent(summary["unmapped_share"], lang),
        events=format_number(summary["unmapped_events"], lang),
    )


def stage_reading(before: dict, after: dict, lang: str) -> str | None:
    """Between two consecutive stages: the share of the first's customers who do not reach the
    second."""
    share = after.get("conversion_from_previous")
    if not before.get("customers") or share is None:
        return None
    return _m(
        "stage_gap",
        lang,
        share=format_percent(1 - share, lang),
        source=before["name"],
        target=after["name"],
    )
