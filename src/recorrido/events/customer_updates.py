"""The ``customers`` table after an ingest, recomputed only for the customers the ingest touched.

A customer's row (``identity.customer_profiles``) depends only on the events of the identifiers
that belong to them. An ingest changes it for the customers of its fresh events and, when it
brings new identity links, for every customer whose identifiers moved (two customers that become
one: the one that stays gets both histories, the one that goes away loses its row). Every other
row stays as it was. So only those customers' events are read (two ``IN`` filters on the stored
events, no grouping of every event as a full rebuild does), their rows are worked out with the
same ``customer_profiles``, and they replace the old rows of those customers.

The whole table is still written back (``replace_rows``): one row per customer is little beside
the events, and it keeps one way of writing that works on every engine. On DuckDB and PostgreSQL;
on Spark (a cached table there is evaluated lazily, after ``customers`` is overwritten) every row
is worked out again as before.
"""

from __future__ import annotations

import ibis

from recorrido.events import schema
from recorrido.events.identity import customer_profiles, identifier_key

#: Engines whose ``customers`` table is updated for the touched customers only.
INCREMENTAL_ENGINES = ("duckdb", "postgres")


def updated_customers(
    store: ibis.BaseBackend, fresh: ibis.Table, identity: ibis.Table | None
) -> ibis.Table:
    """The ``customers`` table once ``fresh`` (canonical events not yet stored) is stored and
    ``identity`` (the new identity map, or None when the ingest brought no new link) replaces
    the stored one. Equal to ``customer_profiles`` over every event, row for row."""
    old_map = store.table(schema.IDENTITY_MAP)
    new_map = identity if identity is not None else old_map
    stored = store.table(schema.RAW_EVENTS).select(*fresh.columns)
    if store.name not in INCREMENTAL_ENGINES:
        # Spark evaluates a cached table lazily, so a table worked out from ``customers`` would
        # still read it while it is overwritten: there every row is worked out again, as before.
        return customer_profiles(ibis.union(stored, fresh), new_map)
    own = fresh.select(identifier=identifier_key(fresh.customer_id, fresh.anonymous_id))
    touched = _customers_of(own.filter(own.identifier.notnull()).distinct(), new_map)
    if identity is not None:
        both = old_map.outer_join(new_map, "identifier")
        identifier = ibis.coalesce(both.identifier, both.identifier_right)
        was = ibis.coalesce(both.customer_id, identifier.substr(2))
        becomes = ibis.coalesce(both.customer_id_right, identifier.substr(2))
        moved = both.filter(was != becomes)
        # The customer an identifier left is recomputed too: gone, it simply has no events.
        touched = ibis.union(
            touched, moved.select(customer_id=was), moved.select(customer_id=becomes)
        )
    touched = touched.distinct().cache()

    # The identifiers of the touched customers: those the map sends to them, and their own
    # ids where the map does not send those elsewhere.
    mapped = new_map.filter(new_map.customer_id.isin(touched.customer_id)).select("identifier")
    selves = ibis.union(
        touched.select(identifier=ibis.literal("u:") + touched.customer_id),
        touched.select(identifier=ibis.literal("a:") + touched.customer_id),
    ).anti_join(new_map, "identifier")
    identifiers = ibis.union(mapped, selves).cache()
    kind, value = identifiers.identifier.substr(0, 2), identifiers.identifier.substr(2)
    users = identifiers.filter(kind == "u:").select(value=value)
    anonymous = identifiers.filter(kind == "a:").select(value=value)

    events = ibis.union(stored, fresh)
    theirs = events.filter(
        ibis.ifelse(
            events.customer_id.notnull(),
            events.customer_id.isin(users.value),
            events.anonymous_id.isin(anonymous.value),
        )
    )
    profiles = customer_profiles(theirs, new_map)
    customers = store.table(schema.CUSTOMERS)
    kept = customers.filter(~customers.customer_id.isin(touched.customer_id))
    return ibis.union(kept, profiles.select(*customers.columns))


def _customers_of(identifiers: ibis.Table, mapping: ibis.Table) -> ibis.Table:
    """``customer_id`` of each identifier: the map's, else the identifier's own id."""
    joined = identifiers.left_join(mapping, "identifier")
    return joined.select(customer_id=ibis.coalesce(joined.customer_id, joined.identifier.substr(2)))
