"""``recorrido predict ...: who will convert or leave, what they are worth, what they do next.``"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from recorrido.cli.common import (
    JsonOption,
    WorkspaceOption,
    app,
    fail,
    json_default,
    lang_of,
    out,
)
from recorrido.errors import RecorridoError
from recorrido.i18n import message

predict_app = typer.Typer(
    no_args_is_help=True,
    help="Predictions: convert, churn, lifetime value / predicciones: conversión, abandono, valor",
)
app.add_typer(predict_app, name="predict")

NameOption = Annotated[
    str, typer.Option("--name", help="Model name (file under DIR/models) / nombre del modelo")
]
AtOption = Annotated[
    str | None, typer.Option("--at", help="Cutoff, YYYY-MM-DD or ISO time (UTC) / corte")
]


@predict_app.command("train")
def predict_train(
    workspace: WorkspaceOption,
    target: Annotated[
        str | None, typer.Option("--target", help="Target event (purchase event for ltv)")
    ] = None,
    horizon: Annotated[str, typer.Option("--horizon", help="Window after the cutoff")] = "7d",
    kind: Annotated[str, typer.Option("--kind", help="convert | churn | ltv")] = "convert",
    name: Annotated[str | None, typer.Option("--name", help="Model name (default: kind)")] = None,
    journey_map: Annotated[
        Path | None, typer.Option("--map", help="Journey map: stage features, goal as target")
    ] = None,
    at: AtOption = None,
    cutoffs: Annotated[int, typer.Option(help="Training cutoffs before the evaluation one")] = 4,
    algorithm: Annotated[str, typer.Option(help="hgb | logistic")] = "hgb",
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Train a model on a time split, evaluate it beside its baselines and save it."""
    from recorrido.predict.models import parse_duration_days, train_model
    from recorrido.workspace import Workspace

    lang = lang_of()
    try:
        with Workspace.open(workspace) as ws:
            lang = lang_of(ws)
            record = train_model(
                ws,
                name or kind,
                kind=kind,
                target=target,
                horizon_days=parse_duration_days(horizon),
                journey_map=str(journey_map) if journey_map else None,
                evaluate_at=_moment(at),
                train_cutoffs=cutoffs,
                algorithm=algorithm,
                seed=seed,
            )
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    _show_evaluation(record, as_json, lang)


@predict_app.command("evaluate")
def predict_evaluate(
    workspace: WorkspaceOption, name: NameOption = "convert", as_json: JsonOption = False
) -> None:
    """Show a saved model's time-split evaluation: metrics, baselines, calibration, lift."""
    from recorrido.predict.models import evaluation_of
    from recorrido.workspace import Workspace

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            record = evaluation_of(ws, name)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    _show_evaluation(record, as_json, lang)


@predict_app.command("score")
def predict_score(
    workspace: WorkspaceOption,
    name: NameOption = "convert",
    at: AtOption = None,
    top: Annotated[int, typer.Option(help="Customers to list / clientes a mostrar")] = 10,
    explain_top: Annotated[
        int,
        typer.Option(
            help="Highest scores explained now (others on `predict explain`) / explicados ya"
        ),
    ] = 10_000,
    as_json: JsonOption = False,
) -> None:
    """Score every customer and write the scores to the ``predictions`` table, where automations
    read each score as the trait ``propensity_<model>`` (``value_<model>`` for ltv)."""
    from recorrido.predict.models import score_model
    from recorrido.predict.traits import model_kinds, trait_name
    from recorrido.workspace import Workspace

    lang = lang_of()
    try:
        with Workspace.open(workspace) as ws:
            lang = lang_of(ws)
            scores = score_model(ws, name, at=_moment(at), explain=explain_top)
            kind = model_kinds(ws.folder).get(name)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    best = scores.sort_values(["score", "customer_id"], ascending=[False, True]).head(top)
    trait = trait_name(name, kind)
    if as_json:
        payload = {
            "model": name,
            "trait": trait,
            "customers": len(scores),
            "top": [
                {"customer_id": str(r.customer_id), "score": float(r.score)}
                for r in best.itertuples()
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, default=json_default))
        return
    out.print(message("predict_scored", lang, count=len(scores), model=name, trait=trait))
    view = Table()
    view.add_column("customer_id")
    view.add_column("score", justify="right")
    for row in best.itertuples():
        view.add_row(str(row.customer_id), f"{row.score:.4f}")
    out.print(view)


