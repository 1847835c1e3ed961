"""Bad input gets a clear error naming it, never an empty result that reads as zero customers;
and the chart helpers build offline figures."""

from __future__ import annotations

import pytest

from recorrido import RecorridoError, Workspace
from recorrido import analytics as A
from recorrido.analytics import charts
from recorrido.demo import bundled


@pytest.fixture(scope="module")
def otto(tmp_path_factory):
    with Workspace.init(tmp_path_factory.mktemp("otto") / "ws", language="en") as ws:
        with bundled("otto_sample.jsonl") as data, bundled("otto_mapping.yaml") as mapping:
            ws.ingest(data, mapping=mapping)
        yield ws


def error_of(call) -> RecorridoError:
    with pytest.raises(RecorridoError) as info:
        call()
    return info.value


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("30m", 30 * 60 * 10**6),
        ("12h", 12 * 3600 * 10**6),
        ("7d", 7 * 86400 * 10**6),
        ("2w", 14 * 86400 * 10**6),
        ("90s", 90 * 10**6),
        (" 3 days ", 3 * 86400 * 10**6),
    ],
)
def test_durations(text, micros):
    assert A.parse_duration(text) == micros


@pytest.mark.parametrize("text", ["7", "d7", "0d", "-1d", "7y", "1.5h", ""])
def test_bad_durations_name_the_text(text):
    exc = error_of(lambda: A.parse_duration(text))
    assert exc.key == "analytics_bad_duration" and f"'{text}'" in str(exc)


def test_unknown_step_suggests_the_closest(otto):
    exc = error_of(lambda: A.funnel(otto, ["clicks", "cart", "orders"]))
    assert exc.key == "analytics_unknown_name_close"
    assert "'cart'" in str(exc) and "`carts`" in str(exc)
    assert "¿Quisiste decir `carts`?" in exc.localized("es")
    exc = error_of(lambda: A.funnel(otto, ["clicks", "zzz_nothing"]))
    assert exc.key == "analytics_unknown_name" and "clicks" in str(exc)
    exc = error_of(lambda: A.funnel(otto, ["clicks", "orders"], exclusions=["returns"]))
    assert "'returns'" in str(exc)
    exc = error_of(lambda: A.flows(otto, start_at="click"))
    assert "`clicks`" in str(exc)
    exc = error_of(lambda: A.retention(otto, return_event="order"))
    assert "`orders`" in str(exc)


def test_unknown_breakdown_property(otto):
    exc = error_of(lambda: A.funnel(otto, ["clicks", "orders"], breakdown="aidd"))
    assert exc.key == "analytics_unknown_property_close" and "`aid`" in str(exc)
    # Any name is read as a name, never pasted into SQL: this one is simply not there.
    exc = error_of(lambda: A.funnel(otto, ["clicks", "orders"], breakdown="a'); drop table x"))
    assert exc.key.startswith("analytics_unknown_property")
    exc = error_of(lambda: A.funnel(otto, ["clicks", "orders"], breakdown="bad\nname"))
    assert exc.key == "analytics_bad_property"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"window": "soon"}, "analytics_bad_duration"),
        ({"start": "2022-13-01"}, "analytics_bad_date"),
        ({"start": "2022-08-10", "end": "2022-08-01"}, "analytics_bad_range"),
        ({"start": "2030-01-01"}, "analytics_empty_range"),
        ({"kind": "sorted"}, "analytics_bad_funnel_kind"),
        ({"kind": "strict", "exclusions": ["carts"]}, "analytics_strict_exclusions"),
        ({"level": "touchpoint"}, "analytics_level_untagged"),
        ({"level": "chanel"}, "analytics_unknown_level"),
    ],
)
def test_bad_funnel_input(otto, kwargs, key):
    assert error_of(lambda: A.funnel(otto, ["clicks", "orders"], **kwargs)).key == key


def test_other_bad_input(otto):
    assert error_of(lambda: A.funnel(otto, ["clicks"])).key == "analytics_funnel_too_short"
    exc = error_of(lambda: A.funnel(otto, ["clicks", "clicks"], kind="any"))
    assert exc.key == "analytics_any_order_repeats"
    exc = error_of(lambda: A.funnel(otto, ["clicks", "orders"], exclusions=["orders"]))
    assert exc.key == "analytics_exclusion_is_step"
    assert error_of(lambda: A.sessions(otto, by="year")).key == "analytics_bad_period"
    assert error_of(lambda: A.retention(otto, "year")).key == "analytics_bad_period"
    exc = error_of(lambda: A.retention(otto, start="2030-01-01"))
    assert exc.key == "analytics_no_cohort"
    exc = error_of(lambda: A.flows(otto, start_at="clicks", end_at="orders"))
    assert exc.key == "analytics_flow_both_ends"


def test_empty_workspace_is_an_error_not_zero(workspace):
    for call in (
        lambda: A.transitions(workspace),
        lambda: A.funnel(workspace, ["a", "b"]),
        lambda: A.sessions(workspace),
        lambda: A.retention(workspace),
    ):
        exc = error_of(call)
        assert exc.key == "analytics_no_events" and "recorrido ingest" in str(exc)


def test_empty_range_is_explained_by_every_question(otto):
    # These questions ask whether there are events at all only after an empty answer.
    for call in (
        lambda: A.transitions(otto, start="2030-01-01"),
        lambda: A.variants(otto, start="2030-01-01"),
        lambda: A.sessions(otto, start="2030-01-01"),
        lambda: A.funnel(otto, ["clicks", "orders"], start="2030-01-01"),
    ):
        assert error_of(call).key == "analytics_empty_range"
    assert error_of(lambda: A.variants(otto, level="touchpoint")).key == "analytics_level_untagged"


def test_figures_build_offline(otto):
    figures = [
        charts.transitions_figure(A.transitions(otto)),
        charts.flows_figure(A.flows(otto, steps=3)),
        charts.variants_figure(A.variants(otto, top=5)),
        charts.funnel_figure(A.funnel(otto, ["clicks", "carts", "orders"], breakdown="source")),
        charts.sessions_figure(A.sessions(otto, by="week"), lang="es"),
        charts.retention_figure(A.retention(otto, "week")),
    ]
    for fig in figures:
        html = fig.to_html(include_plotlyjs=True, full_html=True)
        assert '<script src="http' not in html and len(html) > 1_000_000  # plotly.js is inside
    assert figures[1].data[0].type == "sankey"
    assert figures[4].layout.yaxis.title.text == "sesiones"
