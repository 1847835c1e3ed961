"""Feedback in: read files, map columns, validate, quarantine, de-duplicate, stitch, place, score.

Each row becomes one answer, comment, review or post in the ``feedback`` table:

- **columns** are found by well-known names (``score``, ``rating``, ``comment``, ``created_at``
  ...) or given as ``--column FIELD=COLUMN``; the file's other columns go to ``properties``;
- **validation** sends a row to ``feedback_quarantine`` with a reason: no customer, a missing or
  unreadable time, an unknown kind, a score that is not a number or out of the kind's range, no
  text and no score, a stage or touchpoint the map does not have (nothing is dropped silently);
- **de-duplication** by the given id, or by a hash of the content when the file has none, so
  ingesting the same file twice changes nothing;
- **identity**: the customer id is looked up in the workspace's ``identity_map`` (built by event
  ingest), so feedback joins the same unified customer as that person's events;
- **stage and touchpoint** are taken from the row when given (a touchpoint implies its stage);
  otherwise, with a map, they are where the customer last was before speaking: the touchpoint of
  that customer's last tagged event at or before the feedback's time;
- **sentiment** of every text with its language (see :mod:`recorrido.feedback.scoring`).

Feedback files are survey- and review-sized, and texts are scored in Python anyway, so rows are
handled in pandas after the engine has read the file; the join with events stays in the engine.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from recorrido.errors import RecorridoError, did_you_mean
from recorrido.feedback.labels import KINDS, in_range, label_from_score, normalise_label
from recorrido.feedback.language import detect_language
from recorrido.feedback.store import (
    FEEDBACK_SCHEMA,
    append_quarantine,
    ensure_tables,
    read_feedback,
    write_feedback,
)
from recorrido.privacy.pseudonyms import ingest_key, pseudonym, pseudonymise_feedback_row

FIELDS = (
    "feedback_id",
    "customer_id",
    "timestamp",
    "kind",
    "score",
    "text",
    "label",
    "stage",
    "touchpoint",
    "source",
)

WELL_KNOWN: dict[str, tuple[str, ...]] = {
    "feedback_id": ("feedback_id", "response_id", "review_id", "tweet_id", "id"),
    "customer_id": ("customer_id", "user_id", "userId", "customer", "client_id", "author_id"),
    "timestamp": (
        "timestamp",
        "created_at",
        "submitted_at",
        "tweet_created",
        "date",
        "time",
        "datetime",
    ),
    "kind": ("kind", "type", "survey_type"),
    "score": ("score", "rating", "nps", "csat", "ces", "stars"),
    "text": ("text", "comment", "comments", "review", "feedback", "message", "body"),
    "label": ("label", "sentiment", "airline_sentiment"),
    "stage": ("stage",),
    "touchpoint": ("touchpoint",),
    "source": ("source", "channel"),
}


@dataclass
class FeedbackReport:
    """What one ingest did; ``to_dict()`` is the ``--json`` output."""

    files: list[str]
    rows_read: int = 0
    ingested: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    stage_given: int = 0
    stage_inferred: int = 0
    stage_unplaced: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    sentiment: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "quarantine_reasons": dict(sorted(self.reasons.items())),
            "stage": {
                "given": self.stage_given,
                "inferred": self.stage_inferred,
                "unplaced": self.stage_unplaced,
            },
            "languages": dict(sorted(self.languages.items())),
            "sentiment": self.sentiment,
        }


def parse_columns(options: Iterable[str]) -> dict[str, str]:
    """``["score=Puntuación", "text=Comentario"]`` -> ``{"score": "Puntuación", ...}``."""
    columns: dict[str, str] = {}
    for option in options:
        name, sep, column = option.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise RecorridoError("feedback_bad_column_option", option=option)
        if name not in FIELDS:
            hint = did_you_mean(name, FIELDS)
            raise RecorridoError(
                "feedback_unknown_field", field=name, fields=", ".join(FIELDS), hint=hint
            )
        columns[name] = column
    return columns


def ingest_feedback(
    workspace,
    files: str | Path | Iterable[str | Path],
    *,
    columns: dict[str, str] | Iterable[str] | None = None,
    kind: str | None = None,
    source: str | None = None,
    journey_map=None,
    encoding: str | None = None,
    delimiter: str | None = None,
    timestamp_format: str | None = None,
) -> FeedbackReport:
    """Ingest feedback files into ``workspace``; see the module's docstring."""
    from recorrido.feedback.scoring import score_all

    if isinstance(files, str | Path):
        files = [files]
    paths = [Path(f) for f in files]
    if not paths:
        raise RecorridoError("feedback_no_files")
    if columns is not None and not isinstance(columns, dict):
        columns = parse_columns(columns)
    if kind is not None and kind not in KINDS:
        raise RecorridoError("feedback_kind_unknown", kind=kind, kinds=", ".join(KINDS))
    journey = _load_map(journey_map)
    con = workspace.con
    # A pseudonymised workspace stores feedback under the customer's pseudonym, as its events.
    pseudonym_key = ingest_key(workspace)
    ensure_tables(con)
    zone = ZoneInfo(workspace.settings.timezone or "UTC")
    report = FeedbackReport(files=[str(p) for p in paths])
    now = datetime.now(UTC)
    existing = read_feedback(con)
    seen = set(existing["feedback_id"].dropna())
    kept: list[dict] = []
    quarantine: list[dict] = []
    for path in paths:
        raw, refused = _read_file(path, encoding=encoding, delimiter=delimiter)
        mapping = _resolve(columns or {}, list(raw.columns), path)
        report.rows_read += len(raw) + len(refused)
        for line, message, text in refused:
            text = None if pseudonym_key is not None else text  # the record carries the raw id
            quarantine.append(_refusal(now, path, line, "", "row_unreadable", message, text))
            report.reasons["row_unreadable"] = report.reasons.get("row_unreadable", 0) + 1
        shifts = sorted(line for line, _, _ in refused)
        for record in raw.to_dict("records"):
            row_number = _line_of(int(record.pop("__row", 0) or 0), shifts)
            row, problem = _canonical(
                record, mapping, kind, source or path.name, zone, journey, timestamp_format
            )
            if problem is not None:
                column, reason, detail = problem
                text = json.dumps(record, ensure_ascii=False, default=str)
                text = None if pseudonym_key is not None else text
                who = _refused_customer(record, mapping, pseudonym_key)
                refusal = _refusal(now, path, row_number, column, reason, detail, text, who)
                quarantine.append(refusal)
                report.reasons[reason] = report.reasons.get(reason, 0) + 1
                continue
            if pseudonym_key is not None:
                row = pseudonymise_feedback_row(row, pseudonym_key)
            if row["feedback_id"] in seen:
                report.duplicates += 1
                continue
            seen.add(row["feedback_id"])
            kept.append(row)
    report.quarantined = len(quarantine)
    report.ingested = len(kept)
    new = pd.DataFrame(kept, columns=list(FEEDBACK_SCHEMA.names))
    if len(new):
        new = _unify_customers(con, new)
        new = _place(workspace, journey, new, report)
        for language in new["language"].fillna("unknown"):
            report.languages[language] = report.languages.get(language, 0) + 1
    combined = pd.concat([existing, new], ignore_index=True) if len(existing) else new
    if len(new):
        combined, report.sentiment = score_all(combined, workspace.folder)
        write_feedback(con, combined)
    append_quarantine(con, quarantine)
    return report


