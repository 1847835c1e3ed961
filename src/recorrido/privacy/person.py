"""One person's data: found through every id they are known by, exported, and forgotten.

A person is the connected component of ``identity_links`` around the id asked for (user ids,
anonymous ids and hashed e-mails that appeared together), so forgetting ``user-42`` also forgets
the browser ids stitched to them. Their rows are then looked for everywhere the workspace holds
data: the stored events, the customer profile, the identity tables, quarantined rows whose original
record carries one of their ids, and every other table with a ``customer_id`` column (feedback,
predictions and whatever later parts add). Automation state outside DuckDB is reached through
``recorrido.automations.privacy`` when that module exists. See docs/privacy.md.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.privacy import ledger, pseudonyms

if TYPE_CHECKING:
    from recorrido.workspace import Workspace

#: Tables this module treats by their own rule (the rest are found by their customer_id column).
_OWN_RULE = {
    schema.RAW_EVENTS,
    schema.IDENTITY_MAP,
    schema.IDENTITY_LINKS,
    schema.QUARANTINE,
    schema.EVENTS_VIEW,
    ledger.TOMBSTONES,
    ledger.AUDIT,
    pseudonyms.MARKER,
}
#: Refused feedback (recorrido.feedback): found by its customer_id and by the ids in its record.
_FEEDBACK_QUARANTINE = "feedback_quarantine"
_MAX_ROUNDS = 32


@dataclass
class Person:
    """Everything that names one person: identifiers (``u:``, ``a:``, ``e:``) and the ids."""

    asked: str
    identifiers: set[str] = field(default_factory=set)
    customer_ids: set[str] = field(default_factory=set)  # unified ids and the raw ones

    @property
    def user_ids(self) -> list[str]:
        return sorted(i[2:] for i in self.identifiers if i.startswith("u:"))

    @property
    def anonymous_ids(self) -> list[str]:
        return sorted(i[2:] for i in self.identifiers if i.startswith("a:"))

    @property
    def ids(self) -> list[str]:
        """Every plain id (user, anonymous, unified): what other tables' customer_id may hold."""
        return sorted({*self.user_ids, *self.anonymous_ids, *self.customer_ids})


def find_person(ws: Workspace, customer_id: str) -> Person:
    """The person ``customer_id`` names: a user id, an anonymous id or a unified customer id (on
    a pseudonymised workspace the original id, hashed here, or the pseudonym itself)."""
    con = ws.con
    customer_id = pseudonyms.stored_id(ws, customer_id)
    person = Person(customer_id, customer_ids={customer_id})
    raw = con.table(schema.RAW_EVENTS)
    seen = raw.filter((raw.customer_id == customer_id) | (raw.anonymous_id == customer_id))
    present = seen.aggregate(
        u=(seen.customer_id == customer_id).any(), a=(seen.anonymous_id == customer_id).any()
    ).to_pyarrow()
    start = set()
    if present.num_rows and present["u"][0].as_py():
        start.add(f"u:{customer_id}")
    if present.num_rows and present["a"][0].as_py():
        start.add(f"a:{customer_id}")
    mapping = con.table(schema.IDENTITY_MAP)
    # A unified id stands for everyone mapped to it.
    start |= set(mapping.filter(mapping.customer_id == customer_id).identifier.to_list())
    links = con.table(schema.IDENTITY_LINKS)
    start |= {
        i
        for i in (f"u:{customer_id}", f"a:{customer_id}")
        if links.filter((links.left == i) | (links.right == i)).count().execute()
    }
    person.identifiers = _component(links, start)
    members = [i for i in person.identifiers if i[:2] in ("u:", "a:")]
    if members:
        unified = mapping.filter(mapping.identifier.isin(members)).customer_id.to_list()
        person.customer_ids |= set(unified)
    return person


