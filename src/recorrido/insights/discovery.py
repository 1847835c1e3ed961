"""A draft journey map from the data alone, to validate and edit.

1. **Goal.** The ``goal`` event given, else the most common event whose name looks like a
   conversion (order, purchase, compra, pedido, clickout, checkout, signup, registro, ...), else
   a completion (completed, resolved, closed, ...), else the commonest last event; never a
   failure or a cancellation (:mod:`recorrido.insights.goal_choice`).
2. **Touchpoints.** The events that at least ``min_share`` of customers have (at most
   ``max_touchpoints``), grouped by their first word when several share it and that word is a
   word (``search for poi`` and ``search for item`` → ``search``); a code of one or two
   characters (``A_SUBMITTED``, ``W_Completeren aanvraag``, ``O_SELECTED`` in process-mining
   logs) is not a word, so those events stay touchpoints of their own, named as the events are.
   An event that is on its own another **ending** of the process (see 4.) never joins a group:
   ``Send for Credit Collection``, the unpaid end of a fine, is not the ``Send Fine`` that
   opened it.
   The goal event is always its own touchpoint, and so is every **failure** (an event whose
   name reads as one, :mod:`recorrido.insights.error_words`): it is never grouped with ordinary
   steps (``payment_failed`` stays apart from ``payment_form``), its description says it is a
   failure and its stage lists it among the ``pain_points``, so the map marks it as a failure
   instead of making it an ordinary step. Its channel is the commonest channel of its
   events when most of them happen there (else it has none); its mode is assisted when the
   name says a person is involved (support, chat, call, agent, ticket, soporte, asesor,
   llamada, ...).
3. **Position.** For customers who reached the goal, each event before their first goal event
   gets the position ``place / place of the goal`` (0 at the start, near 1 just before it);
   events after it count as after; customers without a goal count as before. A touchpoint is
   **after the goal** when more customers have it only after their goal than before it;
   otherwise its typical position is the mean over customers of each one's mean position,
   read on the customers who reach the goal when at least ``MIN_ANCHORED`` of them have it
   (else on all, those without a goal at place / journey length: the last step of a browser
   who leaves would otherwise read as late). Inside its stage a touchpoint is
   listed by **precedence**: the mean, over the other touchpoints, of the share of the
   customers who have both in whom it comes first (each customer compares their own steps;
   up to ``PRECEDENCE_CUSTOMERS`` customers drawn by a hash of the id), then by the median time
   from a customer's first event to it.
4. **Outcomes.** A touchpoint whose customers almost never reach the goal (under 10 %) and for
   whom it comes at the very end (median place at least 0.9) is another ending of the process —
   a declined or cancelled application — and joins the goal's stage, not the first stages.
5. **Stages.** Touchpoints before the goal split at position 0.5 into an early and a late stage
   when both halves have some; the goal and the other outcomes form the goal's stage (phase
   during); the after touchpoints form the last stage. Stages keep this order, so the map's order
   agrees with when things happen. When the goal reads as a purchase (order, compra, checkout,
   ...) the stages are Discovery, Consideration, Purchase, After the purchase; otherwise they get
   neutral names (Start, Progress, Outcome, After the goal).
"""

from __future__ import annotations

import re

import ibis

from recorrido.analytics.sequence import customer_order, epoch_micros, events_of
from recorrido.errors import RecorridoError, did_you_mean
from recorrido.insights.goal_choice import note as goal_note
from recorrido.insights.sampling import sample

