"""Property-based fuzzing kept in the suite: the map loader and the match-rule compiler.

Few examples each, so the suite stays fast; hypothesis keeps the failing ones it finds in its
database, so a regression found once is tried first next time.
"""

from __future__ import annotations

import ibis
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from ruamel.yaml import YAML

from recorrido.bounded import holds_nul
from recorrido.errors import RecorridoError
from recorrido.journey.rules import Rule
from recorrido.journey.validate import check_text

FAST = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=12),
    st.just("\x00"),  # NUL: refused by the map's YAML layer (an engine's SQL cannot hold it)
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
MAP_KEYS = ["name", "version", "language", "stages", "touchpoints", "id", "match", "personas"]
map_like = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(MAP_KEYS) | st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=30,
)


def _yaml_text(value) -> str:
    import io

    stream = io.StringIO()
    YAML(typ="safe").dump(value, stream)
    return stream.getvalue()


@FAST
@given(st.text(max_size=300))
def test_any_text_as_a_map_gives_problems_not_exceptions(text):
    try:
        problems, journey = check_text(text, "en")
    except RecorridoError:
        return
    assert (journey is None) == bool(problems)
    for problem in problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.message


@FAST
@given(st.one_of(documents, map_like))
def test_any_document_as_a_map_gives_problems_not_exceptions(document):
    problems, journey = check_text(_yaml_text(document), "es")
    assert (journey is None) == bool(problems)
    assert all(p.code and p.message for p in problems)


# -- match rules: the engine's predicate and the Python reference agree on every event ---------

EVENTS = [
    ("view", "web", '{"price": 10, "tags": ["a"], "user": {"plan": "oro"}}'),
    ("view", "app", '{"price": "12,5", "empty": null}'),
    ("cart", "web", '{"price": 99.5, "coupon": true}'),
    ("cart", None, "{}"),
    ("buy", "store", '{"price": 0, "user": {"plan": "plata"}, "note": "x*y"}'),
    ("buy[1]", "web", '{"city": "Zaragoza"}'),
    ("sign-up", "email", None),
]
names = st.sampled_from(["view", "cart", "buy", "buy[1]", "sign-up", "v*", "*a*", "?uy", "nope"])
keys = st.sampled_from(["price", "tags", "user.plan", "empty", "coupon", "note", "city", "missing"])
values = st.one_of(st.sampled_from([0, 10, 12.5, "oro", "x*y", True, "10"]), scalars)


@st.composite
def conditions(draw):
    operator = draw(
        st.sampled_from(["equals", "in", "contains", "prefix", "regex", "gt", "lt", "exists"])
    )
    if operator == "in":
        operand = draw(st.lists(values, min_size=1, max_size=3))
    elif operator in ("gt", "lt"):
        operand = draw(st.one_of(st.integers(-5, 200), st.floats(-5, 200), st.text(max_size=3)))
    elif operator == "exists":
        operand = draw(st.booleans())
    elif operator == "regex":
        operand = draw(st.sampled_from(["^o", "a|b", "[0-9]+", "(", "x\\*y", "(?i)ORO", ""]))
    elif operator == "equals":
        operand = draw(values)
    else:
        operand = draw(st.text(max_size=3))
    return {"property": draw(keys), operator: operand}


rules = st.recursive(
    st.fixed_dictionaries(
        {},
        optional={
            "event": st.one_of(names, st.lists(names, max_size=3)),
            "channel": st.one_of(st.sampled_from(["web", "w*"]), st.lists(names, max_size=2)),
            "where": st.lists(conditions(), max_size=2),
        },
    ),
    lambda inner: st.one_of(
        st.fixed_dictionaries({"all": st.lists(inner, max_size=2)}),
        st.fixed_dictionaries({"any": st.lists(inner, max_size=2)}),
        st.fixed_dictionaries({"not": inner}),
    ),
    max_leaves=4,
)


@pytest.fixture(scope="module")
def events_table():
    con = ibis.duckdb.connect()
    rows = ", ".join(f"({_sql(e)}, {_sql(c)}, {_sql(p)}::JSON)" for e, c, p in EVENTS)
    con.raw_sql(f"CREATE TABLE ev AS SELECT * FROM (VALUES {rows}) t(event, channel, properties)")
    return con.table("ev")


def _sql(value):
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


@FAST
@given(rules)
def test_a_rule_compiles_and_the_engine_agrees_with_python(events_table, spec):
    assume(not holds_nul(spec))  # a map with one is refused before its rules are compiled
    try:
        rule = Rule.model_validate(spec)
    except (ValidationError, RecorridoError):
        return  # refused with the model's own message, shown by `map validate` with its path
    import json

    selected = events_table.mutate(hit=rule.predicate(events_table, "duckdb"))
    engine = selected.hit.to_pyarrow().to_pylist()
    python = [
        rule.matches({"event": e, "channel": c, "properties": None if p is None else json.loads(p)})
        for e, c, p in EVENTS
    ]
    assert engine == python
    assert sum(engine) + sum(not hit for hit in engine) == len(EVENTS)  # never NULL