def _component(links: ibis.Table, start: set[str]) -> set[str]:
    """The identifiers linked to ``start``, directly or through others (a few rounds at most)."""
    found = set(start)
    frontier = set(start)
    for _ in range(_MAX_ROUNDS):
        if not frontier:
            break
        near = links.filter(links.left.isin(list(frontier)) | links.right.isin(list(frontier)))
        pairs = near.select("left", "right").to_pyarrow().to_pylist()
        reached = {p["left"] for p in pairs} | {p["right"] for p in pairs}
        frontier = reached - found
        found |= reached
    return found


# -- where their rows are ----------------------------------------------------------------------

Rule = Callable[[ibis.Table], ir.BooleanValue]


def person_rules(ws: Workspace, person: Person) -> dict[str, Rule]:
    """For each table, the condition its rows about ``person`` meet."""
    ids = person.ids
    users, anonymous = person.user_ids or [""], person.anonymous_ids or [""]
    identifiers = sorted(person.identifiers) or [""]
    unified = sorted(person.customer_ids)
    rules: dict[str, Rule] = {
        schema.RAW_EVENTS: lambda t: t.customer_id.isin(users) | t.anonymous_id.isin(anonymous),
        schema.IDENTITY_MAP: lambda t: t.identifier.isin(identifiers) | t.customer_id.isin(unified),
        schema.IDENTITY_LINKS: lambda t: t.left.isin(identifiers) | t.right.isin(identifiers),
        schema.QUARANTINE: lambda t: _quarantined(t, ids),
    }
    for name in _tables_with_customer_id(ws):
        rules[name] = lambda t: t.customer_id.cast("string").isin(ids)
    if _FEEDBACK_QUARANTINE in _stored_tables(ws.con):
        rules[_FEEDBACK_QUARANTINE] = lambda t: _feedback_refused(t, ids)
    return rules


def person_rows(ws: Workspace, person: Person) -> dict[str, ibis.Table]:
    """Each table's rows about ``person``, as filtered expressions."""
    tables = {name: ws.con.table(name) for name in person_rules(ws, person)}
    return {
        name: tables[name].filter(rule(tables[name]).fill_null(False))
        for name, rule in person_rules(ws, person).items()
    }


def _quarantined(quarantine: ibis.Table, ids: list[str]) -> ir.BooleanValue:
    """Quarantined rows whose original record or detail carries one of ``ids`` as a whole value."""
    if not ids:
        return ibis.literal(False)
    alternatives = "|".join(re.escape(i) for i in ids)
    pattern = f"(^|[^A-Za-z0-9_@.+-])({alternatives})($|[^A-Za-z0-9_@.+-])"
    return quarantine.record.fill_null("").re_search(pattern) | quarantine.detail.isin(ids)


def _feedback_refused(refused: ibis.Table, ids: list[str]) -> ir.BooleanValue:
    """Refused feedback with one of ``ids`` as its customer, or in its record (rows refused
    before the customer was kept, or whose customer column was not recognised)."""
    found = _quarantined(refused, ids)
    if "customer_id" in refused.columns:
        found = found | refused.customer_id.isin(ids).fill_null(False)
    return found


def _tables_with_customer_id(ws: Workspace) -> list[str]:
    """Every stored table besides the ones with their own rule that has a customer_id column."""
    con = ws.con
    names = [n for n in _stored_tables(con) if n not in _OWN_RULE and not n.startswith("__")]
    return [n for n in names if "customer_id" in con.table(n).columns]


def _stored_tables(con: ibis.BaseBackend) -> list[str]:
    """The workspace's tables: on DuckDB not its views, nor a connection's temporary tables."""
    if con.name != "duckdb":
        return list(con.list_tables())
    found = con.con.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_catalog = current_database() AND table_schema = 'main'"
    ).fetchall()
    return sorted(name for (name,) in found)


# -- export and forget -------------------------------------------------------------------------


