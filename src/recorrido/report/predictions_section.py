"""The report's predictions section: how well each saved model predicts, as its record says.

Shown only when the workspace the report reads holds trained models (``DIR/models/*.json``).
Every figure comes from the model's record (:func:`recorrido.predict.models.evaluation_of`, the
object ``recorrido predict evaluate --json`` and the JSON API's ``/models/{name}`` answer), read
as JSON only: the pickled estimator is never loaded to draw a report. Per model: AUC, PR-AUC,
Brier score and top-decile lift beside the two baselines; three small charts drawn as inline SVG
(no script needed): the calibration curve (predicted against observed per bin), the lift of each
decile and the permutation importance of the features; and, for models trained with a map,
predicted beside measured conversion per stage and per persona. Lifetime-value models show their
fitted parameters and predicted against actual purchases in the holdout.

Feature labels, stage and persona names are the team's own text (event names, the map): the
template escapes them, and the SVG is built with ``Markup.format``, which escapes every value.
Each mark carries its exact number in a ``data-`` attribute, so a reader (or a test) can check
the drawing against the record.
"""

from __future__ import annotations

import json
from pathlib import Path

from markupsafe import Markup

from recorrido.i18n import message
from recorrido.report.render import DASH, format_date, format_number, format_percent

#: Features drawn in the importance chart: the rest are in ``predict explain``.
IMPORTANCE_SHOWN = 10


def predictions_section(source, lang: str) -> dict | None:
    """The section's models, or None when ``source`` is no workspace or it has no model."""
    folder = getattr(source, "folder", None)
    if folder is None:
        return None
    records = _records(Path(folder))
    if not records:
        return None
    return {"models": [_model(record, lang) for record in records]}


def _records(folder: Path) -> list[dict]:
    from recorrido.predict.record import models_folder

    path = models_folder(folder)
    found = []
    for file in sorted(path.glob("*.json")) if path.exists() else []:
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # `predict evaluate` names the broken file; the report shows the others
        if isinstance(record, dict) and record.get("kind") in ("convert", "churn", "ltv"):
            found.append({**record, "name": record.get("name") or file.stem})
    return found


def _t(key: str, lang: str, **params) -> str:
    return message(f"report_predictions_{key}", lang, **params)


def _num(value, lang: str, decimals: int = 3) -> str:
    return DASH if value is None else format_number(float(value), lang, decimals)


def _model(record: dict, lang: str) -> dict:
    base = {
        "name": record["name"],
        "kind": record["kind"],
        "target": record.get("target_label", ""),
        "version": record.get("version", ""),
        "trained_at": format_date(record.get("trained_at"), lang, with_time=True),
    }
    if record["kind"] == "ltv":
        metrics = record.get("metrics", {})
        g = record.get("bgnbd", {})
        return {
            **base,
            "ltv": True,
            "reading": _t(
                "ltv_reading",
                lang,
                predicted=_num(metrics.get("predicted_purchases"), lang, 1),
                actual=_num(metrics.get("actual_purchases"), lang, 0),
                customers=_num((record.get("training") or {}).get("customers"), lang, 0),
            ),
            "parameters": [(k, _num(g.get(k), lang)) for k in ("r", "alpha", "a", "b")],
        }
    metrics = record.get("metrics", {})
    baselines = record.get("baselines", {})
    training = record.get("training", {})
    rows = [(_t("model", lang), metrics)] + [
        (_t(f"baseline_{key}", lang), value) for key, value in baselines.items()
    ]
    recency = (baselines.get("recency") or {}).get("auc")
    groups = record.get("groups") or {}
    return {
        **base,
        "ltv": False,
        "reading": _t(
            "reading",
            lang,
            auc=_num(metrics.get("auc"), lang),
            recency=_num(recency, lang),
            lift=_num(metrics.get("lift_top_decile"), lang, 2),
            rows=_num(metrics.get("rows"), lang, 0),
            at=format_date(training.get("evaluate_at"), lang),
        ),
        "metrics": [
            {
                "label": label,
                "auc": _num(m.get("auc"), lang),
                "pr_auc": _num(m.get("pr_auc"), lang),
                "brier": _num(m.get("brier"), lang),
                "lift": _num(m.get("lift_top_decile"), lang, 2),
            }
            for label, m in rows
        ],
        "calibration": calibration_svg(metrics.get("calibration") or [], lang),
        "deciles": decile_svg(metrics.get("lift_by_decile") or [], lang),
        "importance": importance_svg(
            record.get("importance") or [], record.get("feature_labels") or {}, lang
        ),
        "stages": [_group(g, lang) for g in groups.get("stage", [])],
        "personas": [_group(g, lang) for g in groups.get("persona", [])],
        "has_map": bool((record.get("target") or {}).get("journey_map")),
    }


def _group(row: dict, lang: str) -> dict:
    return {
        "name": row.get("name") or _t("no_stage", lang),
        "customers": format_number(int(row.get("customers") or 0), lang),
        "predicted": format_percent(row.get("predicted"), lang),
        "observed": format_percent(row.get("observed"), lang),
    }


# -- charts (inline SVG) -----------------------------------------------------------------------

WIDTH, HEIGHT, PAD = 300, 220, 34


def _frame(title: str, body: list[Markup], height: int = HEIGHT) -> Markup:
    return Markup(
        '<svg class="pred-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{title}"><title>{title}</title>{body}</svg>'
    ).format(w=WIDTH, h=height, title=title, body=Markup("").join(body))