@predict_app.command("explain")
def predict_explain(
    workspace: WorkspaceOption,
    name: NameOption = "convert",
    customer: Annotated[
        str | None, typer.Option("--customer", help="One customer's scored explanation")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Global feature importance, or why one customer got their score."""
    from recorrido.predict.models import explain_model
    from recorrido.workspace import Workspace

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            result = explain_model(ws, name, customer)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=json_default))
        return
    if customer is None:
        view = Table(title=message("predict_importance_title", lang, model=name))
        view.add_column(message("predict_feature", lang))
        view.add_column(message("predict_auc_drop", lang), justify="right")
        for row in result["importance"]:
            view.add_row(row["label"], f"{row['importance']:.4f} ± {row['spread']:.4f}")
        out.print(view)
        return
    out.print(
        message("predict_customer_score", lang, customer=customer, score=f"{result['score']:.4f}")
    )
    explanation = result["explanation"]
    if isinstance(explanation, dict):
        for key, value in explanation.items():
            out.print(f"  {key}: {value:.4f}")
        return
    for row in explanation or []:
        out.print(f"  {row['feature']} = {row['value']:g}: {row['contribution']:+.4f}")


@predict_app.command("next")
def predict_next(
    workspace: WorkspaceOption,
    customer: Annotated[str, typer.Option("--customer", help="Customer id / cliente")],
    order: Annotated[int, typer.Option(help="Steps of path the model reads (back-off)")] = 3,
    level: Annotated[str, typer.Option(help="event | touchpoint | stage (with --map)")] = "event",
    journey_map: Annotated[Path | None, typer.Option("--map", help="Journey map")] = None,
    top: Annotated[int, typer.Option(help="Next steps to list")] = 5,
    as_json: JsonOption = False,
) -> None:
    """The likely next steps of one customer, from their recent path (Markov with back-off)."""
    from recorrido.predict.next_step import likely_next_steps
    from recorrido.workspace import Workspace

    lang = lang_of()
    try:
        with Workspace.open(workspace, read_only=True) as ws:
            lang = lang_of(ws)
            events = ws.events
            if journey_map is not None:
                from recorrido.analytics.tagging import tag_events

                events = tag_events(events, journey_map)
            result = likely_next_steps(events, customer, order=order, level=level, k=top)
    except RecorridoError as exc:
        fail(exc, as_json, lang)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=json_default))
        return
    path = " → ".join(str(step) for step in result["path"])
    out.print(message("predict_next_line", lang, customer=customer, path=path), highlight=False)
    for rank, step in enumerate(result["next"], start=1):
        out.print(f"  {rank}. {step}", highlight=False)


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RecorridoError("predict_bad_time", value=text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _show_evaluation(record: dict, as_json: bool, lang: str) -> None:
    if as_json:
        print(json.dumps(record, ensure_ascii=False, default=json_default))
        return
    out.print(
        message(
            "predict_model_line",
            lang,
            model=record["name"],
            target=record["target_label"],
            version=record["version"],
        )
    )
    if record["kind"] == "ltv":
        g = record["bgnbd"]
        out.print(f"BG/NBD r={g['r']:.3f} α={g['alpha']:.3f} a={g['a']:.3f} b={g['b']:.3f}")
        m = record["metrics"]
        out.print(
            message(
                "predict_ltv_holdout",
                lang,
                predicted=f"{m['predicted_purchases']:.1f}",
                actual=m["actual_purchases"],
            )
        )
        return
    training = record["training"]
    out.print(
        message(
            "predict_split_line",
            lang,
            cutoffs=", ".join(c[:10] for c in training["cutoffs"]),
            at=training["evaluate_at"][:19],
            rows=training["rows"],
        )
    )
    view = Table()
    for column in ("", "AUC", "PR-AUC", "Brier", message("predict_lift", lang)):
        view.add_column(column, justify="right")
    rows = [(message("predict_model", lang), record["metrics"])]
    rows += [(message(f"predict_baseline_{k}", lang), v) for k, v in record["baselines"].items()]
    for label, m in rows:
        view.add_row(
            label, _num(m["auc"]), _num(m["pr_auc"]), _num(m["brier"]), _num(m["lift_top_decile"])
        )
    out.print(view)


def _num(value) -> str:
    return "—" if value is None else f"{value:.3f}"