def export_person(ws: Workspace, customer_id: str) -> dict[str, Any]:
    """Everything held about one person, as JSON-ready data (GDPR articles 15 and 20)."""
    person = find_person(ws, customer_id)
    tables = {}
    for name, rows in person_rows(ws, person).items():
        found = rows.to_pyarrow().to_pylist()
        if found:
            tables[name] = found
    events = ws.events
    unified = events.filter(events.customer_id.isin(person.ids)).order_by("timestamp")
    result: dict[str, Any] = {
        "customer_id": customer_id,
        # On a pseudonymised workspace the rows below hold this, not the id asked for.
        **({"pseudonym": person.asked} if person.asked != customer_id else {}),
        "identifiers": {"user_ids": person.user_ids, "anonymous_ids": person.anonymous_ids},
        "events": unified.to_pyarrow().to_pylist(),
        "tables": tables,
    }
    outside = _automations("export_customer")
    if outside is not None and ws.folder is not None:
        result["automations"] = outside(ws.folder, person.ids)
    found = bool(result["events"] or tables or _any_rows(result.get("automations")))
    result["found"] = found
    return result


def forget_person(ws: Workspace, customer_id: str, actor: str | None = None) -> dict[str, Any]:
    """Remove one person everywhere, leave tombstones for re-ingest, log the request (art. 17)."""
    if ws.read_only:
        raise RecorridoError("privacy_read_only")
    person = find_person(ws, customer_id)
    con = ws.con
    ledger.ensure_tables(con)
    rows = person_rows(ws, person)
    matched = {name: int(expr.count().execute()) for name, expr in rows.items()}
    _delete(ws, person, matched)
    counts = {name: n for name, n in matched.items() if n}
    key = ledger.workspace_key(ws.folder)
    identifiers = [i for i in person.identifiers if i[:2] in ("u:", "a:")]
    identifiers += [f"u:{i}" for i in person.customer_ids] + [f"a:{i}" for i in person.customer_ids]
    request_id = ledger.new_request_id()
    ledger.add_tombstones(con, [ledger.keyed_hash(key, i) for i in set(identifiers)], request_id)
    outside = _automations("forget_customer")
    if outside is not None and ws.folder is not None:
        automation_counts = outside(ws.folder, person.ids)
        if isinstance(automation_counts, dict):
            counts.update({f"automations.{k}": int(v) for k, v in automation_counts.items() if v})
    ledger.record(con, "forget", request_id, counts, len(set(identifiers)), actor)
    if con.name == "duckdb":
        con.con.execute("CHECKPOINT")  # the deleted rows leave the write-ahead log for good
    return {"request_id": request_id, "rows_removed": counts, "found": bool(counts)}


def _delete(ws: Workspace, person: Person, matched: dict[str, int]) -> None:
    """Keep every row but the person's, table by table: in one transaction on DuckDB."""
    con = ws.con
    rules = {n: r for n, r in person_rules(ws, person).items() if matched.get(n)}
    if not rules:
        return
    kept = {}
    for name, rule in rules.items():
        table = con.table(name)
        kept[name] = table.filter(~rule(table).fill_null(False))
    if con.name == "duckdb":
        raw = con.con
        raw.execute("BEGIN TRANSACTION")
        try:
            for name, expr in kept.items():
                raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS {con.compile(expr)}')
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        return
    for name, expr in kept.items():  # other engines: write the kept rows aside, then swap
        aside = f"{name}__privacy_kept"
        con.create_table(aside, expr, overwrite=True)
        con.drop_table(name)
        con.rename_table(aside, name)


def _any_rows(held: object) -> bool:
    """Whether automations' export holds anything (a dict of lists, or any other non-empty)."""
    if isinstance(held, dict):
        return any(bool(v) for v in held.values())
    return bool(held)


def _automations(name: str):
    try:
        module = importlib.import_module("recorrido.automations.privacy")
    except ImportError:
        return None
    return getattr(module, name, None)
