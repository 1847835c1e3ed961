"""The answer: per channel, conversions and value under every model, side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from recorrido.i18n import message

MODELS = (
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)


@dataclass
class AttributionResult:
    """``table``: one row per channel, ``channel`` then ``<model>`` and ``<model>_value`` columns.

    ``totals`` holds the path table's conversions, value, nulls, journeys and distinct paths;
    ``settings`` the parameters each model ran with; ``removal_effects`` the Markov removal effects
    (when Markov ran); ``shapley`` how the Shapley values were computed (exact or sampled, with
    the sampling standard error per channel).

    With a bootstrap (``attribute(..., bootstrap=200)``) the table also has, per model,
    ``<model>_low``/``<model>_high`` (conversions), ``<model>_share`` with ``_share_low``/
    ``_share_high`` (share of all conversions) and ``<model>_value_low``/``_high``; ``bootstrap``
    says how they were made (resamples, seed, level, method, unit) and ``differences`` holds,
    per model, each channel against the next one down: ``model, channel, next_channel,
    difference, low, high, significant`` (``significant`` is False when the interval of the
    difference contains 0: the two channels are not significantly different).
    """

    table: pd.DataFrame
    models: list[str]
    totals: dict[str, float]
    settings: dict[str, Any] = field(default_factory=dict)
    removal_effects: pd.DataFrame | None = None
    shapley: dict[str, Any] | None = None
    has_value: bool = True
    bootstrap: dict[str, Any] | None = None
    differences: pd.DataFrame | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``channels`` (list of objects), ``totals``, ``models``, ..."""
        channels = [
            {k: (v if isinstance(v, str) else float(v)) for k, v in row.items()}
            for row in self.table.to_dict(orient="records")
        ]
        data: dict[str, Any] = {
            "channels": channels,
            "models": list(self.models),
            "totals": dict(self.totals),
            "settings": dict(self.settings),
        }
        if self.removal_effects is not None:
            data["markov"] = {
                **{k: v for k, v in self.settings.get("markov", {}).items()},
                "removal_effects": [
                    {k: (v if isinstance(v, str) else float(v)) for k, v in row.items()}
                    for row in self.removal_effects.to_dict(orient="records")
                ],
            }
        if self.shapley is not None:
            data["shapley"] = self.shapley
        if self.bootstrap is not None:
            data["bootstrap"] = {
                **self.bootstrap,
                "differences": [
                    {k: v if isinstance(v, str | bool) else float(v) for k, v in row.items()}
                    for row in self.differences.to_dict(orient="records")
                ]
                if self.differences is not None
                else [],
            }
        return data

    def intervals(self, model: str | None = None) -> pd.DataFrame:
        """Long form for notebooks: one row per model and channel with the point estimate and
        its interval for conversions, share and value (bootstrap columns only when one ran)."""
        parts = []
        for name in [model] if model else self.models:
            if name not in self.models:
                raise KeyError(name)
            part = pd.DataFrame({"model": name, "channel": self.table["channel"]})
            for suffix in ("", "_low", "_high", "_share", "_share_low", "_share_high"):
                if f"{name}{suffix}" in self.table:
                    key = f"conversions{suffix}" if suffix in ("", "_low", "_high") else suffix[1:]
                    part[key] = self.table[f"{name}{suffix}"]
            for suffix in ("", "_low", "_high"):
                if f"{name}_value{suffix}" in self.table:
                    part[f"value{suffix}"] = self.table[f"{name}_value{suffix}"]
            parts.append(part.sort_values("conversions", ascending=False, kind="stable"))
        return pd.concat(parts, ignore_index=True)

    def figure(self, *, value: bool = False, lang: str = "en"):
        """A grouped bar chart (Plotly): per channel, one bar per model."""
        import plotly.graph_objects as go

        frame = self.table.sort_values(self.models[0] if self.models else "channel")
        fig = go.Figure()
        for model in self.models:
            column = f"{model}_value" if value else model
            if column not in frame:
                continue
            error = None
            if f"{column}_low" in frame:
                error = {
                    "type": "data",
                    "symmetric": False,
                    "array": (frame[f"{column}_high"] - frame[column]).clip(lower=0),
                    "arrayminus": (frame[column] - frame[f"{column}_low"]).clip(lower=0),
                }
            fig.add_trace(
                go.Bar(
                    name=message(f"attribution_model_{model}", lang),
                    y=frame["channel"],
                    x=frame[column],
                    orientation="h",
                    error_x=error,
                )
            )
        measure = "attribution_col_value" if value else "attribution_col_conversions"
        fig.update_layout(
            barmode="group",
            title_text=message("attribution_chart_title", lang),
            xaxis_title=message(measure, lang),
            yaxis_title=message("attribution_col_channel", lang),
            legend_title_text=message("attribution_col_model", lang),
            height=max(400, 28 * len(frame) * max(1, len(self.models)) // 2),
        )
        return fig
