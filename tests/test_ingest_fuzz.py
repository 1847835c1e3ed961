"""Property-based fuzzing of the ingest readers (issue 17): CSV, NDJSON, Segment batches, Parquet,
gzip of each and truncated gzip, read through ``Workspace.ingest`` as ``recorrido ingest`` does.

Whatever the file, an ingest either refuses it with a :class:`RecorridoError` naming the file and
leaves the workspace as it was, or accounts for every record: each one the generator wrote is
stored, quarantined with its reason, or counted as a duplicate, as the tables themselves show, and
nothing is invented. The number of records is known from the generator, not taken from the report.

Few examples each, one fresh workspace per example, so the file runs in seconds; hypothesis keeps
the failing examples it finds in its database and tries them first next time.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recorrido import Workspace
from recorrido.errors import RecorridoError
from recorrido.events import schema

#: More examples for a deeper search: RECORRIDO_FUZZ_EXAMPLES=500 pytest tests/test_ingest_fuzz.py
EXAMPLES = int(os.environ.get("RECORRIDO_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NOW = datetime.now(UTC).replace(tzinfo=None)

# -- what goes into the cells ---------------------------------------------------------------------

good_times = st.datetimes(min_value=datetime(1971, 1, 2), max_value=NOW - timedelta(days=1)).map(
    lambda t: t.isoformat(sep=" ") if t.microsecond % 2 else t.isoformat() + "Z"
)
odd_times = st.sampled_from(
    [
        "",
        "  ",
        "2024-02-30 10:00:00",  # impossible
        "2024-13-01",
        "2024-01-01T10:00:00+25:00",  # an offset no place uses
        "2024-01-01T10:00:00+05:30",
        "2024-01-01 10:00:00 UTC",
        "1970-01-01",  # before the earliest accepted
        "0001-01-01",
        "9999-12-31 23:59:59",  # far in the future
        str(NOW.year + 1) + "-01-01",
        "01/02/2024",
        "0",
        "-1",
        "1e308",
        "99999999999999999999",
        "NaN",
        "inf",
        "yesterday",
        "2024-01-01\x00",
    ]
)
timestamps = st.one_of(good_times, good_times, odd_times)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1,5", "1.234,56", "-0", "1e-400", "0x10", "٣", "NaN", "-inf", "€5"]),
)
tricky_text = st.sampled_from(
    [
        '"',
        '""',
        "'",
        "a\nb",
        "a\r\nb",
        "\r",
        "\x00",
        "a,b",
        "a;b",
        "a\tb",
        "|",
        "\\",
        "[/]",
        "\ufeff",
    ]
)
texts = st.one_of(st.text(max_size=8), tricky_text, st.sampled_from(["c1", "c2", "anon-1", "x"]))
#: A cell marked so: after encoding, its marker is replaced by bytes that are not UTF-8.
BAD_BYTES_MARKER = "QQBADQQ"
cells = st.one_of(
    st.just(""),
    texts,
    timestamps,
    numbers,
    st.just(BAD_BYTES_MARKER),
)

# -- CSV ----------------------------------------------------------------------------------------

HEADER_NAMES = [
    "customer_id",
    "user_id",
    "anonymous_id",
    "timestamp",
    "event_time",
    "ts",
    "event",
    "action",
    "event_id",
    "value",
    "revenue",
    "channel",
    "source",
    "plan",
    "",
]
REQUIRED = ("customer_id", "timestamp", "event")
CSV_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]
CSV_DELIMITERS = [",", ";", "\t", "|", ":", "#", " "]


def _csv_line(values: list[str], delimiter: str) -> str:
    """One CSV line as RFC 4180 writes it: a cell with the delimiter, a quote, a line break (a
    lone carriage return too, which Python's writer leaves bare) or outer blanks is quoted."""

    def cell(value: str) -> str:
        special = delimiter in value or any(c in value for c in '"\r\n')
        if special or value != value.strip():
            return '"' + value.replace('"', '""') + '"'
        return value

    return delimiter.join(cell(v) for v in values)


@st.composite
def csv_files(draw):
    """(file bytes, data records written, ingest options, suffix)."""
    # Most headers hold the required columns, so that rows get as far as their checks.
    if draw(st.integers(0, 4)):
        header = [*REQUIRED, *draw(st.lists(st.sampled_from(HEADER_NAMES) | texts, max_size=4))]
        header = draw(st.permutations(header))
    else:
        header = draw(st.lists(st.sampled_from(HEADER_NAMES) | texts, min_size=1, max_size=6))
    width = len(header)
    row = st.lists(cells, min_size=width, max_size=width)
    ragged = st.lists(cells, min_size=0, max_size=width + 2)
    rows = draw(st.lists(st.one_of(row, row, row, ragged), min_size=1, max_size=12))
    delimiter = draw(st.sampled_from(CSV_DELIMITERS))
    encoding = draw(st.sampled_from(CSV_ENCODINGS))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [_csv_line(header, delimiter)]
    for values in rows:
        # A row of one empty cell is an empty line, which no CSV reader counts as a record.
        if "".join(values) == "" and len(values) <= 1:
            continue
        lines.append(_csv_line(values, delimiter))
    written = len(lines) - 1
    text = "".join(line + terminator for line in lines)
    data = text.encode(encoding, errors="replace")
    if encoding in ("utf-8", "utf-8-sig"):
        data = data.replace(BAD_BYTES_MARKER.encode(), draw(st.sampled_from([b"\xff", b"\xc3("])))
    options = {}
    if draw(st.booleans()):
        options["delimiter"] = delimiter
    if draw(st.booleans()):
        options["encoding"] = encoding
    return data, written, options, ".csv"


# -- NDJSON -------------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    timestamps,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
RECORD_KEYS = [
    "customer_id",
    "user_id",
    "anonymous_id",
    "timestamp",
    "ts",
    "event",
    "event_name",
    "event_id",
    "value",
    "channel",
    "properties",
    "plan",
]


@st.composite
def records(draw):
    """A JSON object much like an event: its values of any type, most of them of the usual one."""
    record = {
        "customer_id": draw(st.sampled_from(["c1", "c2", "c3"]) | json_values),
        "timestamp": draw(timestamps | json_values),
        "event": draw(st.sampled_from(["a", "b"]) | json_values),
    }
    for key in draw(st.lists(st.sampled_from(RECORD_KEYS) | st.text(max_size=6), max_size=3)):
        record[key] = draw(json_values)
    for key in draw(st.lists(st.sampled_from(list(record)), max_size=1)):
        del record[key]
    return record


def _nested(depth: int) -> str:
    return '{"customer_id": "c1", "event": "a", "p": ' + "[" * depth + "]" * depth + "}"


broken_lines = st.sampled_from(
    [
        "not json",
        '{"customer_id": "c1", "event": ',
        "{,}",
        "]",
        '"unterminated',
        '{"a": 1}}',
        '{"customer_id": "c1", "customer_id": "c2", "timestamp": "2024-01-01", "event": "a"}',
        _nested(40),
        _nested(3000),
        "NaN",
    ]
)


@st.composite
def ndjson_files(draw):
    lines: list[bytes] = []
    for kind in draw(st.lists(st.integers(0, 9), min_size=1, max_size=12)):
        if kind <= 5:
            line = json.dumps(draw(records()), ensure_ascii=draw(st.booleans())).encode()
        elif kind == 6:
            line = json.dumps(draw(json_values)).encode()  # not an object, most of the time
        elif kind == 7:
            line = draw(broken_lines).encode()
        elif kind == 8:
            record = json.dumps(draw(records()), ensure_ascii=False)
            line = record.replace('"c', '"\udcffc', 1).encode("utf-8", "surrogateescape")
        else:
            line = draw(st.sampled_from([b"", b" ", b"\t", b"\r"]))  # blank: not a record
        lines.append(line)
    terminator = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = terminator.join(lines) + draw(st.sampled_from([terminator, b""]))
    written = sum(1 for line in lines if line.strip())
    return data, written, {}, draw(st.sampled_from([".jsonl", ".ndjson", ".json"]))


# -- Segment batches -------------------------------------------------------------------------------

SEGMENT_TYPES = ["track", "identify", "page", "screen", "alias", "group", "Track", "other"]


@st.composite
def segment_calls(draw):
    call = {
        "type": draw(st.sampled_from(SEGMENT_TYPES)),
        "messageId": draw(st.sampled_from(["m1", "m2", "m3"]) | st.uuids().map(str) | json_values),
        "userId": draw(st.sampled_from(["c1", "c2", None]) | json_values),
        "timestamp": draw(timestamps | json_values),
        "event": draw(st.sampled_from(["Signed Up", "Order Completed"]) | json_values),
    }
    for key in draw(
        st.lists(
            st.sampled_from(
                ["anonymousId", "previousId", "properties", "traits", "context", "name", "channel"]
            ),
            max_size=3,
        )
    ):
        call[key] = draw(json_values)
    if draw(st.booleans()):
        call["properties"] = {"revenue": draw(json_scalars), "plan": draw(json_values)}
    return call


@st.composite
def segment_batches(draw):
    calls = draw(st.lists(segment_calls() | json_values, min_size=1, max_size=10))
    document = {"batch": calls}
    if draw(st.booleans()):  # the other keys of a batch call, sometimes before the list
        extra = {"writeKey": "k" * draw(st.integers(1, 300)), "sentAt": "2024-01-01T00:00:00Z"}
        document = {**extra, **document} if draw(st.booleans()) else {**document, **extra}
    data = json.dumps(document, indent=draw(st.sampled_from([None, 2]))).encode()
    return data, len(calls), {}, ".json"


# -- Parquet ------------------------------------------------------------------------------------

PARQUET_TYPES = {
    "text": (pa.string(), texts | timestamps),
    "int": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "float": (pa.float64(), st.floats()),
    "time": (
        pa.timestamp("us"),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    ),
    "bool": (pa.bool_(), st.booleans()),
    "list": (pa.list_(pa.string()), st.lists(texts, max_size=3)),
}


@st.composite
def parquet_files(draw):
    names = draw(st.lists(st.sampled_from(HEADER_NAMES[:-1]), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):  # the required columns as text, so that rows reach their checks
        names = ["customer_id", "timestamp", "event", *(n for n in names if n not in REQUIRED)]
    size = draw(st.integers(1, 10))
    columns = {}
    for name in names:
        kind, values = PARQUET_TYPES[
            "text"
            if name in REQUIRED and draw(st.booleans())
            else draw(st.sampled_from(sorted(PARQUET_TYPES)))
        ]
        cells = draw(st.lists(st.none() | values, min_size=size, max_size=size))
        columns[name] = pa.array(cells, type=kind)
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue(), size, {}, ".parquet"


# -- the checks ---------------------------------------------------------------------------------


def gzipped(files):
    """The same files, sometimes gzip-compressed (``.csv.gz``, ``.jsonl.gz``)."""

    @st.composite
    def maybe(draw):
        data, written, options, suffix = draw(files)
        if draw(st.booleans()):
            return gzip.compress(data), written, options, suffix + ".gz"
        return data, written, options, suffix

    return maybe()


def ingest_accounts_for_every_record(data: bytes, written: int, options: dict, suffix: str):
    """Ingest ``data`` into a fresh workspace and check the outcome; the report, or None when
    the file was refused."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / f"events{suffix}"
        path.write_bytes(data)
        with Workspace.init(Path(folder) / "ws", timezone="UTC", language="en") as ws:
            try:
                report = ws.ingest(path, **options)
            except RecorridoError as refused:
                assert str(path) in str(refused), str(refused)
                assert refused.localized("es") and refused.localized("en")
                # All or nothing: a refused file leaves the workspace as it was.
                assert _count(ws, schema.RAW_EVENTS) == 0
                assert _count(ws, schema.QUARANTINE) == 0
                return None
            return _check_counts(ws, report, path, written)


def _count(ws: Workspace, table: str) -> int:
    return int(ws.con.table(table).count().execute())


def _check_counts(ws: Workspace, report, path: Path, written: int):
    [file] = report.files
    stored = _count(ws, schema.RAW_EVENTS)
    quarantined = ws.con.table(schema.QUARANTINE).execute()
    # Every record the generator wrote is stored, quarantined or a duplicate of a stored one.
    assert file.rows_read == written, (file.rows_read, written)
    assert stored == file.ingested
    assert len(quarantined) == file.quarantined
    assert file.duplicates >= 0 and file.conflicts >= 0
    assert stored + len(quarantined) + file.duplicates == written
    # Nothing invented, nothing stored twice.
    assert stored <= written
    ids = ws.con.table(schema.RAW_EVENTS).event_id
    assert int(ids.nunique().execute()) == stored
    # Each quarantined row says which file, where and why.
    assert quarantined.reason_code.notna().all()
    assert (quarantined.file == str(path)).all()
    assert quarantined["row"].notna().all()
    assert json.loads(json.dumps(report.to_dict()))  # --json can always be written
    return report


@FUZZ
@given(gzipped(csv_files()))
# Found by this test: a line that is not UTF-8 in the last column made DuckDB's CSV reader fail
# inside (invalidating the workspace's connection) when the timestamps were sampled.
@example((b"customer_id,event,timestamp\n,,\xff\n", 1, {"encoding": "utf-8"}, ".csv"))
@example(
    (b"customer_id,event,timestamp\nc1,a,2024-01-01\nc2,b,\xff\n", 2, {"encoding": "utf-8"}, ".csv")
)
def test_any_csv_is_read_in_full_or_refused(generated):
    ingest_accounts_for_every_record(*generated)


GOOD = '{"customer_id": "c1", "timestamp": "2024-01-01T10:00:00Z", "event": "a"'
CALL = (
    '{"type": "track", "messageId": "m1", "userId": "c1", "timestamp": "2024-01-01", "event": "A"}'
)


@FUZZ
@given(gzipped(ndjson_files()))
# Found by this test (each crashed with an AssertionError or AttributeError from Ibis): a nested
# object with an empty key (typed by the engine as a struct of unnamed fields) ...
@example((f'{GOOD}, "p": {{"": 1, "b": 2}}}}\n'.encode(), 1, {}, ".jsonl"))
@example((f'{GOOD}, "p": {{"": 1}}}}\nnot json\n'.encode(), 2, {}, ".jsonl"))
# ... a top-level empty key or NUL in a key once the file is read line by line ...
@example((f'{GOOD}, "": 7}}\nnot json\n{GOOD}}}\n'.encode(), 3, {}, ".jsonl"))
@example((f'{GOOD}, "\\u0000": 7}}\n{GOOD}}}\n'.encode(), 2, {}, ".jsonl"))
# ... only empty objects (typed as a map), and a key whose values are always empty objects.
@example((b"{}\nnot json\n", 2, {}, ".jsonl"))
@example((f'{GOOD}, "k": {{}}}}\n[]\n{GOOD}, "k": {{}}, "e": "x"}}\n'.encode(), 3, {}, ".jsonl"))
def test_any_ndjson_is_read_in_full_or_refused(generated):
    ingest_accounts_for_every_record(*generated)


@FUZZ
@given(gzipped(segment_batches()))
# Found by this test: a gzipped batch crashed with a UnicodeDecodeError; a batch whose first
# element is not a call, or whose "batch" key comes after 200 characters, was read as one NDJSON
# record and refused whole ("no column gives the required field timestamp").
@example((gzip.compress(f'{{"batch": [{CALL}, 1]}}'.encode()), 2, {}, ".json.gz"))
@example((f'{{"batch": [1, {CALL}]}}'.encode(), 2, {}, ".json"))
@example((f'{{"writeKey": "{"k" * 250}", "batch": [{CALL}]}}'.encode(), 1, {}, ".json"))
def test_any_segment_batch_is_read_in_full_or_refused(generated):
    ingest_accounts_for_every_record(*generated)


def test_segment_batches_found_by_the_fuzzer_keep_their_calls(tmp_path):
    """The cases above, with what must come of them: every call stored, every non-call
    quarantined alone."""
    for name, text, stored, refused in [
        ("first.json", f'{{"batch": [1, {CALL}]}}', 1, 1),
        ("late.json", f'{{"writeKey": "{"k" * 250}", "batch": [{CALL}, []]}}', 1, 1),
        ("packed.json.gz", f'{{"batch": [{CALL}, "x"]}}', 1, 1),
    ]:
        path = tmp_path / name
        data = text.encode()
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        with Workspace.init(tmp_path / f"ws-{name}", language="en") as ws:
            report = ws.ingest(path)
            [file] = report.files
            assert (file.format, file.ingested, file.quarantined) == ("segment", stored, refused)


@settings(FUZZ, max_examples=max(15, EXAMPLES // 2))
@given(parquet_files())
def test_any_parquet_is_read_in_full_or_refused(generated):
    ingest_accounts_for_every_record(*generated)


@settings(FUZZ, max_examples=max(15, EXAMPLES // 2))
@given(st.one_of(csv_files(), ndjson_files()), st.data())
def test_a_truncated_gzip_is_refused_never_half_read(generated, data):
    raw, _, options, suffix = generated
    packed = gzip.compress(raw)
    cut = data.draw(st.integers(2, len(packed) - 1), label="cut")
    report = ingest_accounts_for_every_record(packed[:cut], 0, options, suffix + ".gz")
    assert report is None
