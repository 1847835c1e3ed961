"""Match rules: semantics, the regex subset, and the engine predicate against the Python rule."""

from __future__ import annotations

import json

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recorrido.journey import Rule
from recorrido.journey.regex import RegexNotSupported, translate
from tests.test_map_strategies import event_rows, rules

ROW_SCHEMA = pa.schema(
    {"id": pa.int64(), "event": pa.string(), "channel": pa.string(), "properties": pa.string()}
)


def rows_selected(con, rule: Rule, rows: list[dict]) -> set[int]:
    table = ibis.memtable(pa.Table.from_pylist(rows, schema=ROW_SCHEMA))
    result = con.to_pyarrow(table.select("id", hit=rule.predicate(table, con.name))).to_pylist()
    assert all(r["hit"] is not None for r in result)  # two-valued: never NULL
    return {r["id"] for r in result if r["hit"]}


def python_selected(rule: Rule, rows: list[dict]) -> set[int]:
    return {row["id"] for row in rows if rule.matches(row)}


@pytest.fixture(scope="module")
def duck():
    return ibis.duckdb.connect()


ROWS = [
    {
        "id": 0,
        "event": "clicks",
        "channel": "web",
        "properties": json.dumps({"aid": 15, "precio": "12.5"}),
    },
    {"id": 1, "event": "carts", "channel": None, "properties": None},
    {
        "id": 2,
        "event": "orders",
        "channel": "web",
        "properties": json.dumps({"precio": "doce", "categoría": "Niño/a"}),
    },
    {
        "id": 3,
        "event": "Order Completed",
        "channel": "email",
        "properties": json.dumps({"page": {"url": "/es/ñandú?x=1"}}),
    },
    {
        "id": 4,
        "event": "page_view",
        "channel": "app",
        "properties": json.dumps({"aid": "7", "flag": True}),
    },
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"event": "clicks"}, {0}),
        ({"event": ["carts", "orders"]}, {1, 2}),
        ({"event": "Order*"}, {3}),
        ({"event": "?licks"}, {0}),
        ({"event": "ORDER*"}, set()),  # case is exact
        ({"channel": "web"}, {0, 2}),
        ({"not": {"channel": "web"}}, {1, 3, 4}),  # a NULL channel is "not web"
        ({"where": [{"property": "aid", "exists": True}]}, {0, 4}),
        ({"where": [{"property": "aid", "exists": False}]}, {1, 2, 3}),
        ({"where": [{"property": "aid", "equals": 7}]}, {4}),  # text "7" is the number 7
        ({"where": [{"property": "aid", "equals": "15"}]}, {0}),  # number 15 spelled as text
        ({"where": [{"property": "precio", "gt": 10}]}, {0}),  # "doce" is no number: false
        ({"not": {"where": [{"property": "precio", "gt": 10}]}}, {1, 2, 3, 4}),
        ({"where": [{"property": "precio", "lte": 10}]}, set()),
        ({"where": [{"property": "categoría", "contains": "niño"}]}, set()),  # case is exact
        ({"where": [{"property": "categoría", "prefix": "Niño"}]}, {2}),
        ({"where": [{"property": "page.url", "regex": "^/es/"}]}, {3}),
        ({"where": [{"property": "page.url", "contains": "?x="}]}, {3}),
        ({"where": [{"property": "flag", "equals": True}]}, {4}),
        ({"where": [{"property": "aid", "in": [15, "7"]}]}, {0, 4}),
        ({"any": [{"event": "carts"}, {"channel": "email"}]}, {1, 3}),
        ({"all": [{"channel": "web"}, {"event": "orders"}]}, {2}),
        ({"event": "clicks", "channel": "app"}, set()),
    ],
)
def test_rule_semantics(duck, rule, expected):
    parsed = Rule.model_validate(rule)
    assert python_selected(parsed, ROWS) == expected
    assert rows_selected(duck, parsed, ROWS) == expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(?=a)", "regex_group_syntax"),
        ("(?<!a)b", "regex_group_syntax"),
        ("(?P<name>a)", "regex_group_syntax"),
        ("(?i)abc", "regex_group_syntax"),
        ("(a)\\1", "regex_escape"),
        ("\\s+", "regex_escape"),
        ("\\bword", "regex_escape"),
        ("\\p{L}", "regex_escape"),
        ("\\Qa.b\\E", "regex_escape"),
        ("\\u00e9", "regex_escape"),
        ("a*+", "regex_possessive"),
        ("a{2}+", "regex_possessive"),
        ("a{,3}", "regex_brace"),
        ("a}", "regex_brace"),
        ("a{1001}", "regex_repeat_limit"),
        ("[[:alpha:]]", "regex_class"),
        ("[a&&b]", "regex_class"),
        ("[]a]", "regex_class"),
        ("*a", "regex_invalid"),
        ("(a", "regex_invalid"),
        ("[z-a]", "regex_invalid"),
        ("a\tb", "regex_control_char"),
    ],
)
def test_regex_outside_the_subset_is_refused(pattern, reason):
    with pytest.raises(RegexNotSupported) as caught:
        translate(pattern)
    assert caught.value.reason == reason


