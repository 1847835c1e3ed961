"""Identity stitching: identifiers that appear together belong to one customer.

Identifiers are ``u:<user id>``, ``a:<anonymous id>`` and ``e:<sha-256 of the e-mail>``. Each event
links its user id with its anonymous id (an ``identify`` call is such an event; an ``alias`` links
``previousId`` with ``userId``) and with the hashed e-mail its properties carry (``email``,
``traits.email`` or ``context.traits.email``). The customers are the connected components of that
graph, found in the engine by label propagation with pointer jumping (each round is one query; the
number of rounds grows with the logarithm of the longest chain, not with the data). A component's
``customer_id`` is its smallest user id, or its smallest anonymous id when nobody logged in.
"""

from __future__ import annotations

import ibis

from recorrido.events.engine_functions import json_text

_PRIMARY_PREFIX = {"user": "u:", "anonymous": "a:"}


def identifier_key(customer_id: ibis.Value, anonymous_id: ibis.Value) -> ibis.Value:
    """The identifier an event's customer is looked up by: its user id, else its anonymous id."""
    return ibis.ifelse(
        customer_id.notnull(),
        ibis.literal("u:") + customer_id,
        ibis.literal("a:") + anonymous_id,
    )


def identity_links(batch: ibis.Table) -> ibis.Table:
    """Pairs of identifiers seen together in ``batch`` (canonical events, staging engine)."""
    primary = identifier_key(batch.customer_id, batch.anonymous_id)
    email = ibis.coalesce(
        json_text(batch.properties, "$.email"),
        json_text(batch.properties, "$.traits.email"),
        json_text(batch.properties, "$.context.traits.email"),
    )
    email = email.strip().lower().nullif("")
    own = batch.select(left=primary, right=primary)
    both = batch.filter(batch.customer_id.notnull() & batch.anonymous_id.notnull()).select(
        left=primary, right=ibis.literal("a:") + batch.anonymous_id
    )
    with_email = batch.filter(email.notnull()).select(
        left=primary, right=ibis.literal("e:") + email.hexdigest("sha256")
    )
    return ibis.union(own, both, with_email).distinct()


def connected_customers(links: ibis.Table, max_rounds: int = 64) -> ibis.Table:
    """``identifier -> customer_id`` for every user and anonymous identifier in ``links``."""
    edges = ibis.union(
        links.select(node=links.left, other=links.right),
        links.select(node=links.right, other=links.left),
    ).distinct()
    labels = edges.group_by("node").aggregate(label=edges.other.min())
    labels = labels.select("node", label=ibis.least(labels.node, labels.label)).cache()
    for _ in range(max_rounds):
        neighbour = (
            edges.join(labels, edges.other == labels.node)
            .group_by(node=edges.node)
            .aggregate(best=labels.label.min())
        )
        spread = (
            labels.left_join(neighbour, "node")
            .select(
                node=labels.node,
                label=ibis.least(labels.label, neighbour.best.fill_null(labels.label)),
            )
            .cache()
        )
        # Pointer jumping: adopt the label of one's label, which halves long chains each round.
        parent = spread.view()
        jumped = (
            spread.left_join(parent, spread.label == parent.node)
            .select(
                node=spread.node,
                label=ibis.least(spread.label, parent.label.fill_null(spread.label)),
            )
            .cache()
        )
        changed = jumped.join(labels, "node").filter(jumped.label != labels.label).count().execute()
        labels = jumped
        if changed == 0:
            break
    kind = labels.node.substr(0, 2)
    value = labels.node.substr(2)
    per_component = labels.group_by("label").aggregate(
        user=value.min(where=kind == "u:"),
        anonymous=value.min(where=kind == "a:"),
    )
    joined = labels.join(per_component, "label")
    return joined.filter(kind.isin(["u:", "a:"])).select(
        identifier=joined.node,
        customer_id=ibis.coalesce(joined.user, joined.anonymous),
    )


def customer_profiles(events: ibis.Table) -> ibis.Table:
    """One row per unified customer: when first and last seen, channels, events, traits."""
    is_identify = events.event == "identify"
    return events.group_by("customer_id").aggregate(
        first_seen=events.timestamp.min(),
        last_seen=events.timestamp.max(),
        event_count=events.count(),
        channels=events.channel.collect(distinct=True),
        anonymous_ids=events.anonymous_id.nunique(),
        traits=events.properties.cast("string").argmax(events.timestamp, where=is_identify),
    )
