"""Upload: send a file (CSV, Parquet, NDJSON, Segment JSON), see its first rows, say which
columns are the customer, the time and the event (or let ingest recognise them), ingest it
through the same path as ``recorrido ingest`` and see the quarantine report.

Files are kept in ``DIR/uploads/`` under a name made here (time + a cleaned version of the
original name), so a file name never reaches a path or a page unescaped. Editors only.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from recorrido.web import upload_jobs
from recorrido.web.pages import SECURITY_HEADERS, Editor, PageError, check_csrf, page, render

router = APIRouter()
UPLOADS = "uploads"
MAX_BYTES = 512 * 1024 * 1024
PREVIEW_ROWS = 8
#: Seconds the ingest's answer waits for the job: a small file's report comes at once.
WAIT_S = 1.5
FIELDS = ("customer_id", "anonymous_id", "timestamp", "event", "channel", "value")
FORMATS = ("", "csv", "parquet", "ndjson", "segment")


def _folder(request: Request) -> Path:
    folder = request.app.state.ctx.folder / UPLOADS
    folder.mkdir(exist_ok=True)
    return folder


def stored_name(original: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(original or "file").name).strip("._") or "file"
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{stem[-80:]}"


def preview(path: Path, format: str) -> tuple[list[str], list[list[str]]]:
    """The column names and the first rows, as text (nothing is ingested)."""
    kind = format or {".parquet": "parquet", ".csv": "csv", ".tsv": "csv"}.get(
        path.suffix.lower(), "ndjson"
    )
    if kind == "parquet":
        import pyarrow.parquet as pq

        table = pq.ParquetFile(path).read_row_group(0).slice(0, PREVIEW_ROWS)
        rows = table.to_pylist()
        columns = table.column_names
    elif kind == "csv":
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            sample = handle.read(64 * 1024)
        try:
            dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(sample), dialect=dialect)
        rows = [row for _, row in zip(range(PREVIEW_ROWS), reader, strict=False)]
        columns = list(reader.fieldnames or [])
    else:
        rows, columns = [], []
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if len(rows) == PREVIEW_ROWS:
                    break
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    rows.append(record)
                    columns += [k for k in record if k not in columns]
    table = [["" if r.get(c) is None else str(r.get(c))[:80] for c in columns] for r in rows]
    return columns, table


@router.get("/upload")
def upload_form(current: Editor):
    return page("upload.html.j2", current, step="choose", formats=FORMATS, error=None)


@router.post("/upload")
async def upload(request: Request, current: Editor):
    """Keep the file and show its first rows with the column choices."""
    await check_csrf(request, current)
    form = await request.form()
    sent = form.get("file")
    format = str(form.get("format", ""))
    format = format if format in FORMATS else ""
    if not isinstance(sent, UploadFile) or not sent.filename:
        return page("upload.html.j2", current, 422, step="choose", formats=FORMATS, error="none")
    name = stored_name(sent.filename)
    target = _folder(request) / name
    size = 0
    with target.open("wb") as out:
        while chunk := await sent.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_BYTES:
                out.close()
                target.unlink()
                return page(
                    "upload.html.j2", current, 413, step="choose", formats=FORMATS, error="large"
                )
            out.write(chunk)
    try:
        columns, rows = preview(target, format)
    except Exception:  # any unreadable file: ingest will say precisely why
        columns, rows = [], []
    guessed = {f: (f if f in columns else "") for f in FIELDS}
    return page(
        "upload.html.j2",
        current,
        step="map",
        stored=name,
        original=sent.filename,
        format=format,
        columns=columns,
        rows=rows,
        fields=FIELDS,
        guessed=guessed,
        error=None,
    )


@router.post("/upload/ingest")
async def ingest(request: Request, current: Editor):
    """Start ingesting a kept file with the chosen columns (``web/upload_jobs.py``); the page
    then follows its progress and shows ingest's report. A small file is done within
    :data:`WAIT_S` and its report comes in this answer."""
    await check_csrf(request, current)
    form = await request.form()
    name = str(form.get("stored", ""))
    folder = _folder(request)
    if name not in {p.name for p in folder.iterdir()}:
        raise PageError(404, "not_found")
    format = str(form.get("format", ""))
    columns = {f: str(form.get(f"col_{f}", "")).strip() for f in FIELDS}
    columns = {f: c for f, c in columns.items() if c}
    path = folder / name

    def run(workspace):
        return workspace.ingest(
            path, columns=columns or None, format=format if format in FORMATS[1:] else None
        )

    from recorrido.web.warm_pages import changed

    ctx = request.app.state.ctx
    # New events: the pages' default answers are worked out again.
    job = upload_jobs.start(ctx, current.user.name, name, run, after=lambda: changed(request.app))
    await run_in_threadpool(job.done.wait, WAIT_S)
    return _job_page(request, current, job)


@router.get("/upload/jobs/{job_id}")
def job_status(request: Request, job_id: str, current: Editor):
    """The job's progress, or its report once done: the whole page, or (asked by htmx) the
    fragment that replaces itself until the job ends."""
    job = upload_jobs.find(request.app.state.ctx, job_id, current.user.name)
    if job is None:
        raise PageError(404, "not_found")
    return _job_page(request, current, job)


def _job_page(request: Request, current, job: upload_jobs.Job):
    running = not job.done.is_set()
    context = {
        "job": job,
        "running": running,
        "percent": upload_jobs.step_progress(request.app.state.ctx) if running else None,
        "step_words": upload_jobs.step_words(request.app.state.ctx, current.lang)
        if running
        else None,
        "elapsed": job.elapsed(),
        "report": job.report,
        "problem": job.error.localized(current.lang) if job.error is not None else None,
    }
    status = 422 if job.error is not None else 200
    if request.headers.get("HX-Request"):
        return HTMLResponse(
            render("upload_job.html.j2", current, **context),
            status_code=200,  # htmx swaps only 2xx answers: the problem is in the fragment
            headers=SECURITY_HEADERS,
        )
    return page("upload.html.j2", current, status, step="done", error=None, **context)
