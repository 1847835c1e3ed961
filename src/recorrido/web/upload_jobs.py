"""Ingests started from the upload page: run on a worker thread while the page shows their
progress, so a large file neither holds the request open until it ends nor leaves the person
looking at a frozen page.

The ingest itself is ``Workspace.ingest`` under the server's workspace lock (``ctx.run``), the
path ``recorrido ingest`` takes. Its progress is what the command's bar shows: DuckDB's
``query_progress()`` for the statement running on the workspace's connection (the share of it
done, or unknown between statements), read without the lock, as the CLI reads it from its own
thread. An ingest runs several steps (read, check and deduplicate, link, update, store), each of
one or more statements, so the bar is the current step's, named ("step 2 of 5: checking the
rows", ``events/ingest_steps.py``), with the time elapsed beside it; it never claims an overall
share it cannot know.

Jobs are kept in memory, the last :data:`KEPT` of them, and shown only to the user who started
them, on the workspace they were started on. A server restart forgets them; the ingest log (home
page) keeps what was ingested.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from recorrido.errors import RecorridoError

KEPT = 16
_LOCK = threading.Lock()
_JOBS: OrderedDict[str, Job] = OrderedDict()


@dataclass
class Job:
    id: str
    user: str
    file: str
    #: The server's workspace context it runs on (one process may serve several, as tests do).
    ctx: object = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    report: dict | None = None
    error: RecorridoError | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started


def start(
    ctx, user: str, file: str, ingest: Callable, after: Callable[[], None] | None = None
) -> Job:
    """Run ``ingest(workspace)`` (returning an ``IngestReport``) on a worker thread, under
    ``ctx``'s lock; ``after()`` runs when it succeeded (the pages' warm, for new events)."""
    job = Job(id=secrets.token_urlsafe(12), user=user, file=file, ctx=ctx)
    with _LOCK:
        _JOBS[job.id] = job
        while len(_JOBS) > KEPT:
            _JOBS.popitem(last=False)

    def work() -> None:
        try:
            job.report = ctx.run(ingest).to_dict()
            if after is not None:
                after()
        except RecorridoError as exc:
            job.error = exc
        except Exception as exc:  # shown as the engine's words, not lost in the server's log
            job.error = RecorridoError("web_upload_failed", detail=str(exc).splitlines()[0][:300])
        finally:
            job.finished = time.monotonic()
            job.done.set()

    threading.Thread(target=work, name=f"upload-{job.id}", daemon=True).start()
    return job


def find(ctx, job_id: str, user: str) -> Job | None:
    """The job ``job_id`` if ``user`` started it on ``ctx``'s workspace."""
    with _LOCK:
        job = _JOBS.get(job_id)
    return job if job is not None and job.user == user and job.ctx is ctx else None


def step_progress(ctx) -> float | None:
    """The share (0–100) of the statement running on the workspace's connection, or ``None``
    when DuckDB cannot tell (between statements, another backend)."""
    try:
        done = ctx.workspace.con.con.query_progress()
    except Exception:  # best effort, as the command's bar: the job reports its own errors
        return None
    return float(done) if done is not None and done >= 0 else None


def step_words(ctx, lang: str) -> str | None:
    """ "Step k of n: what it does" for the ingest running on the workspace's connection, or
    ``None`` between its steps (``events/ingest_steps.py``)."""
    from recorrido.events import ingest_steps
    from recorrido.i18n import message

    step = ingest_steps.current(ctx.workspace.con)
    if step is None:
        return None
    k, n, name = step
    words = message(f"ingest_step_{name}", lang)
    return message("web_upload_step", lang, k=k, n=n, step=words)
