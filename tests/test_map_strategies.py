"""Hypothesis strategies for journey maps and match rules, shared by the map tests."""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Event rows: the awkward cases on purpose (NULLs, missing keys, numbers as text, Spanish text,
# regex metacharacters in the data, a newline).
EVENT_NAMES = [
    "clicks",
    "carts",
    "orders",
    "page_view",
    "Order Completed",
    "añadir.carrito",
    "a*b",
    "x?y",
    "ORDERS",
]
CHANNELS = [None, "web", "app", "email", "Web", "tienda física"]
KEYS = ["aid", "precio", "categoría", "page url", "n", "nested"]
TEXTS = [
    "ñandú",
    "a.b",
    "1e3",
    "12",
    " 5",
    "x\ny",
    "$",
    "(a)",
    "",
    "Ünïcode",
    "10.50",
    "-3",
    "abc123",
    "true",
    "1_000",
    "0x1A",
    "zapatos",
]
NUMBERS = st.one_of(
    st.integers(-1_000_000, 1_000_000),
    st.integers(-4000, 4000).map(lambda k: k / 4),  # spelled alike by every engine
)
VALUES = st.one_of(st.none(), NUMBERS, st.booleans(), st.sampled_from(TEXTS), st.text(max_size=6))
PROPERTIES = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(KEYS[:-1]), VALUES, max_size=4).flatmap(
        lambda d: st.one_of(
            st.just(d),
            st.builds(
                lambda inner: {**d, "nested": inner},
                st.dictionaries(st.sampled_from(["url", "n"]), VALUES, max_size=2),
            ),
        )
    ),
)


@st.composite
def event_rows(draw, max_size: int = 30) -> list[dict]:
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "event": st.sampled_from(EVENT_NAMES),
                    "channel": st.sampled_from(CHANNELS),
                    "properties": PROPERTIES,
                }
            ),
            min_size=1,
            max_size=max_size,
        )
    )
    for i, row in enumerate(rows):
        row["id"] = i
        if row["properties"] is not None:
            row["properties"] = json.dumps(row["properties"], ensure_ascii=False)
    return rows


# Rules: leaves on names, channels and every operator; combinators on top.
GLOBS = ["*", "c*", "*s", "?licks", "Order *", "a*b", "x?y", "añadir.*"]
PATTERNS = [
    "^a",
    "b$",
    "\\d+",
    "^[0-9]+$",
    "a.b",
    "(x|y)",
    "\\.",
    "ñ",
    "^$",
    "[^a-z]",
    "\\w{2,}",
    "\\$",
    "\\(a\\)",
    "e\\d",
    "^-?[0-9]",
    "x.y",
    "Ü",
    "[ \\t]",
]
PROPERTY_KEYS = [*KEYS[:-1], "nested.url", "nested.n", "missing"]

