"""Actions against real peers: an SMTP server on loopback (aiosmtpd), an HTTP server
(pytest-httpserver) whose webhooks are verified with the ``standardwebhooks`` package; failures
retried with back-off, never a second delivery; tasks with the touchpoint's owner."""

from __future__ import annotations

import base64
import email
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from werkzeug import Response

from recorrido.automations.actions import perform, sign
from recorrido.automations.model import Step
from recorrido.automations.runner import Pass
from recorrido.automations.store import Store

SECRET = "whsec_" + base64.b64encode(b"a secret of thirty-two bytes!!!!").decode()


class Inbox:
    """An SMTP peer that keeps what it accepts; ``refuse`` first replies 451 that many times."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[email.message.Message] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("RECORRIDO_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("RECORRIDO_RETRY_BASE", "0.05")
    yield inbox
    controller.stop()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'automations.sqlite'}")


def a_pass(language: str = "en", **traits) -> Pass:
    traits = {"email": "ana@example.org", "first_name": "<Ana & co>", **traits}
    return Pass(
        "cart", 1, "c1", "", datetime(2026, 1, 5, tzinfo=UTC), language=language, traits=traits
    )


EMAIL = Step.model_validate(
    {
        "id": "reminder",
        "email": {
            "subject": {
                "en": "Hi {{ customer.first_name }}",
                "es": "Hola {{ customer.first_name }}",
            },
            "body": {"en": "<p>Hello {{ customer.first_name }}</p>", "es": "<p>Hola</p>"},
        },
    }
)


def test_email_is_sent_once_and_escaped(smtp: Inbox, store: Store) -> None:
    p = a_pass()
    key = f"{p.workflow_id}:reminder"
    assert perform(store, EMAIL, key, p) == "sent"
    assert perform(store, EMAIL, key, p) == "sent"  # a replay: recorded, not sent again
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == "Hi <Ana & co>"  # a header is plain text
    html = next(part for part in message.walk() if part.get_content_type() == "text/html")
    assert "Hello &lt;Ana &amp; co&gt;" in html.get_payload(decode=True).decode()
    assert store.outbox_row(key)["status"] == "sent"


def test_email_in_the_customers_language(smtp: Inbox, store: Store) -> None:
    p = a_pass(language="es")
    perform(store, EMAIL, "k-es", p)
    assert smtp.messages[0]["Subject"].startswith("Hola")


def test_temporary_refusals_are_retried_without_a_second_delivery(smtp, store) -> None:
    smtp.refuse = 2
    p = a_pass()
    assert perform(store, EMAIL, "k-retry", p) == "sent"
    assert len(smtp.messages) == 1
    assert store.outbox_row("k-retry")["attempts"] == 3


def test_refused_connection_is_retried_then_fails(store, monkeypatch) -> None:
    monkeypatch.setenv("RECORRIDO_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody there
    monkeypatch.setenv("RECORRIDO_RETRY_BASE", "0.01")
    assert perform(store, EMAIL, "k-down", a_pass()) == "failed"
    row = store.outbox_row("k-down")
    assert row["attempts"] == 5 and "connect" in row["detail"]


def test_crash_while_handing_over_is_never_sent_twice(smtp, store) -> None:
    p = a_pass()
    store.outbox_insert(
        {
            "key": "k-crash",
            "workflow_id": p.workflow_id,
            "automation": "cart",
            "customer_id": "c1",
            "step": "reminder",
            "kind": "email",
            "payload": "{}",
            "status": "committing",
            "at": p.entered_at,
        }
    )
    assert perform(store, EMAIL, "k-crash", p) == "unknown"
    assert smtp.messages == []


def test_no_address_is_a_failure_not_a_retry(smtp, store) -> None:
    p = a_pass(email=None)
    assert perform(store, EMAIL, "k-none", p) == "failed"
    assert store.outbox_row("k-none")["attempts"] == 1


WEBHOOK = Step.model_validate(
    {"id": "hook", "webhook": {"url": "", "secret_env": "HOOK_SECRET", "data": {"plan": "gold"}}}
)


def test_webhook_signed_retried_on_5xx_and_delivered_once(httpserver, store, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    monkeypatch.setenv("RECORRIDO_RETRY_BASE", "0.01")
    received = []
    answers = iter([503, 500, 200])

    def handler(request):
        received.append((request.get_data(), dict(request.headers)))
        return Response("", status=next(answers))

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    step = WEBHOOK.model_copy(
        update={"webhook": WEBHOOK.webhook.model_copy(update={"url": httpserver.url_for("/hook")})}
    )
    p = a_pass()
    key = f"{p.workflow_id}:hook"
    assert perform(store, step, key, p) == "sent"
    assert perform(store, step, key, p) == "sent"
    assert len(received) == 3  # two 5xx, one success; the replay sent nothing
    verifier = Webhook(SECRET)
    for body, headers in received:
        headers = {k.lower(): v for k, v in headers.items()}
        payload = verifier.verify(body, headers)  # raises when the signature is wrong
        assert headers["webhook-id"] == key
        assert payload["data"] == {"plan": "gold"} and payload["customer_id"] == "c1"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"another secret, thirty-two bytes").decode()).verify(
            received[0][0], {k.lower(): v for k, v in received[0][1].items()}
        )


def test_webhook_4xx_is_not_retried(httpserver, store, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    httpserver.expect_request("/hook").respond_with_data("no", status=410)
    step = WEBHOOK.model_copy(
        update={"webhook": WEBHOOK.webhook.model_copy(update={"url": httpserver.url_for("/hook")})}
    )
    assert perform(store, step, "k-410", a_pass()) == "failed"
    assert len(httpserver.log) == 1


def test_signature_matches_the_standard_example() -> None:
    # The example from the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_task_goes_to_the_outbox_with_the_owner(store) -> None:
    step = Step.model_validate(
        {"id": "call", "task": {"touchpoint": "phone-order-help", "text": "Call {{ customer_id }}"}}
    )
    assert perform(store, step, "k-task", a_pass(), owner="Customer service") == "task"
    rows = store.outbox_rows("task")
    assert [(r["owner"], r["status"]) for r in rows] == [("Customer service", "task")]
    assert '"text": "Call c1"' in rows[0]["payload"]


def test_two_executions_of_one_action_at_once_deliver_once(smtp, store) -> None:
    import threading

    p = a_pass()
    outcomes = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(perform(store, EMAIL, "k-race", p)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["sent"] * 4
    assert len(smtp.messages) == 1
