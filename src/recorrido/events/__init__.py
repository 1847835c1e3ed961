"""Getting interaction data in: the canonical event table, ingest, quarantine, identities."""