def _line_of(row: int, refused_lines: list[int]) -> int:
    """The file line of a record numbered without the refused lines (they are put back)."""
    for line in refused_lines:
        if line <= row:
            row += 1
    return row


def _refusal(now, path, row, column, reason, detail, record, customer=None) -> dict:
    return {
        "ingested_at": now,
        "file": str(path),
        "row": row,
        "column": column,
        "reason_code": reason,
        "detail": detail,
        "record": record,
        "customer_id": customer,
    }


def _refused_customer(record: dict, mapping: dict[str, str], pseudonym_key: str | None):
    """The customer id a refused row carries (as given, or its pseudonym), so that a person's
    export and erasure reach their refused feedback too; None when the row has none."""
    column = mapping.get("customer_id")
    customer = _text(record.get(column)) if column is not None else None
    if customer is None or pseudonym_key is None:
        return customer
    return pseudonym(pseudonym_key, customer)


# -- reading ------------------------------------------------------------------------------------
def _read_file(
    path: Path, *, encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """The file's records (all values as the engine read them) with ``__row``, and the lines
    the reader could not split into the file's columns: ``(line, message, text)``."""
    from recorrido.events.sources import detect_format, open_source, read_rejects

    if not path.exists():
        raise RecorridoError("file_missing", file=str(path))
    fmt = detect_format(path)
    if fmt == "segment":
        fmt = "ndjson"
    staging = ibis.duckdb.connect()
    try:
        source = open_source(
            staging, path, fmt, name="feedback_source", delimiter=delimiter, encoding=encoding
        )
        frame = source.table.to_pandas()
        rejects = read_rejects(staging, source)
        refused = [] if rejects is None else list(rejects.to_pandas().itertuples(index=False))
        return frame, [(int(r.line), str(r.message), str(r.text)) for r in refused]
    except RecorridoError:
        raise
    except Exception as exc:  # the engine's own words about the file
        raise RecorridoError(
            "file_unreadable", file=str(path), format=fmt, detail=str(exc).splitlines()[0]
        ) from exc
    finally:
        staging.disconnect()


def _resolve(columns: dict[str, str], available: list[str], path: Path) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for name, column in columns.items():
        if column not in available:
            hint = did_you_mean(column, available)
            raise RecorridoError(
                "feedback_column_missing", file=str(path), column=column, hint=hint
            )
        resolved[name] = column
    taken = set(resolved.values())
    lowered = {c.lower(): c for c in available if c != "__row"}
    for name, candidates in WELL_KNOWN.items():
        if name in resolved:
            continue
        for candidate in candidates:
            column = lowered.get(candidate.lower())
            if column is not None and column not in taken:
                resolved[name] = column
                taken.add(column)
                break
    return resolved


# -- one row ------------------------------------------------------------------------------------
def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _canonical(
    record: dict, mapping: dict[str, str], kind_option, source, zone, journey, stamp_format=None
):
    """``(row, None)`` or ``(None, (column, reason_code, detail))``."""
    value = {name: _text(record.get(column)) for name, column in mapping.items()}
    customer = value.get("customer_id")
    if customer is None:
        return None, (mapping.get("customer_id", ""), "customer_missing", "")
    stamp = value.get("timestamp")
    if stamp is None:
        return None, (mapping.get("timestamp", ""), "timestamp_missing", "")
    try:
        # Without a format, ISO and common layouts are read; an ambiguous 03-04-2024 is read
        # month first, so files with day-first dates need --timestamp-format.
        moment = (
            pd.Timestamp(datetime.strptime(stamp, stamp_format))
            if stamp_format
            else pd.Timestamp(stamp)
        )
        if moment is pd.NaT:
            raise ValueError(stamp)
        moment = moment.tz_localize(zone) if moment.tzinfo is None else moment
        moment = moment.tz_convert("UTC")
    except (ValueError, TypeError, OverflowError):
        return None, (mapping.get("timestamp", ""), "timestamp_invalid", stamp)
    kind = value.get("kind") or kind_option or _kind_from_column(mapping.get("score")) or ""
    kind = kind.lower()
    score_text = value.get("score")
    if not kind:
        kind = "text" if score_text is None else ""
    if kind not in KINDS:
        return None, (mapping.get("kind", ""), "kind_unknown", kind or "(none)")
    score = None
    if score_text is not None:
        try:
            score = float(score_text.replace(",", "."))
        except ValueError:
            return None, (mapping.get("score", ""), "score_invalid", score_text)
        if kind == "text" or not in_range(kind, score):
            scale = KINDS.get(kind)
            detail = f"{score_text} ({kind} {scale[0]:g}–{scale[1]:g})" if scale else score_text
            return None, (mapping.get("score", ""), "score_out_of_range", detail)
    text = value.get("text")
    if text is None and score is None:
        return None, (mapping.get("text", ""), "feedback_empty", "")
    stage, touchpoint = value.get("stage"), value.get("touchpoint")
    if journey is not None:
        if touchpoint is not None:
            try:
                stage = journey.stage_of(touchpoint).id
            except KeyError:
                return None, (mapping.get("touchpoint", ""), "touchpoint_unknown", touchpoint)
        if stage is not None and stage not in {s.id for s in journey.stages}:
            return None, (mapping.get("stage", ""), "stage_unknown", stage)
    given_label = normalise_label(value.get("label"))
    label = given_label or label_from_score(kind, score)
    method = "label" if given_label else "score" if label else None
    properties = {
        column: record[column]
        for column in record
        if column not in mapping.values() and _text(record[column]) is not None
    }
    feedback_id = value.get("feedback_id") or _content_hash(customer, moment, kind, score, text)
    row = {
        "feedback_id": feedback_id,
        "customer_id": customer,
        "timestamp": moment,
        "kind": kind,
        "score": score,
        "text": text,
        "language": detect_language(text),
        "sentiment": label,
        "sentiment_score": _LABEL_SCORE.get(label),
        "stage": stage,
        "touchpoint": touchpoint,
        "source": value.get("source") or source,
        "properties": json.dumps(properties, ensure_ascii=False, default=str),
        "label": label,
        "sentiment_method": method,
    }
    return row, None


_LABEL_SCORE = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def _kind_from_column(column: str | None) -> str | None:
    if column is None:
        return None
    lowered = column.strip().lower()
    return lowered if lowered in KINDS and lowered != "text" else None


def _content_hash(customer, moment, kind, score, text) -> str:
    content = json.dumps([customer, moment.isoformat(), kind, score, text], ensure_ascii=False)
    return "h:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:24]


# -- customers and places -----------------------------------------------------------------------
def _unify_customers(con: ibis.BaseBackend, frame: pd.DataFrame) -> pd.DataFrame:
    """Each customer id replaced by its unified customer from ``identity_map``: looked up as a
    user id first, then as an anonymous id (a survey tool may only know the visitor's cookie)."""
    if "identity_map" not in con.list_tables():
        return frame
    raw = pd.Series(frame["customer_id"].unique())
    ids = pd.DataFrame({"identifier": pd.concat(["u:" + raw, "a:" + raw], ignore_index=True)})
    identity = con.table("identity_map")
    wanted = ibis.memtable(ids)
    found = identity.join(wanted, "identifier").select("identifier", "customer_id").to_pandas()
    if found.empty:
        return frame
    users = {
        i[2:]: c
        for i, c in zip(found["identifier"], found["customer_id"], strict=True)
        if i.startswith("u:")
    }
    anonymous = {
        i[2:]: c
        for i, c in zip(found["identifier"], found["customer_id"], strict=True)
        if i.startswith("a:")
    }
    frame = frame.copy()
    frame["customer_id"] = frame["customer_id"].map(lambda c: users.get(c) or anonymous.get(c) or c)
    return frame


def _place(workspace, journey, frame: pd.DataFrame, report: FeedbackReport) -> pd.DataFrame:
    """Stage and touchpoint by time where the row did not give them (needs a map)."""
    given = frame["stage"].notna() | frame["touchpoint"].notna()
    report.stage_given += int(given.sum())
    if journey is None or given.all():
        report.stage_unplaced += int((~given).sum())
        return frame
    from recorrido.analytics.tagging import tag_events

    wanted = frame.loc[~given, ["feedback_id", "customer_id", "timestamp"]].rename(
        columns={"customer_id": "fb_customer", "timestamp": "fb_time"}
    )
    wanted["fb_time"] = pd.to_datetime(wanted["fb_time"], utc=True)
    asked = ibis.memtable(
        wanted,
        schema=ibis.schema(
            {"feedback_id": "string", "fb_customer": "string", "fb_time": "timestamp('UTC')"}
        ),
    )
    tagged = tag_events(workspace.events, journey)
    tagged = tagged.filter(tagged.touchpoint.notnull())
    joined = tagged.join(
        asked,
        (tagged.customer_id == asked.fb_customer) & (tagged.timestamp <= asked.fb_time),
    )
    last = joined.group_by("feedback_id").aggregate(
        found_touchpoint=joined.touchpoint.argmax(joined.timestamp),
        found_stage=joined.stage.argmax(joined.timestamp),
    )
    placed = last.to_pandas()
    frame = frame.merge(placed, on="feedback_id", how="left")
    fill = ~given & frame["found_touchpoint"].notna()
    frame.loc[fill, "touchpoint"] = frame.loc[fill, "found_touchpoint"]
    frame.loc[fill, "stage"] = frame.loc[fill, "found_stage"]
    report.stage_inferred += int(fill.sum())
    report.stage_unplaced += int((~given & ~fill).sum())
    return frame.drop(columns=["found_touchpoint", "found_stage"])


def _load_map(journey_map):
    if journey_map is None:
        return None
    from recorrido.analytics.tagging import load_map

    return load_map(journey_map)
