"""The friction findings a stage's or touchpoint's panel on the map shows: those of the friction
page's answer for the same map and filter, located at that stage or touchpoint.

Only a kept answer is read: the server works out each map's default friction ahead
(``web/warm_pages.py``) and keeps every answer the friction page gave. The panel never runs the
engine itself (several seconds at 1 million events, against a panel that opens in a fraction of
one); without a kept answer it says so and links to the friction page with the same filter.
"""

from __future__ import annotations

#: Findings listed in the panel, the highest ranked first; the friction page has them all.
SHOWN = 3


def located(finding: dict, *, stage: str | None, touchpoint: str | None) -> bool:
    """Whether ``finding`` (a friction ``--json`` finding) is at the stage or touchpoint:
    where it happens, or the touchpoint its customers go to next."""
    where = finding.get("where") or {}
    if touchpoint is not None:
        nexts = where.get("to_touchpoints") or []
        return where.get("touchpoint") == touchpoint or touchpoint in nexts
    return stage is not None and where.get("stage") == stage


def friction_here(
    workspace, folder, explore_filter, *, stage: str | None = None, touchpoint: str | None = None
) -> dict:
    """``{"kept": bool, "findings": [...], "total": n}``: the kept findings located here
    (:data:`SHOWN` of them, ranked as the page ranks them) and how many there are."""
    from recorrido.web.explore_insights import kept_insight

    answer = kept_insight(workspace, "friction", explore_filter, folder)
    if answer is None:
        return {"kept": False, "findings": [], "total": 0}
    here = [f for f in answer["findings"] if located(f, stage=stage, touchpoint=touchpoint)]
    return {"kept": True, "findings": here[:SHOWN], "total": len(here)}
