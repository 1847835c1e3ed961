"""Bootstrap intervals on attribution: exact on the observed counts, right coverage on simulated
customers, deterministic, and shown in the API, the JSON and the table."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recorrido.analytics.attribution import (
    MODELS,
    PathTable,
    attribute,
    attribute_file,
    read_paths,
)
from recorrido.analytics.attribution import bootstrap as bs
from recorrido.analytics.attribution import resampled_credit as rc
from recorrido.errors import RecorridoError
from tests.conftest import SHARED_DATA

RECORRIDO = shutil.which("recorrido", path=str(Path(sys.executable).parent)) or "recorrido"
DATA = SHARED_DATA / "channelattribution_pathdata" / "Data.csv"
DATA_COLUMNS = (
    "--path-column",
    "path",
    "--conversions",
    "total_conversions",
    "--value",
    "total_conversion_value",
    "--nulls",
    "total_null",
    "--separator",
    ">",
)


def random_table(seed: int, channels: int = 5, rows: int = 60) -> PathTable:
    rng = np.random.default_rng(seed)
    names = [chr(ord("A") + i) for i in range(channels)]
    paths = [tuple(rng.choice(names, size=rng.integers(1, 6))) for _ in range(rows)]
    conversions = rng.integers(0, 5, size=rows)
    nulls = rng.integers(0, 8, size=rows)
    value = conversions * rng.uniform(5, 50, size=rows)
    return PathTable.build(paths, conversions, value, nulls)


def engine_point(table: PathTable, models, **options) -> dict:
    engine = bs.Engine(table, models, **options)
    return engine.credits(table.conversions[None, :], table.nulls[None, :])


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("walk", [False, True])
def test_observed_counts_give_the_point_estimates(order, walk, monkeypatch):
    # The engine recomputes every model from counts; on the observed counts it must equal
    # attribute() exactly, with the dense solve and with the sparse walk of the Markov chain.
    monkeypatch.setattr(rc, "DENSE_BOOTSTRAP", 0 if walk else 10_000)
    table = random_table(order, channels=6)
    for characteristic, exact_max in [("conversions", 15), ("rate", 15), ("rate", 3)]:
        options = {
            "order": order,
            "half_life": 1.5,
            "position": (0.3, 0.3, 0.4),
            "shapley_characteristic": characteristic,
            "shapley_exact_max": exact_max,
            "shapley_samples": 300,
            "seed": 4,
        }
        expected = attribute(table, **options).table
        found = engine_point(table, list(MODELS), **options)
        for model in MODELS:
            conv, value = found[model]
            assert conv[0] == pytest.approx(expected[model].to_numpy(), rel=1e-9, abs=1e-9)
            assert value[0] == pytest.approx(
                expected[f"{model}_value"].to_numpy(), rel=1e-9, abs=1e-9
            )


# Simulated customers: the first touch is A (0.5), B (0.3) or C (0.2), then 0, 1 or 2 more touches
# (equally likely, each A/B/C equally likely); they convert with a probability set by the first
# touch (A 0.10, B 0.20, C 0.05). Every (path, converted) cell has a known probability, so a
# sample of customers is one multinomial draw over the cells.
FIRST = {"A": 0.5, "B": 0.3, "C": 0.2}
CONVERTS = {"A": 0.10, "B": 0.20, "C": 0.05}
PATHS = [
    (first, *rest)
    for first in "ABC"
    for more in range(3)
    for rest in itertools.product("ABC", repeat=more)
]
PATH_PROBABILITY = np.array([FIRST[p[0]] / 3 / 3 ** (len(p) - 1) for p in PATHS])
CONVERT = np.array([CONVERTS[p[0]] for p in PATHS])
CELLS = np.concatenate([PATH_PROBABILITY * CONVERT, PATH_PROBABILITY * (1 - CONVERT)])
# First-touch share of A among the conversions: 0.5·0.10 / (0.5·0.10 + 0.3·0.20 + 0.2·0.05).
TRUE_FIRST_TOUCH_SHARE_A = 0.05 / 0.12


def simulate(rng: np.random.Generator, customers: int) -> PathTable:
    counts = rng.multinomial(customers, CELLS)
    return PathTable.build(PATHS, counts[: len(PATHS)], None, counts[len(PATHS) :])


def test_the_simulation_is_what_it_says():
    assert CELLS.sum() == pytest.approx(1.0)
    big = simulate(np.random.default_rng(1), 1_000_000)
    first_a = attribute(big, models=["first_touch"]).table.set_index("channel")["first_touch"]
    assert first_a["A"] / big.total_conversions == pytest.approx(TRUE_FIRST_TOUCH_SHARE_A, abs=3e-3)


def test_interval_covers_the_true_share_about_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    repetitions, covered, widths = 200, 0, []
    for i in range(repetitions):
        table = simulate(rng, 1500)
        found = bs.resample(table, ["first_touch"], 200, seed=i)
        row = found.intervals.set_index("channel").loc["A"]
        low, high = row["first_touch_share_low"], row["first_touch_share_high"]
        covered += low <= TRUE_FIRST_TOUCH_SHARE_A <= high
        widths.append(high - low)
    coverage = covered / repetitions
    assert 0.90 <= coverage <= 0.99, coverage
    # About ±1.96 standard errors of a share of ~180 conversions: not uselessly wide.
    assert 0.10 < np.mean(widths) < 0.18


def test_markov_interval_covers_the_population_value():
    # The "true" Markov credit is the model applied to the whole population, i.e. to the
    # expected counts of every cell. Samples should cover it about 95 % of the time.
    population = PathTable.build(PATHS, CELLS[: len(PATHS)] * 1e6, None, CELLS[len(PATHS) :] * 1e6)
    truth = attribute(population, models=["markov"]).table.set_index("channel")["markov"]
    share_b = truth["B"] / population.total_conversions
    rng = np.random.default_rng(7)
    repetitions, covered = 200, 0
    for i in range(repetitions):
        table = simulate(rng, 1500)
        row = bs.resample(table, ["markov"], 200, seed=i).intervals.set_index("channel").loc["B"]
        covered += row["markov_share_low"] <= share_b <= row["markov_share_high"]
    assert 0.90 <= covered / repetitions <= 0.99, covered / repetitions


def test_chunks_solvers_and_seeds():
    table = random_table(11, channels=5, rows=80)
    models = ["linear", "markov", "shapley"]
    one = bs.resample(table, models, 40, seed=3, order=2)
    again = bs.resample(table, models, 40, seed=3, order=2)
    assert one.intervals.equals(again.intervals) and one.differences.equals(again.differences)
    other = bs.resample(table, models, 40, seed=4, order=2)
    assert not one.intervals.equals(other.intervals)
    # The draws do not depend on how the resamples are chunked, nor on the Markov solver.
    old = (rc.CHUNK_VALUES, rc.DENSE_BOOTSTRAP)
    try:
        rc.CHUNK_VALUES, rc.DENSE_BOOTSTRAP = 1, 0  # one resample per chunk, sparse walk
        small = bs.resample(table, models, 40, seed=3, order=2)
    finally:
        rc.CHUNK_VALUES, rc.DENSE_BOOTSTRAP = old
    columns = one.intervals.columns.drop("channel")
    assert np.allclose(small.intervals[columns], one.intervals[columns], rtol=1e-9, atol=1e-9)


def test_differences_name_what_the_sample_cannot_tell_apart():
    # A and B start the same number of conversions: their order is an accident; C far behind.
    table = PathTable.build([("A",), ("B",), ("C",)], [500, 500, 20], None, [500, 500, 500])
    r = attribute(table, models=["first_touch"], bootstrap=200)
    rows = r.differences.set_index(["channel", "next_channel"])
    assert list(rows.index) == [("A", "B"), ("B", "C")]
    assert not rows.loc[("A", "B"), "significant"]
    assert rows.loc[("A", "B"), "low"] < 0 < rows.loc[("A", "B"), "high"]
    assert rows.loc[("B", "C"), "significant"] and rows.loc[("B", "C"), "low"] > 0


def test_result_columns_json_and_notebook_form(tmp_path):
    table = random_table(5)
    calls = []
    r = attribute(table, bootstrap=50, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (50, 50)
    frame = r.table
    for model in MODELS:
        point, low, high = frame[model], frame[f"{model}_low"], frame[f"{model}_high"]
        assert (low <= high).all() and (
            frame[f"{model}_value_low"] <= frame[f"{model}_value_high"]
        ).all()
        assert frame[f"{model}_share"].sum() == pytest.approx(1.0)
        assert (frame[f"{model}_share_low"] <= frame[f"{model}_share_high"]).all()
        # A percentile interval of a smooth statistic holds its point estimate here.
        assert ((low - 1e-9 <= point) & (point <= high + 1e-9)).mean() >= 0.8
    data = r.to_dict()
    assert data["bootstrap"]["resamples"] == 50 and data["bootstrap"]["method"] == "percentile"
    assert data["bootstrap"]["journeys"] == table.total_conversions + table.total_nulls
    assert {"linear_low", "linear_share_high", "markov_value_low"} <= set(data["channels"][0])
    pair = data["bootstrap"]["differences"][0]
    assert set(pair) == {
        "model",
        "channel",
        "next_channel",
        "difference",
        "low",
        "high",
        "significant",
    }
    assert isinstance(pair["significant"], bool)
    json.dumps(data)
    tidy = r.intervals("markov")
    assert list(tidy.columns[:5]) == [
        "model",
        "channel",
        "conversions",
        "conversions_low",
        "conversions_high",
    ]
    assert {"share", "share_low", "share_high", "value_low"} <= set(tidy.columns)
    assert tidy["conversions"].is_monotonic_decreasing
    bars = r.figure().data[0].error_x
    assert bars.array is not None and len(bars.array) == len(frame)
    # Without a bootstrap nothing changes.
    plain = attribute(table)
    assert plain.bootstrap is None and "bootstrap" not in plain.to_dict()
    assert list(plain.table.columns) == ["channel", *[c for m in MODELS for c in (m, f"{m}_value")]]


def test_bad_resamples_and_level_are_refused():
    table = random_table(1)
    for resamples in (-1, 5):
        with pytest.raises(RecorridoError) as exc:
            attribute(table, bootstrap=resamples)
        assert exc.value.key == "attribution_bad_bootstrap"
    with pytest.raises(RecorridoError) as exc:
        attribute(table, bootstrap=100, level=95)
    assert exc.value.key == "attribution_bad_level"


def run(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "RECORRIDO_LANG": lang, "COLUMNS": "200"}
    return subprocess.run(
        [RECORRIDO, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def data() -> Path:
    if not DATA.is_file():
        pytest.skip("shared data absent")
    return DATA


def test_cli_json_equals_the_api_byte_for_byte(data):
    done = run(
        "attribution",
        "--paths",
        str(data),
        *DATA_COLUMNS,
        "--bootstrap",
        "100",
        "--seed",
        "7",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    api = attribute_file(
        data,
        path_column="path",
        conversions="total_conversions",
        value="total_conversion_value",
        nulls="total_null",
        separator=">",
        bootstrap=100,
        seed=7,
    )
    # Same input and seed, another process: the very same bytes.
    assert done.stdout.strip() == json.dumps(api.to_dict(), ensure_ascii=False)
    report = json.loads(done.stdout)
    assert report["bootstrap"]["seed"] == 7 and report["bootstrap"]["journeys"] == 88387
    alpha = next(c for c in report["channels"] if c["channel"] == "alpha")
    assert alpha["first_touch"] == 6308
    # 6308 of 19785 conversions: binomial-like spread, roughly ±2.6 % of the credit.
    assert 6100 < alpha["first_touch_low"] < 6308 < alpha["first_touch_high"] < 6520
    assert alpha["markov_low"] < alpha["markov"] < alpha["markov_high"]


def test_cli_table_shows_intervals_and_ties_in_both_languages(data):
    table = read_paths(data, separator=">")
    assert table.total_conversions == 19785
    command = ("attribution", "--paths", str(data), *DATA_COLUMNS, "-m", "first_touch")
    done = run(*command, "--bootstrap", "50")
    assert done.returncode == 0, done.stderr
    assert "95 % intervals" in done.stdout and "50 resamples" in done.stdout
    assert "mi vs delta" in done.stdout  # 2 against 1 conversions: not distinguishable
    spanish = run(*command, "--bootstrap", "50", lang="es")
    assert spanish.returncode == 0, spanish.stderr
    assert "No significativamente distintos" in spanish.stdout
    assert "6.308,0" in spanish.stdout  # Spanish number format, interval underneath


def test_workspace_attribution_carries_intervals(tmp_path):
    from recorrido.analytics.attribution import attribute_workspace
    from tests import journey_generator as gen

    ws = gen.workspace(tmp_path, 600, planted=False)
    try:
        r = attribute_workspace(ws, conversion="order_completed", bootstrap=50, seed=1)
    finally:
        ws.close()
    assert r.settings["paths"]["conversion"] == "order_completed"
    assert r.bootstrap["resamples"] == 50 and r.bootstrap["journeys"] == r.totals["journeys"]
    for model in r.models:
        assert (r.table[f"{model}_low"] <= r.table[f"{model}_high"]).all()
    assert set(r.differences["model"]) == set(r.models)
