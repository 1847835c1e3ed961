"""One step's figures from its counts per state (``entered``, ``proceeded``, ``exit``, ``goal``,
``holdout``, ``branch:NAME``, and what it sent), the same whether the counts come from the
store's marks (``Store.status``) or from a dry run over history (``DryRunResult.steps``)."""

from __future__ import annotations


def step_figures(counts: dict[str, int]) -> dict:
    """``entered``, ``waiting`` (entered and not yet gone on, left or at the goal),
    ``proceeded``, ``exited`` (left or held out), ``goal``, ``sent`` (e-mails, tasks and trait
    updates) and ``branches``."""
    c = counts
    ended = sum(c.get(k, 0) for k in ("proceeded", "exit", "goal", "holdout"))
    return {
        "entered": c.get("entered", 0),
        "waiting": max(0, c.get("entered", 0) - ended),
        "proceeded": c.get("proceeded", 0),
        "exited": c.get("exit", 0) + c.get("holdout", 0),
        "goal": c.get("goal", 0),
        "sent": c.get("sent", 0) + c.get("task", 0) + c.get("updated", 0),
        "branches": {k[7:]: v for k, v in c.items() if k.startswith("branch:")},
    }