GOAL_WORDS = re.compile(
    r"order|purchase|compra|pedido|clickout|checkout|convers|signup|sign_up|registro|"
    r"subscri|suscrip|booking|reserva|approved|aprobad|paid|pagado",
    re.IGNORECASE,
)
ASSISTED_WORDS = re.compile(
    r"support|soporte|chat|call|llamada|agent|agente|ticket|asesor|advisor|help ?desk|"
    # "phone" only where a word starts: an "iPhone" topic is no call to a person
    r"contact|contacto|(^|[^a-z])phone|tel[eé]fono",
    re.IGNORECASE,
)
#: Goals that are a purchase: the shop's stage names fit them; any other goal gets neutral ones.
PURCHASE_WORDS = re.compile(
    r"order|purchase|compra|pedido|clickout|checkout|buy|venta|booking|reserva|paid|pagado|"
    r"payment|pago",
    re.IGNORECASE,
)
#: Stage names by kind of goal: (purchase, neutral) × language, in stage order.
STAGE_NAMES = {
    "es": {
        "discover": "Descubrimiento",
        "consider": "Consideración",
        "purchase": "Compra",
        "after": "Después de la compra",
    },
    "en": {
        "discover": "Discovery",
        "consider": "Consideration",
        "purchase": "Purchase",
        "after": "After the purchase",
    },
}
NEUTRAL_STAGE_NAMES = {
    "es": {"discover": "Inicio", "consider": "Avance", "purchase": "Resultado", "after": "Después"},
    "en": {"discover": "Start", "consider": "Progress", "purchase": "Outcome", "after": "After"},
}
NEUTRAL_STAGE_IDS = {
    "discover": "start",
    "consider": "progress",
    "purchase": "outcome",
    "after": "after",
}
PHASES = {"discover": "before", "consider": "before", "purchase": "during", "after": "after"}
#: An outcome other than the goal: its customers reach the goal less often than this ...
#: Customers who reach the goal after a touchpoint, at least, for its position to be read on
#: them alone (see **Position**).
MIN_ANCHORED = 10
OUTCOME_MAX_GOAL_RATE = 0.1
#: ... and it comes this late in their journeys (median place, 0 first, 1 last).
OUTCOME_MIN_PLACE = 0.9
#: A first word this short is a code (A_, W_, O_), not a word to group touchpoints by.
MIN_GROUP_WORD = 3


def looks_like_purchase(text: str | None) -> bool:
    """Whether a goal's name reads as a purchase (so "before the purchase" fits it)."""
    return bool(text) and PURCHASE_WORDS.search(str(text)) is not None


DESCRIPTION = {
    "es": "Borrador propuesto a partir de los datos ({customers} clientes, {events} eventos): "
    "revisa nombres, etapas y reglas.",
    "en": "Draft proposed from the data ({customers} customers, {events} events): review the "
    "names, stages and rules.",
}


def discover(
    source,
    *,
    goal: str | None = None,
    lang: str = "es",
    name: str | None = None,
    min_share: float = 0.01,
    max_touchpoints: int = 30,
):
    """A draft :class:`~recorrido.journey.JourneyMap` proposed from the events of ``source``."""
    from recorrido.journey import JourneyMap

    events = events_of(source)
    events = events.filter(events.customer_id.notnull(), events.event.notnull())
    events = events.mutate(us=epoch_micros(events))
    names = (
        events.group_by("event")
        .aggregate(events=events.count(), customers=events.customer_id.nunique())
        .order_by([ibis.desc("customers"), ibis.desc("events"), "event"])
        .limit(2000)
        .execute()
    )
    totals = events.aggregate(
        customers=events.customer_id.nunique(), events=events.count()
    ).execute()
    customers, total_events = int(totals["customers"][0]), int(totals["events"][0])
    known = [str(n) for n in names["event"]]
    if len(known) < 2:
        raise RecorridoError("insights_too_few_events")
    goal, why = _goal(goal, known, events)
    frequent = names[names.customers >= max(2, min_share * customers)]
    chosen = [str(n) for n in frequent["event"]][:max_touchpoints]
    if goal not in chosen:
        chosen.append(goal)

    positions = _positions(events, goal, chosen)
    channels = _channels(events, chosen)
    groups = _endings_apart(events, goal, _group(chosen, goal))

    timing = _timing(events, goal, groups)
    precedes = _precedence(events, groups)

    placed = []
    for label, members in groups.items():
        before = sum(positions.get(m, {}).get("before", 0) for m in members)
        after = sum(positions.get(m, {}).get("after", 0) for m in members)
        weights = [positions.get(m, {}).get("n", 0) for m in members]
        pos = [positions.get(m, {}).get("pos", 0.5) for m in members]
        mean = sum(w * p for w, p in zip(weights, pos, strict=True)) / max(1, sum(weights))
        place, goal_rate, elapsed = timing.get(label, (mean, 1.0, 0.0))
        if goal in members:
            stage = "purchase"
        elif after > before:
            stage = "after"
        elif _is_ending(place, goal_rate):
            stage = "outcome"
        else:
            stage = "early" if mean < 0.5 else "late"
        placed.append((label, members, stage, mean, elapsed))
    early = [p for p in placed if p[2] == "early"]
    late = [p for p in placed if p[2] == "late"]
    split = bool(early) and bool(late)
    stages: dict[str, list] = {"discover": [], "consider": [], "purchase": [], "after": []}
    # Inside a stage, touchpoints in the order they happen (the goal first in its stage): the
    # one that comes first in most of its customers' journeys first.
    for label, members, stage, _mean, _elapsed in sorted(
        placed, key=lambda p: (goal not in p[1], -precedes.get(p[0], 0.5), p[4], p[3], p[0])
    ):
        if stage in ("early", "late"):
            stage = ("discover" if stage == "early" else "consider") if split else "consider"
        elif stage == "outcome":
            stage = "purchase"
        stages[stage].append(_touchpoint(label, members, channels, lang))
    _unique_ids(stages)
    purchase = looks_like_purchase(goal)
    titles = STAGE_NAMES[lang] if purchase else NEUTRAL_STAGE_NAMES[lang]
    ids = {sid: sid for sid in stages} if purchase else NEUTRAL_STAGE_IDS
    taken = {tp["id"] for tps in stages.values() for tp in tps}
    data = {
        "version": 1,
        "name": name or ("Mapa descubierto" if lang == "es" else "Discovered map"),
        "language": lang,
        "description": DESCRIPTION[lang].format(customers=customers, events=total_events)
        + " "
        + goal_note(why, goal, lang),
        "stages": [
            {
                # A stage id may not repeat a touchpoint id (an event named "after" ...).
                "id": ids[sid] if ids[sid] not in taken else f"stage-{ids[sid]}",
                "name": titles[sid],
                "phase": PHASES[sid],
                **_pain_points(tps, lang),
                "touchpoints": tps,
            }
            for sid, tps in stages.items()
            if tps
        ],
        "goal": {"touchpoint": stages["purchase"][0]["id"]},
    }
    journey = JourneyMap.model_validate(data)
    return JourneyMap.loads(journey.dumps())


