"""Friction reads its shared relations from copies kept for the run (temporary DuckDB tables):
the tagged events, the event-loop steps, the failure occurrences, each detector's affected and
comparable rows. The findings must be exactly those of the plain expressions, where every query
works everything out from the events again (what friction did before the copies)."""

from __future__ import annotations

import json

import pytest

from recorrido.insights.findings import FrictionOptions, friction
from recorrido.insights.journeys import prepare
from recorrido.journey import JourneyMap
from recorrido.measured.scratch import Scratch
from tests import journey_generator as gen

SHOP = JourneyMap.loads(gen.SHOP_MAP)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    ws = gen.workspace(tmp_path_factory.mktemp("kept"), 2000, planted=True)
    yield ws
    ws.close()


def _as_expressions(monkeypatch):
    """Nothing kept: every relation stays an expression, read anew by each query."""
    monkeypatch.setattr(
        Scratch,
        "keep",
        lambda self, table, columns=None: table if columns is None else table.select(*columns),
    )


@pytest.mark.parametrize(
    "options",
    [
        FrictionOptions(),
        # Segments read property values on the kept event-loop steps; no name patterns leaves
        # failures to behaviour alone.
        FrictionOptions(segment_by=("platform", "country"), failure_patterns=()),
    ],
    ids=["defaults", "segments-no-patterns"],
)
def test_kept_relations_give_the_same_findings(planted, monkeypatch, options):
    kept = friction(planted, SHOP, options=options).to_dict()
    assert kept["findings"], "the planted shop must give findings to compare"
    with monkeypatch.context() as patch:
        _as_expressions(patch)
        plain = friction(planted, SHOP, options=options).to_dict()
    assert json.dumps(kept, sort_keys=True) == json.dumps(plain, sort_keys=True)


def test_a_shared_relation_is_built_once_and_dropped_with_the_run(planted):
    con = planted.events._find_backend().con
    before = set(_temp_tables(con))
    built = []

    def build(journeys):
        built.append(1)
        return journeys.tagged.group_by("stage_index").aggregate(n=journeys.tagged.count())

    with Scratch() as scratch:
        journeys = prepare(planted, SHOP, scratch=scratch)
        first = journeys.shared("per_stage", lambda: build(journeys))
        second = journeys.shared("per_stage", lambda: build(journeys))
        assert first is second and len(built) == 1
        # A temporary table: its rows are read, not computed again.
        assert first.get_name().split(".")[-1] in _temp_tables(con)
        counts = dict(first.execute().itertuples(index=False, name=None))
        assert sum(counts.values()) == journeys.tagged.count().execute()
    assert set(_temp_tables(con)) == before


def test_without_a_scratch_a_shared_relation_is_the_expression(planted):
    journeys = prepare(planted, SHOP)
    expr = journeys.tagged.select("customer_id")
    assert journeys.shared("ids", lambda: expr) is expr
    assert journeys.shared("ids", lambda: None) is expr


def _temp_tables(con) -> list[str]:
    return [
        r[0]
        for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    ]


@pytest.mark.parametrize(
    "options",
    [FrictionOptions(), FrictionOptions(failure_patterns=())],
    ids=["defaults", "no-patterns"],
)
def test_the_error_free_shortcut_gives_the_same_findings(planted, monkeypatch, options):
    """With no error-like event, the event loops and the failures' behaviour share one collapse
    of the events (insights.event_runs) and the map-level loops read the tagged events' own
    ``prev_tp``: the findings are those of the general path, each working out its own."""
    from recorrido.insights import event_loops, failure_behaviour, loops

    shortcut = friction(planted, SHOP, options=options).to_dict()
    with monkeypatch.context() as patch:
        for module in (event_loops, failure_behaviour, loops):
            patch.setattr(module, "error_free", lambda journeys, stems=(): False)
        general = friction(planted, SHOP, options=options).to_dict()
    assert json.dumps(shortcut, sort_keys=True) == json.dumps(general, sort_keys=True)


def test_name_tests_by_lookup_match_the_expressions_on_every_event(planted):
    """Name tests (errors, support contacts) run once on the distinct names; a query then looks
    the name up. Each row must get what the regular expression gives it, NULL included."""
    from recorrido.insights.discovery import ASSISTED_WORDS
    from recorrido.insights.error_words import among, error_names, is_error_column

    journeys = prepare(planted, SHOP)
    e = journeys.events
    support = ASSISTED_WORDS.pattern.lower()
    pairs = [
        (is_error_column(e.event), among(e.event, error_names(journeys))),
        (
            e.event.lower().re_search(support),
            among(e.event, journeys.names_where("support", lambda n: n.lower().re_search(support))),
        ),
    ]
    for regex, lookup in pairs:
        same = (regex == lookup) | (regex.isnull() & lookup.isnull())
        assert e.filter(~same.fill_null(False)).count().execute() == 0
        assert e.filter(lookup.fill_null(False)).count().execute() > 0  # the test bites
