"""Pseudonymisation at ingest: which ids become a keyed hash, and whether this workspace's have.

With ``pseudonymise: true`` in ``recorrido.yaml`` (or ``recorrido init --pseudonymise``) every
ingest (files, the collection API's loader, feedback files) stores, in place of each id,
``sha256(key + ":p:" + id)`` — :func:`recorrido.privacy.ledger.keyed_hash` with the workspace's
``privacy.key``. The same id gets the same pseudonym in every ingest, so journeys, de-duplication
and identity stitching work as before; the raw id is never written to the database.

What is replaced: ``customer_id`` and ``anonymous_id`` (a Segment ``alias``'s ``previousId`` is the
anonymous id, so every id stitching links is covered), content-hash event ids (``h:`` ids, which
are a plain hash of the row, raw id included), and quarantined rows' original record (not kept).
What is not: event ``properties`` and identify ``traits`` (an e-mail there stays as sent), event
ids the source gave, feedback texts, and the landing files of the collection API. docs/privacy.md.

Raw and hashed ids must never meet in one workspace, so the database itself says whether its ids
are pseudonyms: the table ``privacy_pseudonyms`` holds one row with a check value of the key (a
keyed hash of a fixed text). An ingest whose setting disagrees with it, on a workspace that holds
data, is refused; so is one whose ``privacy.key`` is not the key the pseudonyms were made with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import ibis

from recorrido.errors import RecorridoError
from recorrido.events import schema
from recorrido.privacy import ledger

if TYPE_CHECKING:
    from recorrido.workspace import Workspace

MARKER = "privacy_pseudonyms"
MARKER_SCHEMA = ibis.schema({"key_check": "string", "since": "timestamp('UTC')"})
#: Keeps pseudonyms apart from tombstones (``u:``/``a:``) and re-keyed event ids (``h:``).
_PREFIX = "p:"
_CHECK_TEXT = "recorrido:pseudonym-key-check"
#: Tables whose rows would hold raw ids: any row in one of them makes switching the setting unsafe.
_HOLDERS = (
    schema.RAW_EVENTS,
    schema.QUARANTINE,
    schema.IDENTITY_LINKS,
    ledger.TOMBSTONES,
    "feedback",
    "feedback_quarantine",
)


def pseudonym(key: str, identifier: str) -> str:
    """The pseudonym of one id (as Python computes it: for look-ups by the original id)."""
    return ledger.keyed_hash(key, _PREFIX + identifier)


def pseudonym_expression(key: str, identifier: ibis.Value) -> ibis.Value:
    """:func:`pseudonym` as an engine expression; NULL stays NULL."""
    return ledger.keyed_hash_expression(key, ibis.literal(_PREFIX) + identifier)


def pseudonymise_events(valid: ibis.Table, key: str) -> ibis.Table:
    """``valid`` (checked rows with the canonical columns) with its ids replaced."""
    # A content-hash id is md5 of the row with its raw id: anyone holding the other columns could
    # test guesses of the id against it, so it is keyed too (the same rows still get the same id).
    content_hash = valid.event_id.startswith("h:")
    return valid.mutate(
        customer_id=pseudonym_expression(key, valid.customer_id),
        anonymous_id=pseudonym_expression(key, valid.anonymous_id),
        event_id=ibis.ifelse(
            content_hash,
            ibis.literal("h:") + ledger.keyed_hash_expression(key, valid.event_id),
            valid.event_id,
        ),
    )


def redact_quarantine(quarantined: ibis.Table) -> ibis.Table:
    """Quarantine rows without the original record: it carries the raw ids. File and row number
    still point at the record in the source file."""
    return quarantined.mutate(record=ibis.null("string"))


def pseudonymise_feedback_row(row: dict, key: str) -> dict:
    """A feedback row (recorrido.feedback.ingest) with its customer id and content-hash id keyed."""
    row = dict(row)
    if row.get("customer_id") is not None:
        row["customer_id"] = pseudonym(key, str(row["customer_id"]))
    feedback_id = row.get("feedback_id")
    if isinstance(feedback_id, str) and feedback_id.startswith("h:"):
        row["feedback_id"] = "h:" + ledger.keyed_hash(key, feedback_id)[:24]
    return row


# -- whether this workspace's ids are pseudonyms ---------------------------------------------------


def is_pseudonymised(con: ibis.BaseBackend) -> bool:
    return _stored_check(con) is not None


def ingest_key(ws: Workspace) -> str | None:
    """The key an ingest into ``ws`` pseudonymises with, or ``None`` when ids are kept as they are.

    While the workspace holds no data the database follows the setting (the mark is written or
    removed); once it does, a setting that disagrees with the data is refused, never mixed.
    """
    con = ws.con
    wanted = bool(ws.settings.pseudonymise)
    stored = _stored_check(con)
    if wanted and stored is None:
        if _holds_data(con):
            raise RecorridoError("pseudonymise_raw_ids_held", path=str(ws.folder or ""))
        return mark(ws)
    if not wanted and stored is not None:
        if _holds_data(con):
            raise RecorridoError("pseudonymise_setting_off", path=str(ws.folder or ""))
        con.drop_table(MARKER, force=True)
        return None
    return checked_key(ws) if stored is not None else None


def mark(ws: Workspace) -> str:
    """Record that ``ws`` pseudonymises (made with its key, created when missing); the key."""
    if ws.settings.events_table:
        raise RecorridoError("pseudonymise_read_in_place", table=ws.settings.events_table)
    key = ledger.workspace_key(ws.folder)
    row = {"key_check": [ledger.keyed_hash(key, _CHECK_TEXT)], "since": [datetime.now(UTC)]}
    con = ws.con
    if MARKER not in con.list_tables():
        con.create_table(MARKER, schema=MARKER_SCHEMA)
    con.insert(MARKER, ibis.memtable(row, schema=MARKER_SCHEMA), overwrite=True)
    return key


def checked_key(ws: Workspace) -> str:
    """The key of a pseudonymised workspace, refused when it is missing or not the one its
    pseudonyms were made with (a new key would give everyone new pseudonyms, silently)."""
    folder = ws.folder
    if folder is not None and not (Path(folder) / ledger.KEY_FILE).exists():
        raise RecorridoError("pseudonymise_key_missing", path=str(Path(folder) / ledger.KEY_FILE))
    key = ledger.workspace_key(folder)
    if ledger.keyed_hash(key, _CHECK_TEXT) != _stored_check(ws.con):
        where = str(Path(folder) / ledger.KEY_FILE) if folder is not None else "—"
        raise RecorridoError("pseudonymise_key_changed", path=where)
    return key


def stored_id(ws: Workspace, given: str) -> str:
    """The id ``given`` as the workspace stores it: its pseudonym on a pseudonymised workspace
    (so a person is asked for by their original id), else ``given``. A pseudonym itself, as
    reports show it, is taken as it is."""
    if not is_pseudonymised(ws.con):
        return given
    alias = pseudonym(checked_key(ws), given)
    if _known(ws.con, alias) or not _known(ws.con, given):
        return alias
    return given


def _known(con: ibis.BaseBackend, value: str) -> bool:
    raw = con.table(schema.RAW_EVENTS)
    mapping = con.table(schema.IDENTITY_MAP)
    found = raw.filter((raw.customer_id == value) | (raw.anonymous_id == value)).limit(1).count()
    mapped = mapping.filter(mapping.customer_id == value).limit(1).count()
    return bool(found.execute() or mapped.execute())


def _stored_check(con: ibis.BaseBackend) -> str | None:
    if MARKER not in con.list_tables():
        return None
    values = con.table(MARKER).key_check.to_list()
    return values[0] if values else None


def _holds_data(con: ibis.BaseBackend) -> bool:
    existing = set(con.list_tables())
    return any(
        int(con.table(name).limit(1).count().execute()) for name in _HOLDERS if name in existing
    )
