"""The evaluations of ``docs/predictions.md``, on the real data in ``../shared/data``.

    .venv/bin/python benchmarks/bench_predict.py [--data ../shared/data] [--only next,mta,bpi,cdnow]

Prints one Markdown table per evaluation (and writes them to ``benchmarks/results/predict.md``):

- ``cdnow``: BG/NBD and Gamma-Gamma on the CDNOW 1/10 sample (39 calibration weeks), predicted
  against actual repeat purchases in the 39 holdout weeks, by number of calibration purchases;
- ``next``: next click, HR@20 and MRR@20, on the YOOCHOOSE 100k sample (its own train/test
  split: the last day's sessions) and the DIGINETICA sample (the last 20 % of sessions by date),
  popularity vs first-order Markov vs back-off of order 2 and 3;
- ``mta``: conversion within 7 days on the multi-touch attribution touchpoints (time split,
  :func:`recorrido.predict.models.train_model`) beside the base rate and recency alone;
- ``scale`` (not in the default run): features and scoring beside the measured map on the
  generated ``benchmarks/.data/journeys_<ROWS>.parquet`` (``--rows 1M`` or ``10M``), read in
  place, in wall and CPU seconds (``resource``: DuckDB's threads included), with the
  explanations ``predict score`` stores (the highest scores) and one asked for on demand;
- ``bpi``: BPI 2012 loan applications, approved or not, from the first 5 events of each case,
  on cases still undecided after those events; trained on the first 70 % of cases by start time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"


def cdnow(data: Path) -> str:
    from recorrido.predict.lifetime_value import fit_bgnbd, fit_gamma_gamma
    from recorrido.predict.purchases import purchase_summary
    from recorrido.workspace import Workspace

    rows = pd.read_csv(
        data / "cdnow_transactions" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "dollars"],
    )
    events = pd.DataFrame(
        {
            "event_id": [f"cdnow-{i}" for i in range(len(rows))],
            "customer_id": rows.customer.astype(str),
            "timestamp": pd.to_datetime(rows.date.astype(str)).dt.strftime("%Y-%m-%dT00:00:00Z"),
            "event": "purchase",
            "value": rows.dollars,
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        events.to_csv(Path(folder) / "cdnow.csv", index=False)
        with Workspace.init(Path(folder) / "ws") as ws:
            ws.ingest(Path(folder) / "cdnow.csv")
            started = time.perf_counter()
            s = purchase_summary(
                ws.events,
                datetime(1997, 10, 1, tzinfo=UTC),
                holdout_end=datetime(1998, 7, 1, tzinfo=UTC),
            ).execute()
    fit = fit_bgnbd(s.x, s.t_x, s["T"])
    spend = fit_gamma_gamma(s.x, s.mean_spend)
    seconds = time.perf_counter() - started
    expected = fit.expected_purchases(39, s.x, s.t_x, s["T"])
    lines = [
        "| parameter | published (FHL 2005) | recorrido |",
        "|---|---|---|",
        f"| r | 0.243 | {fit.r:.4f} |",
        f"| α | 4.414 | {fit.alpha:.4f} |",
        f"| a | 0.793 | {fit.a:.4f} |",
        f"| b | 2.426 | {fit.b:.4f} |",
        f"| log-likelihood | −9582.4 | {fit.log_likelihood:.2f} |",
        f"| Gamma-Gamma p, q, γ | 6.25, 3.74, 15.44 | {spend.p:.2f}, {spend.q:.2f}, "
        f"{spend.gamma:.2f} |",
        "",
        f"Summary in the engine + both fits: {seconds:.2f} s.",
        "",
        "| purchases in weeks 1–39 | customers | predicted weeks 40–78 (mean) | actual (mean) |",
        "|---|---|---|---|",
    ]
    groups = s.x.clip(upper=7)
    for x in sorted(groups.unique()):
        mask = (groups == x).to_numpy()
        label = f"{x}+" if x == 7 else str(x)
        lines.append(
            f"| {label} | {mask.sum()} | {expected[mask].mean():.2f} | "
            f"{s.holdout.to_numpy()[mask].mean():.2f} |"
        )
    lines.append(f"| all | {len(s)} | total {expected.sum():.0f} | total {int(s.holdout.sum())} |")
    return "\n".join(lines)


def next_step(data: Path) -> str:
    from recorrido.predict.next_step import MarkovBackoff, evaluate, popularity_model

    def sessions(frame: pd.DataFrame, session: str, item: str, order: list[str]) -> list[list]:
        frame = frame.sort_values([session, *order], kind="stable")
        return [list(g) for _, g in frame.groupby(session, sort=True)[item]]

    yoo = data / "yoochoose_rsc15_100k"
    train = pd.read_csv(yoo / "yoochoose-clicks-100k_train_full.txt", sep="\t")
    test = pd.read_csv(yoo / "yoochoose-clicks-100k_test.txt", sep="\t")
    splits = {
        "yoochoose 100k": (
            sessions(train, "SessionId", "ItemId", ["Time"]),
            sessions(test, "SessionId", "ItemId", ["Time"]),
        )
    }
    digi = pd.read_csv(data / "diginetica_sample" / "sample_train-item-views.csv", sep=";")
    starts = digi.groupby("session_id").eventdate.min().sort_values(kind="stable")
    cut = starts.iloc[int(len(starts) * 0.8)]
    train_ids = set(starts[starts < cut].index)
    train_d = digi[digi.session_id.isin(train_ids)]
    test_d = digi[~digi.session_id.isin(train_ids)]
    test_d = test_d[test_d.item_id.isin(set(train_d.item_id))]  # as session-rec does
    train_s = [s for s in sessions(train_d, "session_id", "item_id", ["timeframe"]) if len(s) > 1]
    test_s = [s for s in sessions(test_d, "session_id", "item_id", ["timeframe"]) if len(s) > 1]
    splits["diginetica sample"] = (train_s, test_s)
    lines = [
        "| data | train sessions | test cases | model | HR@20 | MRR@20 |",
        "|---|---|---|---|---|---|",
    ]
    for name, (fit_on, test_on) in splits.items():
        models = {
            "popularity": popularity_model(),
            "Markov order 1": MarkovBackoff(order=1),
            "back-off order 2": MarkovBackoff(order=2),
            "back-off order 3": MarkovBackoff(order=3),
        }
        for label, model in models.items():
            result = evaluate(model.fit(fit_on), test_on, k=20)
            lines.append(
                f"| {name} | {len(fit_on)} | {result['cases']} | {label} | "
                f"{result['hr@20']:.3f} | {result['mrr@20']:.3f} |"
            )
    return "\n".join(lines)


def mta(data: Path) -> str:
    from recorrido.predict.models import train_model
    from recorrido.workspace import Workspace

    source = data / "mta_touchpoints_kaggle_subset" / "attribution_data.csv"
    with tempfile.TemporaryDirectory() as folder, Workspace.init(Path(folder) / "ws") as ws:
        ws.ingest(
            source,
            columns={
                "timestamp": "time",
                "event": "interaction",
                "value": "conversion_value",
                "channel": "channel",
            },
        )
        started = time.perf_counter()
        record = train_model(ws, "convert", target="conversion", horizon_days=7, train_cutoffs=3)
        seconds = time.perf_counter() - started
    return _propensity_table(record, seconds)


def _propensity_table(record: dict, seconds: float) -> str:
    training = record["training"]
    lines = [
        f"Target: {record['target_label']}. Training cutoffs "
        f"{', '.join(c[:10] for c in training['cutoffs'])} ({training['rows']} rows); "
        f"evaluated at {training['evaluate_at'][:10]} on {record['metrics']['rows']} customers "
        f"({record['metrics']['positives']} positive). Train + evaluate: {seconds:.1f} s.",
        "",
        "| scores | AUC | PR-AUC | Brier | top-decile lift |",
        "|---|---|---|---|---|",
    ]
    rows = [("model (HistGradientBoosting)", record["metrics"])]
    rows += [(f"baseline: {k.replace('_', ' ')}", v) for k, v in record["baselines"].items()]
    for label, m in rows:
        lines.append(
            f"| {label} | {_f(m['auc'])} | {_f(m['pr_auc'])} | {_f(m['brier'], 4)} | "
            f"{_f(m['lift_top_decile'])} |"
        )
    top = ", ".join(f"{r['feature']} ({r['importance']:.3f})" for r in record["importance"][:4])
    lines += ["", f"Permutation importance (AUC drop), top 4: {top}."]
    return "\n".join(lines)


OUTCOMES = ("A_APPROVED", "A_DECLINED", "A_CANCELLED", "A_ACTIVATED", "A_REGISTERED")


def bpi(data: Path, prefix: int = 5) -> str:
    """Outcome of each loan application from its first ``prefix`` events (in the engine)."""
    import ibis
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    from recorrido.analytics.sequence import customer_order, epoch_micros, property_value
    from recorrido.predict.evaluation import binary_metrics
    from recorrido.workspace import Workspace

    with tempfile.TemporaryDirectory() as folder, Workspace.init(Path(folder) / "ws") as ws:
        ws.ingest(data / "bpi2012_loan_application" / "bpic2012.xes.gz")
        started = time.perf_counter()
        events = ws.events.mutate(us=epoch_micros(ws.events))
        events = events.mutate(position=ibis.row_number().over(customer_order(events)))
        outcome = events.group_by("customer_id").aggregate(
            approved=(events.event == "A_APPROVED").cast("int64").max(),
            decided=events.event.isin(OUTCOMES).cast("int64").max(),
            start_us=events.us.min(),
        )
        first = events.filter(events.position < prefix)
        amount = property_value(first, "case:AMOUNT_REQ").cast("float64")
        names = first.select("event").distinct().execute()["event"].tolist()
        features = first.group_by("customer_id").aggregate(
            prefix_seconds=(first.us.max() - first.us.min()) / 1e6,
            amount=amount.max(),
            early_outcome=first.event.isin(OUTCOMES).cast("int64").max(),
            **{f"n_{i}": (first.event == n).cast("int64").sum() for i, n in enumerate(names)},
        )
        table = features.join(outcome, "customer_id").execute()
        engine_seconds = time.perf_counter() - started
    cases = len(table)
    # Cases decided within the prefix are answered already; cases never decided are cut off.
    table = table[(table.early_outcome == 0) & (table.decided == 1)].sort_values(
        ["start_us", "customer_id"]
    )
    split = int(len(table) * 0.7)
    train, test = table.iloc[:split], table.iloc[split:]
    columns = ["prefix_seconds", "amount", *[f"n_{i}" for i in range(len(names))]]
    with threadpool_limits(1):
        model = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.05, random_state=0)
        model.fit(train[columns], train.approved)
        scores = model.predict_proba(test[columns])[:, 1]
        single = HistGradientBoostingClassifier(max_iter=100, random_state=0)
        single.fit(train[["prefix_seconds"]], train.approved)
        by_time = single.predict_proba(test[["prefix_seconds"]])[:, 1]
    rate = np.full(len(test), train.approved.mean())
    lines = [
        f"{cases} cases; {len(table)} undecided after {prefix} events and decided later; "
        f"trained on the first {len(train)} by start, evaluated on the last {len(test)} "
        f"({int(test.approved.sum())} approved). Prefix features in the engine: "
        f"{engine_seconds:.1f} s.",
        "",
        "| scores | AUC | PR-AUC | Brier | top-decile lift |",
        "|---|---|---|---|---|",
    ]
    for label, p in (
        ("model (first 5 events, amount, time)", scores),
        ("baseline: base rate", rate),
        ("baseline: time elapsed in the prefix alone", by_time),
    ):
        m = binary_metrics(test.approved, p)
        lines.append(
            f"| {label} | {_f(m['auc'])} | {_f(m['pr_auc'])} | {_f(m['brier'], 4)} | "
            f"{_f(m['lift_top_decile'])} |"
        )
    return "\n".join(lines)


def _cpu() -> float:
    """CPU seconds of this process, DuckDB's threads included: steadier than wall time on a
    shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def scale(data: Path, rows: str = "1M") -> str:
    """Features + scoring against the measured map on the generated journeys (read in place)."""
    import ibis
    from threadpoolctl import threadpool_limits

    from recorrido.analytics.sequence import epoch_micros
    from recorrido.measured import measure
    from recorrido.predict.explain import contributions
    from recorrido.predict.features import customer_features, fetch
    from recorrido.predict.labels import Target
    from recorrido.predict.models import EXPLAINED_CUSTOMERS
    from recorrido.predict.propensity import last_event_time, train

    path = HERE / ".data" / f"journeys_{rows}.parquet"
    if not path.exists():
        return (
            f"{path} is missing: run `benchmarks/bench_analytics.py {rows}` first, which "
            "generates it."
        )
    table = ibis.duckdb.connect().read_parquet(path)
    timings: dict[str, tuple[float, float]] = {}
    load_before = os.getloadavg()[0]

    def timed(name, work):
        wall, cpu = time.perf_counter(), _cpu()
        result = work()
        timings[name] = (time.perf_counter() - wall, _cpu() - cpu)
        return result

    timed("map", lambda: measure(table, HERE / "maps" / "bench-6-stages.yaml"))
    # The generated journeys thin out over years: evaluate where 80 % of the events lie before.
    moment = table.select(us=epoch_micros(table)).us.quantile(0.8).execute()
    evaluate_at = datetime.fromtimestamp(int(moment) // 86_400_000_000 * 86_400, tz=UTC)
    model = timed(
        "train",
        lambda: train(
            table,
            Target(kind="convert", horizon_days=7, event="purchase"),
            evaluate_at=evaluate_at,
            train_cutoffs=2,
            max_rows=200_000,
        ),
    )
    at = last_event_time(table)
    features = timed("features", lambda: fetch(customer_features(table, at, model.spec)))
    columns = list(model.spec.columns)
    with threadpool_limits(1):
        scores = timed("scores", lambda: model.estimator.predict_proba(features[columns])[:, 1])
        candidates = [row["feature"] for row in model.importance[:8]]
        # As `predict score` does: the highest EXPLAINED_CUSTOMERS scores are explained now ...
        top = np.argsort(-scores, kind="stable")[:EXPLAINED_CUSTOMERS]
        timed(
            "explanations",
            lambda: contributions(
                model.estimator, features[columns].iloc[top], model.medians, candidates=candidates
            ),
        )
        # ... and any other customer's when asked, from their own events (`predict explain`).
        lowest = str(features.customer_id.iloc[int(np.argmin(scores))])

        def on_demand():
            one = fetch(
                customer_features(table.filter(table.customer_id == lowest), at, model.spec)
            )
            return contributions(
                model.estimator, one[columns], model.medians, candidates=candidates
            )

        timed("one", on_demand)

    def cell(*names: str) -> str:
        wall = sum(timings[n][0] for n in names)
        cpu = sum(timings[n][1] for n in names)
        base_wall, base_cpu = timings["map"]
        return f"{wall:.1f} | {cpu:.1f} | {wall / base_wall:.2f} | {cpu / base_cpu:.2f}"

    customers = len(scores)
    return "\n".join(
        [
            "| work | wall s | CPU s | × map (wall) | × map (CPU) |",
            "|---|---|---|---|---|",
            f"| measured map (6 stages) | {cell('map')} |",
            f"| features of {customers} customers | {cell('features')} |",
            f"| scores | {cell('scores')} |",
            f"| **features + scores** | {cell('features', 'scores')} |",
            f"| explanations of the {min(EXPLAINED_CUSTOMERS, customers):,} highest scores "
            f"(8 most important features) | {cell('explanations')} |",
            f"| features + scores + explanations | {cell('features', 'scores', 'explanations')} |",
            f"| one other customer's explanation, on demand | {cell('one')} |",
            f"| training (2 cutoffs, sample of {model.training_rows} rows"
            f"{' drawn' if model.sampled else ''}, plus evaluation) | {cell('train')} |",
            "",
            f"{rows} generated events ({path.name}). Model AUC at {model.evaluate_at:%Y-%m-%d}: "
            f"{_f(model.metrics['auc'])} (recency alone {_f(model.baselines['recency']['auc'])}).",
            f"Load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}.",
        ]
    )


def _f(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", default="cdnow,next,mta,bpi")
    parser.add_argument(
        "--rows", default="1M", help="scale: which journeys_<ROWS>.parquet to read (1M, 10M)"
    )
    args = parser.parse_args(argv)
    runs = {
        "cdnow": cdnow,
        "next": next_step,
        "mta": mta,
        "bpi": bpi,
        "scale": lambda data: scale(data, args.rows),
    }
    sections = []
    for name in args.only.split(","):
        started = time.perf_counter()
        body = runs[name](args.data)
        section = f"### {name}\n\n{body}\n\n({time.perf_counter() - started:.1f} s)\n"
        print(section, flush=True)
        sections.append(section)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    if args.only == parser.get_default("only"):
        (results / "predict.md").write_text("\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
