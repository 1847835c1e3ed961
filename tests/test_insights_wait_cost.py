"""Issue 24, waits judged by their time cost: a slow step whose customers still reach the goal
is a finding when one segment (or one period) waits long far more often than the rest; its
clean twin gives none. Small generated onboarding journeys of :mod:`test_insights_semantics`."""

from __future__ import annotations

import pytest

from tests.test_insights_semantics import _report, _where


def _time_cost(report):
    return [f for f in _where(report, "wait") if f.where.get("time_cost")]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wait_cost")
    return {plant: _report(tmp, 800, plant) for plant in ("slow_branch", "slow_period", None)}


def test_a_slow_branch_that_still_converts_is_a_wait_found_by_its_time_cost(reports):
    found = _time_cost(reports["slow_branch"])
    assert found, [(f.kind, f.where) for f in reports["slow_branch"].findings]
    wait = found[0]
    assert wait.where["touchpoint"] == "envio" and wait.where["to_touchpoint"] == "verificacion"
    assert wait.where["segment"] == {"dimension": "channel", "value": "web"}
    # about 40 % of the web's waits are long, against almost none elsewhere
    assert wait.rate_affected < 0.75 and wait.rate_comparable > 0.95
    assert wait.where["time_cost_hours"] > 48
    # the goal did not move: the goal-judged wait detector has nothing to say here
    assert not [f for f in _where(reports["slow_branch"], "wait") if not f.where.get("time_cost")]
    for lang in ("es", "en"):
        text = wait.sentence(lang)
        assert "web" in text and "{" not in text


def test_a_slow_period_for_everyone_is_a_dated_wait(reports):
    found = [f for f in _time_cost(reports["slow_period"]) if "segment" not in f.where]
    assert found, [(f.kind, f.where) for f in reports["slow_period"].findings]
    wait = found[0]
    assert wait.where["to_touchpoint"] == "verificacion"
    # planted on days 40..60 from 2025-01-06, 2025-02-15 .. 2025-03-07: the week bins may
    # move either end by a few days, never by a month
    assert "2025-02-08" <= wait.start <= "2025-02-22" and "2025-02-28" <= wait.end <= "2025-03-14"
    assert wait.rate_affected < 0.5 and wait.rate_comparable > 0.9
    assert "{" not in wait.sentence("es") and "{" not in wait.sentence("en")


def test_the_clean_twin_has_no_time_cost_finding(reports):
    # (this generator's base journey loses 15 % after the identity check by design: that
    # abandonment is a finding of its own, and no wait)
    assert not _time_cost(reports[None]), [f.sentence("en") for f in reports[None].findings]
    assert not _where(reports[None], "wait")
