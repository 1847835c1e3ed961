"""What the map's stage and touchpoint panels add when the workspace holds it: the feedback said
at a stage or touchpoint and the predictions for the customers now there. Each answer is
``None`` when there is nothing to show (no ``feedback`` / ``predictions`` table, or no rows
there), so the panel simply leaves the section out.

- Feedback: the figures of ``recorrido emotions`` for that stage (NPS with its 95 % interval, mean
  CSAT with its interval, sentiment shares with Wilson intervals; the same
  :func:`recorrido.feedback.curve.figures`), and the two most recent comments as quotes.
- Predictions: a customer is *in* a stage when it is the furthest stage of the map their events
  have reached (the map's stage order, as the measured map counts "reached"), and *at* a
  touchpoint when it is the touchpoint of their latest tagged event (the one event order:
  timestamp, source order, event id). Per model in the ``predictions`` table: how many of them
  have a score, and the mean score.
"""

from __future__ import annotations

from pathlib import Path

QUOTES = 2


def stage_feedback(workspace, stage: str) -> dict | None:
    """Feedback figures and up to :data:`QUOTES` recent quotes for ``stage``; ``None`` if none."""
    return _feedback_at(workspace, "stage", stage)


def touchpoint_feedback(workspace, touchpoint: str) -> dict | None:
    """As :func:`stage_feedback`, for the answers given at ``touchpoint``."""
    return _feedback_at(workspace, "touchpoint", touchpoint)


def _feedback_at(workspace, column: str, value: str) -> dict | None:
    from recorrido.feedback.curve import figures
    from recorrido.feedback.store import read_feedback

    rows = read_feedback(workspace.con)
    if rows.empty:
        return None
    at = rows[rows[column] == value]
    if at.empty:
        return None
    found = figures(at)
    texts = at[at["text"].notna() & (at["text"].astype(str).str.strip() != "")]
    recent = texts.sort_values("timestamp", ascending=False).head(QUOTES)
    found["quotes"] = [
        {"text": str(r["text"]), "sentiment": r["sentiment"], "score": r["score"]}
        for _, r in recent.iterrows()
    ]
    return found


def stage_predictions(workspace, path: Path, stage: str) -> list[dict] | None:
    """Per model: customers now in ``stage`` with a score, and their mean score."""

    from recorrido.analytics.backend import events_table
    from recorrido.analytics.tagging import tag_events

    if "predictions" not in workspace.con.list_tables():
        return None
    tagged = tag_events(events_table(workspace, "duckdb"), path)
    reached = (
        tagged.filter(tagged.stage_index.notnull())
        .group_by("customer_id")
        .aggregate(furthest=tagged.stage_index.max())
    )
    furthest = tagged.filter(tagged.stage == stage).stage_index.max().execute()
    if furthest is None or (isinstance(furthest, float) and furthest != furthest):
        return None
    inside = reached.filter(reached.furthest == int(furthest)).select("customer_id")
    return _scores_of(workspace, inside)


def _scores_of(workspace, inside) -> list[dict] | None:
    """Per model: how many of the customers ``inside`` have a score, and their mean score."""
    import ibis

    scores = workspace.con.table("predictions")
    joined = scores.join(inside, scores.customer_id == inside.customer_id)
    rows = (
        joined.group_by("model")
        .aggregate(customers=ibis._.count(), mean_score=joined.score.mean())
        .order_by("model")
        .to_pyarrow()
        .to_pylist()
    )
    return rows or None


def touchpoint_predictions(workspace, path: Path, touchpoint: str) -> list[dict] | None:
    """Per model: customers whose latest tagged event is at ``touchpoint`` with a score, and
    their mean score."""
    import ibis

    from recorrido.analytics.backend import events_table
    from recorrido.analytics.tagging import tag_events

    if "predictions" not in workspace.con.list_tables():
        return None
    tagged = tag_events(events_table(workspace, "duckdb"), path)
    tagged = tagged.filter(tagged.touchpoint.notnull())
    latest = ibis.window(
        group_by="customer_id",
        order_by=[
            ibis.desc(tagged.timestamp),
            ibis.desc(tagged.source_order),
            ibis.desc(tagged.event_id),
        ],
    )
    ranked = tagged.mutate(place=ibis.row_number().over(latest))
    inside = ranked.filter((ranked.place == 0) & (ranked.touchpoint == touchpoint)).select(
        "customer_id"
    )
    return _scores_of(workspace, inside)
