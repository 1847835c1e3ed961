"""What privacy keeps in the workspace: the key, the tombstones of forgotten people, the audit log.

None of it holds personal data. A tombstone is a keyed hash of an identifier (``u:<user id>``,
``a:<anonymous id>``), so a re-ingested file can be checked against it but the id cannot be read
back, nor guessed by hashing likely ids without the key. The key is a random file in the workspace
(``privacy.key``): a copy of the database without it reveals nothing; deleting it makes the
tombstones useless (docs/privacy.md).
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path

import ibis

TOMBSTONES = "privacy_tombstones"
AUDIT = "privacy_audit"
KEY_FILE = "privacy.key"

TOMBSTONE_SCHEMA = ibis.schema(
    {"identifier_hash": "string", "request_id": "string", "forgotten_at": "timestamp('UTC')"}
)
AUDIT_SCHEMA = ibis.schema(
    {
        "request_id": "string",
        "at": "timestamp('UTC')",
        "actor": "string",
        "action": "string",
        "identifiers": "int64",
        "counts": "string",
    }
)


def workspace_key(folder: Path | None) -> str:
    """The workspace's privacy key (hex), made on first use; a fixed one for a bare connection."""
    if folder is None:
        return "recorrido-bare-connection"
    path = Path(folder) / KEY_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def keyed_hash(key: str, identifier: str) -> str:
    """The tombstone of one identifier, as the engines compute it too: sha256(key + ':' + id)."""
    import hashlib

    return hashlib.sha256(f"{key}:{identifier}".encode()).hexdigest()


def keyed_hash_expression(key: str, identifier: ibis.Value) -> ibis.Value:
    """:func:`keyed_hash` as an engine expression (DuckDB and Spark both have sha256)."""
    return (ibis.literal(f"{key}:") + identifier).hexdigest("sha256")


def ensure_tables(con: ibis.BaseBackend) -> None:
    existing = set(con.list_tables())
    for name, table_schema in ((TOMBSTONES, TOMBSTONE_SCHEMA), (AUDIT, AUDIT_SCHEMA)):
        if name not in existing:
            con.create_table(name, schema=table_schema)


def add_tombstones(con: ibis.BaseBackend, hashes: list[str], request_id: str) -> None:
    known = set()
    if TOMBSTONES in con.list_tables():
        table = con.table(TOMBSTONES)
        known = set(table.filter(table.identifier_hash.isin(hashes)).identifier_hash.to_list())
    fresh = sorted(set(hashes) - known)
    if fresh:
        now = datetime.now(UTC)
        rows = {
            "identifier_hash": fresh,
            "request_id": [request_id] * len(fresh),
            "forgotten_at": [now] * len(fresh),
        }
        con.insert(TOMBSTONES, ibis.memtable(rows, schema=TOMBSTONE_SCHEMA))


def tombstone_hashes(con: ibis.BaseBackend) -> list[str]:
    if TOMBSTONES not in con.list_tables():
        return []
    return con.table(TOMBSTONES).identifier_hash.to_list()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def record(
    con: ibis.BaseBackend,
    action: str,
    request_id: str,
    counts: dict[str, int],
    identifiers: int,
    actor: str | None = None,
) -> None:
    """One audit entry: who, when, what and how many rows, never whose."""
    entry = {
        "request_id": [request_id],
        "at": [datetime.now(UTC)],
        "actor": [actor or _who()],
        "action": [action],
        "identifiers": [identifiers],
        "counts": [json.dumps(counts, sort_keys=True)],
    }
    con.insert(AUDIT, ibis.memtable(entry, schema=AUDIT_SCHEMA))


def audit_entries(con: ibis.BaseBackend) -> list[dict]:
    if AUDIT not in con.list_tables():
        return []
    rows = con.table(AUDIT).order_by("at").to_pyarrow().to_pylist()
    for row in rows:
        row["counts"] = json.loads(row["counts"])
    return rows


def _who() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
