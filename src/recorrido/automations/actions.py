"""Actions that leave the building: e-mail over SMTP, signed webhooks, tasks for people, traits
(written to the engine database's ``recorrido_traits``, which the automations' profile reads).

Exactly-once rests on the outbox: every action's idempotency key (workflow id + step id) is
written *before* the first attempt. A key already ``sent`` is never sent again, whatever replays.
Failures that prove nothing was delivered (connection refused, time-out before the message was
handed over, 4xx/5xx replies to the envelope, HTTP 5xx) are retried with exponential back-off.

One moment is undecidable for SMTP: after the message's final dot is written and before the
server's reply is read, a crash leaves no way to know whether it was accepted. The row is marked
``committing`` just before that moment; a pass that finds it so after a crash marks it ``unknown``
and does **not** send again (at most once, for a person to check) — never a second delivery.
Webhooks carry the key as ``webhook-id``, so a receiver that follows Standard Webhooks drops a
repeat; they are retried through every failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import threading
import time
import zlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlparse

from recorrido.automations.model import Step
from recorrido.automations.runner import Pass
from recorrido.automations.store import Store, utcnow
from recorrido.automations.templating import pick, render_html, render_line
from recorrido.errors import RecorridoError

ATTEMPTS = 5
_STRIPES = [threading.Lock() for _ in range(256)]
SMTP_URL = "RECORRIDO_SMTP_URL"
SMTP_FROM = "RECORRIDO_SMTP_FROM"


def backoff(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: 0.5, 1, 2, 4 ... (scaled by the environment)."""
    base = float(os.environ.get("RECORRIDO_RETRY_BASE", "0.5"))
    return base * 2**attempt


def perform(
    store: Store,
    step: Step,
    key: str,
    p: Pass,
    owner: str | None = None,
    at: datetime | None = None,
) -> str:
    """Do ``step``'s action for pass ``p`` at most once; the outcome word.

    ``at`` is the pass's instant for the action (what frequency caps count by)."""
    # Two executions of one pass in this process (a recovery racing a repeated start) take
    # turns on the key, so the second one finds the first one's outcome in the outbox.
    with _STRIPES[zlib.crc32(key.encode()) % len(_STRIPES)]:
        return _perform(store, step, key, p, owner, at)


def _perform(store, step, key, p, owner, at) -> str:
    kind = step.kind
    payload = _payload(step, p, owner)
    fresh = store.outbox_insert(
        {
            "key": key,
            "workflow_id": p.workflow_id,
            "automation": p.automation_id,
            "customer_id": p.customer_id,
            "step": step.id,
            "kind": kind,
            "owner": payload.get("owner"),
            "payload": json.dumps(payload, default=str),
            "status": "pending",
            "at": at or utcnow(),
        }
    )
    row = store.outbox_row(key) if not fresh else None
    if row is not None:
        if row["status"] in ("sent", "task", "updated", "failed", "skipped", "unknown"):
            return row["status"]
        if row["status"] == "committing":
            store.outbox_update(key, status="unknown", detail="crashed while handing over")
            return "unknown"
    if kind == "task":
        store.outbox_update(key, status="task")
        return "task"
    if kind == "update_trait":
        store.apply_trait(
            key,
            {
                "customer_id": p.customer_id,
                "name": payload["trait"],
                "value": payload["value"],
                "set_at": at or utcnow(),
                "automation": p.automation_id,
                "key": key,
            },
        )
        return "updated"
    if kind == "email":
        return _deliver(store, key, lambda: _send_email(store, key, payload))
    return _deliver(store, key, lambda: _post_webhook(step, key, payload))


def _payload(step: Step, p: Pass, owner: str | None) -> dict[str, Any]:
    variables = p.variables()
    if step.email is not None:
        return {
            "to": p.traits.get("email"),
            "from": step.email.sender or os.environ.get(SMTP_FROM, "recorrido@localhost"),
            "subject": render_line(pick(step.email.subject, p.language), variables),
            "html": render_html(pick(step.email.body, p.language), variables),
            "language": p.language,
        }
    if step.webhook is not None:
        return {
            "type": "recorrido.automation.step",
            "automation": p.automation_id,
            "version": p.version,
            "step": step.id,
            "customer_id": p.customer_id,
            "entry_key": p.entry_key,
            "data": step.webhook.data,
        }
    if step.task is not None:
        return {
            "owner": owner or step.task.owner,
            "touchpoint": step.task.touchpoint,
            "text": render_line(pick(step.task.text, p.language), variables),
            "customer_id": p.customer_id,
        }
    assert step.update_trait is not None
    return {"trait": step.update_trait.name, "value": step.update_trait.value}