def _goal(goal: str | None, known: list[str], events: ibis.Table) -> tuple[str, str]:
    """The goal event, and how it was chosen (``given`` or one of ``goal_choice.WHY``)."""
    if goal is not None:
        if goal not in known:
            raise RecorridoError(
                "insights_no_goal_event", name=goal, suggestion=did_you_mean(goal, known) or "—"
            )
        return goal, "given"
    # A failure is never the goal (``pago_fallido`` holds ``pago``; ``A_DECLINED`` is an end);
    # a conversion, else a completion, else the commonest ending: goal_choice.
    from recorrido.insights import goal_choice

    return goal_choice.choose_explained(events, known, GOAL_WORDS)


def _positions(events: ibis.Table, goal: str, chosen: list[str]) -> dict[str, dict]:
    t = events.mutate(seq=ibis.row_number().over(customer_order(events)))
    firsts = t.filter(t.event == goal).group_by("customer_id").aggregate(g=t.seq.min())
    sizes = t.group_by("customer_id").aggregate(size=t.count())
    t = t.filter(t.event.isin(chosen)).join(sizes, "customer_id").left_join(firsts, "customer_id")
    t = t.select("event", "customer_id", "seq", "size", "g")
    pos = ibis.cases(
        (t.g.isnull(), t.seq.cast("float64") / ibis.greatest(t.size - 1, 1).cast("float64")),
        (t.seq < t.g, t.seq.cast("float64") / ibis.greatest(t.g, 1).cast("float64")),
        else_=ibis.null("float64"),
    )
    t = t.mutate(
        pos=pos, is_before=(t.g.isnull() | (t.seq < t.g)), is_after=(t.g.notnull() & (t.seq > t.g))
    )
    per = t.group_by(["event", "customer_id"]).aggregate(
        pos=t.pos.mean(),
        before=t.is_before.any(),
        after=t.is_after.any(),
        won=t.g.notnull().any(),
    )
    won_pos = ibis.cases((per.won, per.pos), else_=ibis.null("float64"))
    frame = (
        per.group_by("event")
        .aggregate(
            pos=per.pos.mean(),
            n=per.pos.count(),
            won_pos=won_pos.mean(),
            won_n=won_pos.count(),
            before=per.before.cast("int64").sum(),
            after=(per.after & ~per.before).cast("int64").sum(),
        )
        .execute()
    )

    def position(r) -> tuple[float, int]:
        # Anchored at the goal where enough of its customers reach it: the last step of a
        # browser who leaves is not "late" (a loan simulator tried before applying).
        if r.won_n >= MIN_ANCHORED:
            return float(r.won_pos), int(r.won_n)
        return (float(r.pos) if r.pos == r.pos and r.pos is not None else 0.5), int(r.n)

    return {
        str(r.event): {
            "pos": position(r)[0],
            "n": position(r)[1],
            "before": int(r.before),
            "after": int(r.after),
        }
        for r in frame.itertuples()
    }


