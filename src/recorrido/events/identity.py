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
from recorrido.events.validate import NULL_LIKE_IDS

_PRIMARY_PREFIX = {"user": "u:", "anonymous": "a:"}


def identifier_key(customer_id: ibis.Value, anonymous_id: ibis.Value) -> ibis.Value:
    """The identifier an event's customer is looked up by: its user id, else its anonymous id."""
    return ibis.ifelse(
        customer_id.notnull(),
        ibis.literal("u:") + customer_id,
        ibis.literal("a:") + anonymous_id,
    )


def identity_links(batch: ibis.Table) -> ibis.Table:
    """Pairs of identifiers seen together in ``batch`` (canonical events), without repeats."""
    # Millions of events carry a few thousand distinct id pairs: pair them up first.
    ids = batch.select("customer_id", "anonymous_id").distinct()
    primary = identifier_key(ids.customer_id, ids.anonymous_id)
    both = ids.filter(ids.customer_id.notnull() & ids.anonymous_id.notnull()).select(
        left=primary, right=ibis.literal("a:") + ids.anonymous_id
    )
    # Reading JSON is dear; only properties that mention an e-mail key are parsed.
    mentions = batch.filter(batch.properties.cast("string").contains("email"))
    email = ibis.coalesce(
        json_text(mentions.properties, "$.email"),
        json_text(mentions.properties, "$.traits.email"),
        json_text(mentions.properties, "$.context.traits.email"),
    )
    email = email.strip().lower()
    # A placeholder e-mail ("N/A", "null") would link everyone who left it so into one customer.
    email = ibis.ifelse(email.isin(["", *NULL_LIKE_IDS]), ibis.null("string"), email)
    with_email = mentions.select(
        left=identifier_key(mentions.customer_id, mentions.anonymous_id),
        right=ibis.literal("e:") + email.hexdigest("sha256"),
    )
    with_email = with_email.filter(with_email.right.notnull())
    return ibis.union(both, with_email).distinct()


def connected_customers(links: ibis.Table, max_rounds: int = 64) -> ibis.Table:
    """``identifier -> customer_id`` for the user and anonymous identifiers in ``links`` whose
    customer is not their own id. An identifier left out is its own customer, which is what most
    are: the map stays small, and so does the join that every read of ``events`` makes with it."""
    # Workspaces made before this rule kept a link from each identifier to itself: not an edge.
    links = links.filter(links.left != links.right)
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
    mapped = joined.filter(kind.isin(["u:", "a:"])).select(
        identifier=joined.node,
        own=joined.node.substr(2),
        customer_id=ibis.coalesce(joined.user, joined.anonymous),
    )
    return mapped.filter(mapped.customer_id != mapped.own).drop("own")


def customer_profiles(raw_events: ibis.Table, identity: ibis.Table) -> ibis.Table:
    """One row per unified customer: when first and last seen, channels, events, traits.

    Events are summed up per identifier, channel and anonymous id first, and only those sums are
    joined to ``identity``: millions of events shrink to a few rows per customer before any join.
    """
    raw = raw_events
    is_identify = raw.event == "identify"
    # The identifier key is text built per row: it is built after summing, on few rows, and
    # only identify calls have their properties turned into text.
    sums = raw.group_by("customer_id", "anonymous_id", "channel").aggregate(
        first_seen=raw.timestamp.min(),
        last_seen=raw.timestamp.max(),
        event_count=raw.count(),
        traits_at=raw.timestamp.max(where=is_identify),
        traits=ibis.ifelse(is_identify, raw.properties.cast("string"), ibis.null("string")).argmax(
            raw.timestamp, where=is_identify
        ),
    )
    # The raw customer_id gives way to the identity map's (joined next).
    sums = sums.mutate(identifier=identifier_key(sums.customer_id, sums.anonymous_id)).drop(
        "customer_id"
    )
    joined = sums.left_join(identity, "identifier")
    joined = joined.mutate(
        customer_id=ibis.coalesce(joined.customer_id, joined.identifier.substr(2))
    )
    return joined.group_by("customer_id").aggregate(
        first_seen=joined.first_seen.min(),
        last_seen=joined.last_seen.max(),
        event_count=joined.event_count.sum().cast("int64"),
        channels=joined.channel.collect(distinct=True).sort().fill_null(_no_channels(joined)),
        anonymous_ids=joined.anonymous_id.nunique().cast("int64"),
        traits=joined.traits.argmax(joined.traits_at, where=joined.traits_at.notnull()),
    )


def _no_channels(table: ibis.Table) -> ibis.Value:
    """An empty list of channels. PostgreSQL cannot type the bare ``ARRAY[]`` Ibis writes for an
    empty array literal, so there the empty list is the split of an empty text."""
    if table._find_backend(use_default=True).name == "postgres":
        return ibis.literal("").split(",").filter(lambda part: part != "")
    return ibis.literal([], type="array<string>")
