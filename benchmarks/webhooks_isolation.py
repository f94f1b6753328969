"""Benchmark section ``isolation``: a healthy connection's throughput while another
connection's vendor API is down, next to its throughput alone, in the same run.

SQLite, one worker (concurrency 16). The healthy connection is Stripe: N ``invoice.paid``
events about N invoices, each handled by an I/O-bound handler (``--handler-ms``, 20 ms: a
handler that calls your own service). The failing connection is HubSpot, whose events need
the contact fetched from the vendor: its API either **hangs** (accepts connections, never
answers; 2 s timeout) or is **down** (refuses connections). M of its events are delivered
first (they are older, so first in line), then the N healthy ones. Rounds alternate
alone / beside hang / beside down; the best of each counts.

    python benchmarks/webhooks_jobs.py --only isolation [--iso-items 1000] [--rounds 2]

Target: beside a failing vendor, the healthy connection keeps >= 50% of its rate alone.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from jobs_setup import database, deliver, done_items, inbox_items, wait_for

from webhooks.handlers import HandlerRegistry

__all__ = ["isolation"]

TARGET = 0.5
FAILING = 500
HANDLER_SLEEP = [0.02]
HANDLERS = HandlerRegistry()


@HANDLERS.on("*", name="io_bound")
def io_bound(event: Any, *, idempotency_key: str) -> None:
    time.sleep(HANDLER_SLEEP[0])


@contextmanager
def _hanging_api() -> Iterator[str]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(512)
    server.settimeout(0.2)
    stop, held = threading.Event(), []

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        server.close()


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _hubspot_items(connection_id: str, n: int, start_ms: int) -> list[Any]:
    from webhooks import NewInboxItem
    from webhooks._split import split_hubspot

    events = [{"portalId": 1, "subscriptionId": 2, "eventId": start_ms + i,
               "objectId": 1000 + i, "subscriptionType": "contact.propertyChange",
               "occurredAt": start_ms + i} for i in range(n)]  # fmt: skip
    return [
        NewInboxItem(
            tenant="bench", connection_id=connection_id, adapter="hubspot",
            vendor_event_id=d.vendor_event_id, vendor_event_type=d.vendor_event_type,
            object_type=d.object_type, object_id=d.object_id, occurred_at=d.occurred_at,
            body=d.body,
        )
        for d in split_hubspot(json.dumps(events).encode())
    ]  # fmt: skip


def _healthy_rate(engine: sa.Engine, connection_id: str, n: int) -> float:
    items = inbox_items(connection_id, n)
    done = done_items(engine)
    deliver(engine, items)
    return n / wait_for(done, n)


def _add_hubspot(url: str, name: str, base_url: str) -> str:
    from registry import Registry

    with Registry(url, tenant="bench") as registry:
        config = {"base_url": base_url, "timeout": 2, "max_attempts": 1}
        credentials = {"access_token": "pat-bench", "client_secret": "s"}
        return registry.add_connection(name, "hubspot", config, credentials).id


def isolation(args: argparse.Namespace) -> dict[str, Any]:
    from webhooks.jobs import JobSettings, launch_dbos

    HANDLER_SLEEP[0] = args.handler_ms / 1000
    n = args.iso_items
    rates: dict[str, list[float]] = {"alone": [], "beside a hanging API": [],
                                     "beside a refusing API": []}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="canonry-bench-iso-") as tmp, _hanging_api() as hang:
        url = f"sqlite:///{tmp}/canonry.db"
        os.environ["CANONRY_KEY_FILE"] = f"{tmp}/keys.json"
        os.environ["CANONRY_VENDOR_BASE_URLS"] = "http://127.0.0.1:*"  # the loopback APIs
        engine, healthy = database(url, Path(tmp) / "keys.json")
        failing = {"beside a hanging API": _add_hubspot(url, "hang", hang),
                   "beside a refusing API": _add_hubspot(url, "down", _closed_port())}  # fmt: skip
        settings = JobSettings(database_url=url, executor_id="bench-iso",
                               concurrency=args.worker_concurrency, polling_interval=args.poll,
                               read_attempts=100)  # fmt: skip
        runtime = launch_dbos(url, role="worker", settings=settings, handlers=HANDLERS)
        try:
            _healthy_rate(engine, healthy, 100)  # warm-up
            for round_ in range(args.rounds):
                rates["alone"].append(_healthy_rate(engine, healthy, n))
                for name, connection_id in failing.items():
                    start_ms = int(time.time() * 1000) - 3_600_000 + round_ * 10_000
                    deliver(engine, _hubspot_items(connection_id, FAILING, start_ms))
                    rates[name].append(_healthy_rate(engine, healthy, n))
        finally:
            runtime.shutdown(timeout=0)
            engine.dispose()
    best = {name: max(values) for name, values in rates.items()}
    shares = {name: best[name] / best["alone"] for name in failing}
    print(f"\n## isolation (SQLite, worker concurrency {args.worker_concurrency}; {n} healthy "
          f"jobs with a {args.handler_ms:g} ms handler; {FAILING} failing-vendor events first; "
          f"best of {args.rounds})")  # fmt: skip
    print("| healthy connection | processed/s (best) | all rounds | vs alone |")
    print("|---|---:|---|---:|")
    for name, values in rates.items():
        share = best[name] / best["alone"]
        print(f"| {name} | {best[name]:,.0f} | {', '.join(f'{v:,.0f}' for v in values)} | "
              f"{share:.0%} |")  # fmt: skip
    met = all(share >= TARGET for share in shares.values())
    print(f"\nworst share beside a failing vendor: {min(shares.values()):.0%} "
          f"(target >= {TARGET:.0%})")  # fmt: skip
    return {"rates": rates, "shares": shares, "targets_met": met}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iso-items", type=int, default=1000, help="healthy jobs per round")
    parser.add_argument("--handler-ms", type=float, default=20.0, help="healthy handler time")
