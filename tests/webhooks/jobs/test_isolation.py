"""A failing vendor slows only itself: while one connection's API hangs, a healthy
connection keeps at least half the throughput it has alone (counted in completions)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from canonical import Event
from plugins.fakes import HUBSPOT_TOKEN
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks.handlers import HandlerRegistry

HEALTHY = 300
FAILING = 150
HANDLER_SECONDS = 0.1  # healthy jobs are slot-bound, as I/O-bound handlers are


@pytest.fixture
def hanging_api() -> Iterator[str]:
    """Accepts connections and reads requests, never answers (a vendor that hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def _contacts(env: JobsEnv, connection_id: str, count: int, ms: int) -> list[str]:
    events = [{"portalId": 1, "subscriptionId": 2, "eventId": n, "objectId": 1000 + n,
               "subscriptionType": "contact.propertyChange", "occurredAt": ms + n}
              for n in range(count)]  # fmt: skip
    return env.deliver_hubspot(connection_id, events)


def _rate(env: JobsEnv, ids: list[str], timeout: float = 300.0) -> float:
    """Completions per second from now until every item in ``ids`` is done."""
    started = time.monotonic()
    env.wait(ids, timeout=timeout)
    return len(ids) / (time.monotonic() - started)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_healthy_connection_keeps_half_its_throughput_while_another_api_hangs(
    jobs_env: JobsEnv, hanging_api: str
) -> None:
    crm = jobs_env.registry.add_connection(
        "crm", "hubspot", {"base_url": hanging_api, "timeout": 2, "max_attempts": 1},
        {"access_token": HUBSPOT_TOKEN, "client_secret": "s"},
    )  # fmt: skip
    handlers = HandlerRegistry()

    @handlers.on("*", name="io_bound")
    def io_bound(event: Event, *, idempotency_key: str) -> None:
        time.sleep(HANDLER_SECONDS)

    jobs_env.launch(handlers, concurrency=8, vendor_concurrency=2, read_attempts=50)
    t = now_s()
    solo = jobs_env.deliver(*(stripe_event("invoice.paid", f"in_s{n}", t - 600 + n)
                              for n in range(HEALTHY)))  # fmt: skip
    alone = _rate(jobs_env, solo)
    _contacts(jobs_env, crm.id, FAILING, (t - 300) * 1000)  # older: first in line
    mixed = jobs_env.deliver(*(stripe_event("invoice.paid", f"in_m{n}", t - 200 + n)
                               for n in range(HEALTHY)))  # fmt: skip
    beside = _rate(jobs_env, mixed)
    statuses = jobs_env.statuses()
    assert all(statuses[i] == "done" for i in mixed)
    waiting = [s for i, s in statuses.items() if i not in solo and i not in mixed]
    assert len(waiting) == FAILING
    assert set(waiting) <= {"received"}  # the hanging vendor's items wait for retries
    sys.stderr.write(f"\nISOLATION-REPORT alone {alone:.1f}/s beside {beside:.1f}/s\n")
    assert beside >= 0.5 * alone, f"alone {alone:.1f}/s, beside a hanging vendor {beside:.1f}/s"