names = st.one_of(
    st.sampled_from(EVENT_NAMES + GLOBS),
    st.lists(st.sampled_from(EVENT_NAMES + GLOBS), min_size=1, max_size=3),
)
scalars = st.one_of(NUMBERS, st.booleans(), st.sampled_from(TEXTS))
conditions = st.one_of(
    st.builds(lambda k, v: {"property": k, "equals": v}, st.sampled_from(PROPERTY_KEYS), scalars),
    st.builds(
        lambda k, v: {"property": k, "in": v},
        st.sampled_from(PROPERTY_KEYS),
        st.lists(scalars, min_size=1, max_size=3),
    ),
    st.builds(
        lambda k, v: {"property": k, "contains": v},
        st.sampled_from(PROPERTY_KEYS),
        st.sampled_from(TEXTS),
    ),
    st.builds(
        lambda k, v: {"property": k, "prefix": v},
        st.sampled_from(PROPERTY_KEYS),
        st.sampled_from(TEXTS),
    ),
    st.builds(
        lambda k, v: {"property": k, "regex": v},
        st.sampled_from(PROPERTY_KEYS),
        st.sampled_from(PATTERNS),
    ),
    st.builds(
        lambda k, op, v: {"property": k, op: v},
        st.sampled_from(PROPERTY_KEYS),
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        NUMBERS,
    ),
    st.builds(
        lambda k, v: {"property": k, "exists": v}, st.sampled_from(PROPERTY_KEYS), st.booleans()
    ),
)
leaf_rules = st.one_of(
    st.builds(lambda n: {"event": n}, names),
    st.builds(lambda c: {"channel": c}, st.sampled_from([c for c in CHANNELS if c] + ["*", "?eb"])),
    st.builds(lambda w: {"where": w}, st.lists(conditions, min_size=1, max_size=2)),
)
rules = st.recursive(
    leaf_rules,
    lambda inner: st.one_of(
        st.builds(lambda rs: {"all": rs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda rs: {"any": rs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda r: {"not": r}, inner),
        st.builds(lambda a, b: {**a, **b}, leaf_rules, inner),
    ),
    max_leaves=5,
)


# Whole maps: valid by construction (unique ids, references to ids that exist, a measured goal).
ids = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
texts = st.text(max_size=24)
short_texts = st.lists(texts, max_size=3)


@st.composite
def journey_maps(draw) -> dict:
    used: set[str] = set()

    def new_id() -> str:
        return draw(ids.filter(lambda i: i not in used).map(lambda i: used.add(i) or i))

    def maybe(strategy):
        return draw(st.one_of(st.none(), strategy))

    def put(target: dict, key: str, value) -> None:
        if value is not None:
            target[key] = value

    personas = []
    for _ in range(draw(st.integers(0, 2))):
        persona = {"id": new_id(), "name": draw(texts)}
        put(persona, "demographics", maybe(texts))
        put(persona, "needs", maybe(short_texts))
        put(persona, "income", maybe(texts))
        put(persona, "rule", maybe(rules))
        personas.append(persona)
    stages = []
    for _ in range(draw(st.integers(1, 3))):
        stage = {"id": new_id(), "name": draw(texts)}
        put(stage, "phase", maybe(st.sampled_from(["before", "during", "after"])))
        put(stage, "description", maybe(texts))
        for key in ("goals", "pain_points", "moments_of_truth", "notes"):
            put(stage, key, maybe(short_texts))
        put(
            stage,
            "emotion",
            maybe(
                st.builds(lambda s, w: {"score": s, "words": w}, st.integers(-2, 2), short_texts)
            ),
        )
        touchpoints = []
        for _ in range(draw(st.integers(1, 3))):
            tp = {"id": new_id(), "name": draw(texts)}
            put(tp, "channel", maybe(texts))
            put(tp, "mode", maybe(st.sampled_from(["self-service", "assisted"])))
            put(tp, "resources", maybe(short_texts))
            put(
                tp,
                "kpi",
                maybe(
                    st.builds(
                        lambda m, t: {"metric": m, "target": t}, texts, st.one_of(NUMBERS, texts)
                    )
                ),
            )
            if personas:
                put(
                    tp,
                    "personas",
                    maybe(st.lists(st.sampled_from([p["id"] for p in personas]), max_size=2)),
                )
            put(tp, "match", maybe(rules))
            touchpoints.append(tp)
        stage["touchpoints"] = touchpoints
        stages.append(stage)
    journey = {
        "name": draw(texts),
        "language": draw(st.sampled_from(["es", "en"])),
        "stages": stages,
    }
    if draw(st.booleans()):
        objective = {"id": new_id(), "text": draw(texts)}
        put(objective, "target", maybe(st.one_of(NUMBERS, texts)))
        put(
            objective,
            "stages",
            maybe(st.lists(st.sampled_from([s["id"] for s in stages]), max_size=2)),
        )
        journey["objectives"] = [objective]
    if personas:
        journey["personas"] = personas
    measured = [tp["id"] for s in stages for tp in s["touchpoints"] if "match" in tp]
    goal = draw(st.one_of(st.none(), st.sampled_from(measured) if measured else st.nothing()))
    if goal is not None:
        journey["goal"] = {"touchpoint": goal}
    elif draw(st.booleans()):
        journey["goal"] = {"event": draw(st.sampled_from(EVENT_NAMES + GLOBS))}
    return journey
