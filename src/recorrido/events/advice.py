"""What to tell a person whose ingest refused (nearly) every row: the most common reason, with an
example, and the option that fixes it (``--timestamp-format``, ``--timestamp-unit``,
``--decimal-separator``, ``--encoding``, ``--column``), named next to the mapping file's key."""

from __future__ import annotations

from recorrido.events.ingest_model import IngestReport
from recorrido.events.recognise import suggest_time_format, uses_decimal_comma
from recorrido.i18n import message

#: Share of rows refused from which an ingest is reported as a problem, not a success.
MOSTLY_REFUSED = 0.5


def nothing_stored(report: IngestReport) -> bool:
    """Rows were read and every one was refused: the ingest failed in all but name."""
    return report.ingested == 0 and report.quarantined > 0 and report.duplicates == 0


def mostly_refused(report: IngestReport) -> bool:
    return report.rows_read > 0 and report.quarantined >= MOSTLY_REFUSED * report.rows_read


def advice(report: IngestReport, lang: str, workspace: str) -> list[str]:
    """The headline and the hints, in ``lang``; empty when the ingest went well enough."""
    if not report.refusals or not (nothing_stored(report) or mostly_refused(report)):
        return []
    top = report.refusals[0]
    example = top.examples[0] if top.examples else ""
    reason = message(f"reason_{top.reason_code}", lang, detail=example)
    key = "events_nothing_stored" if nothing_stored(report) else "events_mostly_refused"
    lines = [
        message(
            key,
            lang,
            quarantined=report.quarantined,
            rows_read=report.rows_read,
            count=top.count,
            column=top.column or "—",
            reason=reason,
        )
    ]
    hint = _hint(top.reason_code, top.examples)
    other_column = _timestamp_column_hint(report) if top.reason_code == "bad_timestamp" else None
    if other_column is not None:
        hint = other_column
    if hint is not None:
        lines.append(message(hint[0], lang, **hint[1]))
    lines.append(message("events_advice_quarantine", lang, workspace=workspace))
    return lines


def _hint(code: str, examples: list[str]) -> tuple[str, dict[str, str]] | None:
    if code == "bad_timestamp" and examples:
        return suggest_time_format(examples)
    if code == "bad_value" and examples and (uses_decimal_comma(examples) or "," in examples[0]):
        return "events_advice_decimal", {"example": examples[0]}
    if code == "malformed_line" and any(
        "unicode" in e.lower() or "utf-8" in e.lower() for e in examples
    ):
        return "events_advice_encoding", {}
    if code == "missing_id":
        return "events_advice_missing_id", {}
    return None


def _timestamp_column_hint(report: IngestReport) -> tuple[str, dict[str, str]] | None:
    """When the timestamp column was taken for its name and another column holds dates."""
    for item in report.files:
        column = item.hints.get("timestamp_column")
        if column:
            example = item.hints.get("timestamp_example", "")
            return "events_advice_timestamp_column", {
                "column": column,
                "example": example,
                "taken": item.mapping.get("timestamp", ""),
            }
    return None
