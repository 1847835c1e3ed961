"""The home page: the workspace's health at a glance.

Events per day by source and channel (the last :data:`DAYS` days that hold data), the last
ingest, the quarantine by reason, the customers, and the maps in the folder.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from recorrido.web.map_files import list_maps
from recorrido.web.pages import Viewer, page

router = APIRouter()
DAYS = 60


def health(workspace) -> dict:
    """Plain figures about ``workspace`` (runs under the server's one connection)."""
    import ibis

    events = workspace.events
    totals = (
        events.aggregate(
            events=events.count(),
            first=events.timestamp.min(),
            last=events.timestamp.max(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    customers = int(workspace.customers.count().execute())
    per_day = []
    if totals["events"]:
        day = events.timestamp.date()
        recent = events.filter(day > (events.timestamp.max().date() - ibis.interval(days=DAYS)))
        grouped = (
            recent.group_by(
                day=recent.timestamp.date(),
                source=recent.source.fill_null("—"),
                channel=recent.channel.fill_null("—"),
            )
            .aggregate(events=ibis._.count())
            .order_by(["day", "source", "channel"])
        )
        per_day = grouped.to_pyarrow().to_pylist()
    log = workspace.ingest_log
    last = log.order_by(ibis.desc("finished_at")).limit(1).to_pyarrow().to_pylist()
    quarantine = workspace.quarantine
    reasons = (
        quarantine.group_by("reason_code")
        .aggregate(rows=ibis._.count())
        .order_by([ibis.desc("rows"), "reason_code"])
        .to_pyarrow()
        .to_pylist()
    )
    return {
        "events": int(totals["events"]),
        "first": totals["first"],
        "last": totals["last"],
        "customers": customers,
        "per_day": per_day,
        "last_ingest": last[0] if last else None,
        "quarantine": reasons,
    }


def per_day_figure(rows: list[dict], title: str) -> dict | None:
    """A stacked bar chart (one series per source · channel) as a Plotly figure dict."""
    if not rows:
        return None
    series: dict[str, dict] = {}
    for row in rows:
        name = f"{row['source']} · {row['channel']}"
        entry = series.setdefault(name, {"x": [], "y": []})
        entry["x"].append(row["day"].isoformat())
        entry["y"].append(row["events"])
    data = [{"type": "bar", "name": name, **xy} for name, xy in series.items()]
    layout = {
        "barmode": "stack",
        "title": {"text": title},
        "height": 320,
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "legend": {"orientation": "h"},
    }
    return {"data": data, "layout": layout}


@router.get("/")
async def home(request: Request, current: Viewer):
    ctx = request.app.state.ctx
    figures = await ctx.arun(health)
    maps = list_maps(ctx.folder)
    figure = per_day_figure(figures["per_day"], current.t("home_per_day"))
    return page("home.html.j2", current, health=figures, maps=maps, figure=figure)