def test_regex_spelled_per_engine():
    portable = translate("^a.b$")
    assert portable.python == "\\Aa[^\\n]b\\Z"
    assert portable.engine == "\\Aa[^\\n]b\\z"
    assert translate("[.$^]\\d{2,3}(?:x|y)*?").engine == "[.$^]\\d{2,3}(?:x|y)*?"


def test_property_keys_are_checked_not_pasted():
    from recorrido.errors import RecorridoError
    from recorrido.journey.properties import property_text, python_property, python_text

    table = ibis.table({"properties": "json"}, name="t")
    with pytest.raises(RecorridoError):  # a control character is a broken header, not a name
        property_text(table.properties, "a\nb", "duckdb")
    with pytest.raises(RecorridoError):  # Spark's JSON path cannot spell a quote
        property_text(table.properties, "a'b", "pyspark")
    doc = json.dumps(
        {
            "categoría": "ñ",
            "page url": 1,
            "a-b": {"c d": True},
            "case:AMOUNT_REQ": "5000",
            "page.url": "/flat",
            "x/y~z": 3,
            "a') OR 1=1 --": "literal",
        },
        ensure_ascii=False,
    )
    table = ibis.memtable(pa.table({"properties": [doc]}))
    con = ibis.duckdb.connect()
    keys = {
        "a": "categoría",
        "b": "page url",
        "c": "a-b.c d",
        "d": "case:AMOUNT_REQ",
        "e": "page.url",
        "f": "x/y~z",
        "g": "a') OR 1=1 --",  # read as a name, never pasted into SQL
        "h": "missing:key",
    }
    got = con.to_pyarrow(
        table.select(
            **{k: property_text(table.properties, key, "duckdb") for k, key in keys.items()}
        )
    ).to_pylist()
    assert got == [
        {
            "a": "ñ",
            "b": "1",
            "c": "true",
            "d": "5000",
            "e": "/flat",
            "f": "3",
            "g": "literal",
            "h": None,
        }
    ]
    assert [python_text(python_property(doc, key)) for key in keys.values()] == list(
        got[0].values()
    )


def test_first_matching_touchpoint_in_map_order(duck):
    from recorrido.journey import JourneyMap

    journey = JourneyMap.model_validate(
        {
            "name": "order",
            "stages": [
                {
                    "id": "s1",
                    "name": "S1",
                    "touchpoints": [{"id": "any-web", "name": "W", "match": {"channel": "web"}}],
                },
                {
                    "id": "s2",
                    "name": "S2",
                    "touchpoints": [{"id": "order", "name": "O", "match": {"event": "orders"}}],
                },
            ],
        }
    )
    table = ibis.memtable(pa.Table.from_pylist(ROWS, schema=ROW_SCHEMA))
    tagged = duck.to_pyarrow(
        table.select(
            "id", tp=journey.touchpoint_expr(table), stage=journey.stage_expr(table)
        ).order_by("id")
    ).to_pydict()
    assert tagged["tp"][:3] == ["any-web", None, "any-web"]  # orders on web: first wins
    assert tagged["stage"][:3] == ["s1", None, "s1"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules, rows=event_rows())
def test_duckdb_predicate_selects_what_python_selects(duck, rule, rows):
    parsed = Rule.model_validate(rule)
    assert rows_selected(duck, parsed, rows) == python_selected(parsed, rows)


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(max_size=12),
    pattern=st.sampled_from(
        ["^a", "b$", "a.b", "\\d", "\\w+$", "^$", "[^x]", "\\.", "^[0-9]+(\\.[0-9]+)?$"]
    ),
)
def test_regex_subset_agrees_with_duckdb_on_any_text(duck, text, pattern):
    portable = translate(pattern)
    expected = portable.compiled().search(text) is not None
    table = ibis.memtable(pa.table({"t": pa.array([text], pa.string())}))
    got = duck.to_pyarrow(table.select(hit=table.t.re_search(portable.engine)))["hit"][0]
    assert got.as_py() == expected