def _axis(lang: str, x_label: str, y_label: str) -> list[Markup]:
    left, bottom, right = PAD, HEIGHT - PAD, WIDTH - 8
    return [
        Markup(
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="axis"/>'
            '<line x1="{l}" y1="8" x2="{l}" y2="{b}" class="axis"/>'
            '<text x="{cx}" y="{ty}" text-anchor="middle" class="lbl">{x}</text>'
            '<text x="10" y="{cy}" text-anchor="middle" class="lbl" '
            'transform="rotate(-90 10 {cy})">{y}</text>'
        ).format(
            l=left,
            b=bottom,
            r=right,
            cx=(left + right) / 2,
            ty=HEIGHT - 6,
            cy=(8 + bottom) / 2,
            x=x_label,
            y=y_label,
        )
    ]


def calibration_svg(bins: list[dict], lang: str) -> Markup | None:
    """Observed rate against mean predicted probability per bin, beside the diagonal."""
    if not bins:
        return None
    left, bottom, size_x, size_y = PAD, HEIGHT - PAD, WIDTH - 8 - PAD, HEIGHT - PAD - 8

    def xy(p: float, o: float) -> tuple[float, float]:
        return round(left + p * size_x, 1), round(bottom - o * size_y, 1)

    body = _axis(lang, _t("axis_predicted", lang), _t("axis_observed", lang))
    body.append(
        Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" class="diag"/>').format(*xy(0, 0), *xy(1, 1))
    )
    points = [xy(b["predicted"], b["observed"]) for b in bins]
    body.append(
        Markup('<polyline points="{}" class="curve"/>').format(
            " ".join(f"{x},{y}" for x, y in points)
        )
    )
    biggest = max(b["rows"] for b in bins) or 1
    for b, (x, y) in zip(bins, points, strict=True):
        radius = round(2.5 + 4.5 * (b["rows"] / biggest) ** 0.5, 1)
        tip = _t(
            "calibration_tip",
            lang,
            predicted=format_percent(b["predicted"], lang),
            observed=format_percent(b["observed"], lang),
            rows=format_number(b["rows"], lang),
        )
        body.append(
            Markup(
                '<circle cx="{}" cy="{}" r="{}" class="dot" data-predicted="{}" '
                'data-observed="{}" data-rows="{}"><title>{}</title></circle>'
            ).format(x, y, radius, repr(b["predicted"]), repr(b["observed"]), b["rows"], tip)
        )
    return _frame(_t("calibration_title", lang), body)


def decile_svg(deciles: list[dict], lang: str) -> Markup | None:
    """One bar per decile of score (highest first): its lift over the overall rate."""
    if not deciles or all(d.get("lift") is None for d in deciles):
        return None
    left, bottom = PAD, HEIGHT - PAD
    top = max(max(d["lift"] or 0 for d in deciles), 1.0) * 1.1
    scale = (bottom - 8) / top
    step = (WIDTH - 8 - left) / len(deciles)
    body = _axis(lang, _t("axis_decile", lang), _t("axis_lift", lang))
    one = round(bottom - scale, 1)
    body.append(
        Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" class="diag"/>').format(
            left, one, WIDTH - 8, one
        )
    )
    for index, d in enumerate(deciles):
        lift = d["lift"] or 0.0
        height = round(lift * scale, 1)
        x = round(left + index * step + step * 0.15, 1)
        tip = _t(
            "decile_tip",
            lang,
            decile=d["decile"],
            lift=format_number(lift, lang, 2),
            observed=format_percent(d["observed"], lang),
            rows=format_number(d["rows"], lang),
        )
        body.append(
            Markup(
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar" data-decile="{}" '
                'data-lift="{}"><title>{}</title></rect>'
                '<text x="{}" y="{}" text-anchor="middle" class="tick">{}</text>'
            ).format(
                x,
                round(bottom - height, 1),
                round(step * 0.7, 1),
                height,
                d["decile"],
                repr(d["lift"]),
                tip,
                round(x + step * 0.35, 1),
                bottom + 12,
                d["decile"],
            )
        )
    return _frame(_t("deciles_title", lang), body)


def importance_svg(rows: list[dict], labels: dict, lang: str) -> Markup | None:
    """Horizontal bars: the drop in AUC when each feature is shuffled (most important first)."""
    shown = rows[:IMPORTANCE_SHOWN]
    if not shown:
        return None
    line = 18
    height = 16 + line * len(shown)
    label_width = 150
    widest = max(max(r["importance"] for r in shown), 1e-9)
    scale = (WIDTH - 8 - label_width) / widest
    body = []
    for index, r in enumerate(shown):
        y = 8 + index * line
        width = round(max(r["importance"], 0.0) * scale, 1)
        label = labels.get(r["feature"], r["feature"])
        body.append(
            Markup(
                '<text x="{}" y="{}" text-anchor="end" class="tick">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar" data-feature="{}" '
                'data-importance="{}"><title>{}</title></rect>'
            ).format(
                label_width - 4,
                y + 12,
                label if len(label) <= 24 else label[:23] + "…",
                label_width,
                y + 2,
                width,
                line - 6,
                r["feature"],
                repr(r["importance"]),
                f"{label}: {format_number(r['importance'], lang, 4)}",
            )
        )
    return _frame(_t("importance_title", lang), body, height=height)