class _Retry(Exception):
    pass


class _Unknown(Exception):
    pass


class _Permanent(Exception):
    pass


def _deliver(store: Store, key: str, attempt) -> str:
    for number in range(ATTEMPTS):
        store.outbox_update(key, attempts=number + 1)
        try:
            attempt()
        except _Retry as exc:
            store.outbox_update(key, status="pending", detail=str(exc)[:500])
            if number + 1 < ATTEMPTS:
                time.sleep(backoff(number))
            continue
        except _Permanent as exc:
            store.outbox_update(key, status="failed", detail=str(exc)[:500])
            return "failed"
        except _Unknown as exc:
            store.outbox_update(key, status="unknown", detail=str(exc)[:500])
            return "unknown"
        store.outbox_update(key, status="sent", sent_at=utcnow())
        return "sent"
    store.outbox_update(key, status="failed")
    return "failed"


# -- e-mail ------------------------------------------------------------------------------------


def smtp_address() -> tuple[str, int]:
    url = os.environ.get(SMTP_URL)
    if not url:
        raise RecorridoError("automations_smtp_missing")
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 25


def _message(key: str, payload: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = payload["from"]
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Date"] = formatdate(usegmt=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@recorrido>"
    message["X-Recorrido-Key"] = key
    message["Content-Language"] = payload["language"]
    message.set_content("")  # a plain part for clients that show no HTML
    message.add_alternative(payload["html"], subtype="html")
    return message


def _send_email(store: Store, key: str, payload: dict[str, Any]) -> None:
    if not payload.get("to"):
        raise _Permanent("no e-mail address among the customer's traits")
    host, port = smtp_address()
    message = _message(key, payload)
    try:
        smtp = smtplib.SMTP(host, port, timeout=10)
    except (OSError, smtplib.SMTPException) as exc:  # refused, time-out, bad greeting
        raise _Retry(f"connect: {exc}") from exc
    try:
        try:
            smtp.ehlo()
            code, reply = smtp.mail(payload["from"])
            if code != 250:
                raise _Retry(f"MAIL {code} {reply!r}") if code < 500 else _Permanent(f"MAIL {code}")
            code, reply = smtp.rcpt(payload["to"])
            if code not in (250, 251):
                raise _Retry(f"RCPT {code} {reply!r}") if code < 500 else _Permanent(f"RCPT {code}")
        except (OSError, smtplib.SMTPException) as exc:
            raise _Retry(str(exc)) from exc
        store.outbox_update(key, status="committing")
        try:
            code, reply = smtp.data(message.as_bytes())
            if code != 250:  # refused after the dot: nothing was delivered
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPDataError as exc:
            # The server refused the message: nothing was delivered.
            store.outbox_update(key, status="pending")
            if exc.smtp_code >= 500:
                raise _Permanent(f"DATA {exc.smtp_code}") from exc
            raise _Retry(f"DATA {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise _Unknown(f"lost during DATA: {exc}") from exc
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


# -- webhooks ----------------------------------------------------------------------------------


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature: ``v1,`` + base64(HMAC-SHA256(key, id.timestamp.body))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _post_webhook(step: Step, key: str, payload: dict[str, Any]) -> None:
    import httpx

    assert step.webhook is not None
    secret = os.environ.get(step.webhook.secret_env)
    if not secret:
        raise _Permanent(f"no secret in {step.webhook.secret_env}")
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": key,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, key, timestamp, body),
    }
    try:
        response = httpx.post(step.webhook.url, content=body, headers=headers, timeout=10)
    except (httpx.TimeoutException, httpx.TransportError, OSError) as exc:
        raise _Retry(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise _Retry(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise _Permanent(f"HTTP {response.status_code}")
