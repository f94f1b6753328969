"""Processing end to end on SQLite: handlers get canonical events; order; retries; dead."""

from __future__ import annotations

import threading
import time

from canonical import Event, EventType, Invoice
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks.handlers import HandlerRegistry


def test_handler_gets_the_mapped_canonical_event_and_a_stable_key(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    seen: list[tuple[Event, str]] = []

    @handlers.on("invoice.paid", name="record")
    def record(event: Event, *, idempotency_key: str) -> None:
        seen.append((event, idempotency_key))

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("invoice.paid", "in_1", now_s()))
    assert jobs_env.wait([item]) == {item: "done"}
    [(event, key)] = seen
    assert event.type is EventType.INVOICE_PAID
    assert isinstance(event.data, Invoice) and event.data.remote_id == "in_1"
    assert event.source.connection_id == jobs_env.connection_id
    assert key == f"{item}:record"