def _timing(events: ibis.Table, goal: str, groups: dict[str, list[str]]) -> dict:
    """Per touchpoint: ``(place, goal rate, elapsed)``: the median over its customers of their
    mean place in their whole journey (0 first, 1 last), the share of its customers who reach
    the goal, and the median time from a customer's first event to their first event of it
    (microseconds): when it happens, the order the map lists touchpoints in."""
    label_of = {m: label for label, members in groups.items() for m in members}
    t = events.mutate(seq=ibis.row_number().over(customer_order(events)))
    sizes = t.group_by("customer_id").aggregate(size=t.count(), begin=t.us.min())
    reached = t.filter(t.event == goal).select("customer_id").distinct().mutate(won=1)
    chosen = t.filter(t.event.isin(list(label_of)))
    chosen = chosen.join(sizes, "customer_id").left_join(reached, "customer_id")
    place = chosen.seq.cast("float64") / ibis.greatest(chosen.size - 1, 1).cast("float64")
    label = ibis.cases(*[(chosen.event == m, lab) for m, lab in label_of.items()])
    chosen = chosen.select(
        "customer_id",
        label=label,
        place=place,
        won=chosen.won.fill_null(0),
        elapsed=chosen.us - chosen.begin,
    )
    # a customer counts once per touchpoint (a group of several events too)
    per = chosen.group_by(["label", "customer_id"]).aggregate(
        place=chosen.place.mean(), won=chosen.won.max(), elapsed=chosen.elapsed.min()
    )
    frame = (
        per.group_by("label")
        .aggregate(
            place=per.place.median(),
            won=per.won.cast("float64").mean(),
            elapsed=per.elapsed.cast("float64").median(),
        )
        .execute()
    )
    return {
        str(r.label): (float(r.place), float(r.won), float(r.elapsed)) for r in frame.itertuples()
    }


#: Customers (drawn by a hash of the id) whose journeys order the touchpoints.
PRECEDENCE_CUSTOMERS = 20_000


def _precedence(events: ibis.Table, groups: dict[str, list[str]]) -> dict[str, float]:
    """Per touchpoint: the mean, over every other touchpoint, of the share of the customers who
    have both in whom this one comes first (their first events compared). Each customer compares
    their own steps, so the order does not depend on who goes on to the later ones: a median
    time from the first event read over different customers does (those who stop early are not
    in the later step's median) and put an upload before the form that precedes it."""
    label_of = {m: label for label, members in groups.items() for m in members}
    t = events.filter(events.event.isin(list(label_of)))
    people = sample(t.select("customer_id").distinct(), PRECEDENCE_CUSTOMERS)
    t = t.semi_join(people, "customer_id")
    t = t.mutate(seq=ibis.row_number().over(customer_order(t)))
    label = ibis.cases(*[(t.event == m, lab) for m, lab in label_of.items()])
    firsts = t.group_by(["customer_id", label.name("label")]).aggregate(first=t.seq.min())
    other = firsts.select(customer_id_b="customer_id", label_b="label", first_b="first")
    pairs = firsts.join(
        other, (firsts.customer_id == other.customer_id_b) & (firsts.label != other.label_b)
    )
    frame = (
        pairs.group_by(["label", "label_b"])
        .aggregate(ahead=(pairs.first < pairs.first_b).cast("float64").mean())
        .execute()
    )
    return {str(k): float(v) for k, v in frame.groupby("label").ahead.mean().items()}


