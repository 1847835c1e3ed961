"""Findings that describe one cause become one finding with parts.

One incident shows as several findings: errors rise, support contacts rise and purchases fall in
the same weeks; one silent failure shows as a failure and as a loop of the same customers. Shown
apart they crowd the top of the list and read as several problems. Two findings are **one
cause** when

- both are dated and their periods overlap by at least ``MIN_PERIOD_OVERLAP`` of the shorter
  one, on the same series segment (both overall, or both on the same channel or property value);
  or
- they concern the same customers: at least ``MIN_SHARED`` of *each* one's affected customers
  are affected by the other (of each, not of the smaller only: a large finding, such as the
  main abandonment point, shares many customers with any small one without being its cause).

Findings located in different values of one segment dimension (android, tv) are never linked.
Linked findings form groups (transitively). A group is shown as one finding, the **head**:
its highest-scoring finding that is not an abandonment point (going quiet is where problems
end, not their cause: customers who loop or fail and then leave show as both), else its
highest-scoring one; the others are its ``parts``, ranked by score. Every finding keeps its own
score; groups are ranked by their highest score (the same customers are not counted twice).
"""

from __future__ import annotations

from datetime import date

import ibis

MIN_PERIOD_OVERLAP = 0.5
MIN_SHARED = 0.5


def shared_customers(affected: ibis.Table, ids: list[str]) -> dict[tuple[str, str], float]:
    """For each pair of the given cids with common affected customers, the share of the larger
    one's customers they have in common (one small query)."""
    if len(ids) < 2:
        return {}
    a = affected.filter(affected.cid.isin(ids)).select("cid", "customer_id").distinct()
    b = a.rename(other="cid", other_customer="customer_id")
    pairs = a.join(b, [a.customer_id == b.other_customer, a.cid < b.other])
    common = pairs.group_by(["cid", "other"]).aggregate(n=pairs.count())
    sizes = a.group_by("cid").aggregate(size=a.count())
    frame = common.execute()
    if frame.empty:
        return {}
    size = {str(r.cid): int(r.size) for r in sizes.execute().itertuples()}
    return {
        (str(r.cid), str(r.other)): int(r.n) / max(1, size[str(r.cid)], size[str(r.other)])
        for r in frame.itertuples()
    }


def _period_overlap(one, two) -> bool:
    if not (one.start and one.end and two.start and two.end):
        return False
    if one.where.get("segment") != two.where.get("segment"):
        return False
    a0, a1 = date.fromisoformat(one.start), date.fromisoformat(one.end)
    b0, b1 = date.fromisoformat(two.start), date.fromisoformat(two.end)
    common = (min(a1, b1) - max(a0, b0)).days + 1
    shorter = min((a1 - a0).days, (b1 - b0).days) + 1
    return common > 0 and common >= MIN_PERIOD_OVERLAP * shorter


def _same_place(one, two) -> bool:
    """Findings located in different segments (android and tv) are different causes."""
    a, b = one.segment, two.segment
    if not a or not b or a["dimension"] != b["dimension"]:
        return True
    return a["value"] == b["value"]


def group(findings: list, shared: dict[tuple[str, str], float]) -> list:
    """``findings`` (ranked) with each group folded into its head (see the module text)."""
    parent = {f.id: f.id for f in findings}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def link(x: str, y: str) -> None:
        rx, ry = root(x), root(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    for i, one in enumerate(findings):
        for two in findings[i + 1 :]:
            key = (min(one.id, two.id), max(one.id, two.id))
            if not _same_place(one, two):
                continue
            if _period_overlap(one, two) or shared.get(key, 0.0) >= MIN_SHARED:
                link(one.id, two.id)
    members: dict[str, list] = {}
    for finding in findings:  # already ranked: the first of a group is its head
        members.setdefault(root(finding.id), []).append(finding)
    ranked = []
    for group_ in members.values():
        causes = [f for f in group_ if f.kind != "abandonment"]
        head = causes[0] if causes else group_[0]
        head.parts = [f for f in group_ if f is not head]
        ranked.append((group_[0].score, head))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [head for _, head in ranked]