def _is_ending(place: float, goal_rate: float) -> bool:
    """Another ending of the process (module text, 4.): its customers almost never reach the
    goal and it comes at the very end of their journeys."""
    return goal_rate < OUTCOME_MAX_GOAL_RATE and place >= OUTCOME_MIN_PLACE


def _endings_apart(
    events: ibis.Table, goal: str, groups: dict[str, list[str]]
) -> dict[str, list[str]]:
    """``groups`` with every event that is on its own another ending of the process taken out
    of its group into a touchpoint of its own (module text, 2.)."""
    shared = [m for members in groups.values() if len(members) > 1 for m in members]
    if not shared:
        return groups
    alone = _timing(events, goal, {m: [m] for m in shared})
    endings = {m for m, (place, won, _) in alone.items() if _is_ending(place, won)}
    out: dict[str, list[str]] = {}
    for label, members in groups.items():
        kept = [m for m in members if m not in endings]
        out.update({m: [m] for m in members if m in endings})
        if len(kept) == 1 and len(members) > 1:
            out[kept[0]] = kept
        elif kept:
            out[label] = kept
    return out


def _channels(events: ibis.Table, chosen: list[str]) -> dict[str, str]:
    t = events.filter(events.event.isin(chosen), events.channel.notnull())
    frame = t.group_by(["event", "channel"]).aggregate(n=t.count()).execute()
    frame = frame.sort_values(["event", "n", "channel"], ascending=[True, False, True])
    # A touchpoint is drawn on a channel only when most of its events happen there: an ad
    # impression served on five channels is no "Facebook" touchpoint.
    return {
        str(e): str(g["channel"].iloc[0])
        for e, g in frame.groupby("event")
        if g["n"].iloc[0] * 2 > g["n"].sum()
    }


def _group(chosen: list[str], goal: str) -> dict[str, list[str]]:
    from recorrido.insights.error_words import is_error_name

    by_word: dict[str, list[str]] = {}
    for event in chosen:
        if event == goal:
            continue
        word = re.split(r"[\s_.:/-]+", event.strip().lower())[0] or event
        if len(word) < MIN_GROUP_WORD or not any(c.isalpha() for c in word):
            word = event  # a code (A_, W_, 2_), not a word: the event stays its own touchpoint
        if is_error_name(event):
            word = "\0" + event  # a failure is never hidden among ordinary steps
        by_word.setdefault(word, []).append(event)
    groups: dict[str, list[str]] = {goal: [goal]}
    for word, members in by_word.items():
        if len(members) > 1:
            groups[word] = members
        else:
            groups[members[0]] = members
    return groups


FAILURE_DESCRIPTION = {
    "es": "Fallo (el nombre del evento lo dice): los hallazgos lo tratan como un fallo del paso "
    "anterior, no como un paso más.",
    "en": "A failure (its event name says so): the insights treat it as a failure of the step "
    "before it, not as one more step.",
}
FAILURE_PAIN = {"es": "Fallo: {name}", "en": "Failure: {name}"}


def _touchpoint(label: str, members: list[str], channels: dict[str, str], lang: str) -> dict:
    from recorrido.insights.error_words import is_error_name

    channel = next((channels[m] for m in members if m in channels), None)
    tp = {
        "id": _slug(label),
        "name": label,
        "mode": "assisted" if ASSISTED_WORDS.search(label) else "self-service",
        "match": {"event": members if len(members) > 1 else members[0]},
    }
    if all(is_error_name(m) for m in members):
        tp["description"] = FAILURE_DESCRIPTION[lang]
    if channel:
        tp["channel"] = channel
    return tp


def _pain_points(tps: list[dict], lang: str) -> dict:
    """The failures among a stage's touchpoints, as its pain points (none: no key)."""
    failures = [tp["name"] for tp in tps if tp.get("description") == FAILURE_DESCRIPTION[lang]]
    if not failures:
        return {}
    return {"pain_points": [FAILURE_PAIN[lang].format(name=name) for name in failures]}


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text.strip()).strip("-_").lower()
    return slug if slug and slug[0].isalnum() else f"tp-{slug or 'x'}"


def _unique_ids(stages: dict[str, list]) -> None:
    seen: set[str] = set()
    for tps in stages.values():
        for tp in tps:
            base, n = tp["id"], 2
            while tp["id"] in seen:
                tp["id"] = f"{base}-{n}"
                n += 1
            seen.add(tp["id"])
