"""Benchmark: change-notification fan-out (deliveries/s to a local receiver).

One receiver on loopback (a threaded HTTP/1.1 server answering 204 with keep-alive) and
E endpoints on it (one path each, all subscribed to ``records.changed``). Per round:

* Canonry: M outbox rows (``records.changed`` of M connections, as the store writes them)
  are committed at once; the process's outbox thread turns them into M events and E x M
  deliveries, DBOS runs one workflow per attempt (queue ``canonry-notify``, worker
  concurrency 16, 4 per endpoint), each attempt signed (Standard Webhooks), sent through
  the SSRF guard and recorded. Timed from the commit until every delivery is recorded
  delivered.
* bare httpx POST loop: the same E x M bodies signed with the same helper and POSTed one
  after the other on one ``httpx.Client`` (no durability, no retries, no record);
* bare httpx, 16 threads: the same, sixteen at a time (the concurrency Canonry uses).

Rounds alternate; the best round of each counts.

    .venv/bin/python benchmarks/notify.py [--endpoints 10] [--events 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO), *(p for p in sys.path if p != str(REPO))]

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from webhooks.signatures import sign_standard  # noqa: E402

SECRET = "whsec_" + "Ym9vdHN0cmFwcGluZyBzZWNyZXQgZm9yIGJlbmNo"
TARGET = 0.25
"""Canonry's durable fan-out reaches at least a quarter of the bare sequential loop."""


class Receiver:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with server.lock:
                    server.count += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{n}"


def _body(n: int) -> bytes:
    data = {"tenant": "bench", "connection_id": f"c{n}", "model": "customers", "changed": 1}
    payload = {"type": "records.changed", "timestamp": datetime.now(UTC).isoformat(), "data": data}
    return json.dumps(payload, separators=(",", ":")).encode()


def bare_loop(receiver: Receiver, endpoints: int, events: int) -> float:
    with httpx.Client() as client:
        started = time.perf_counter()
        for e in range(events):
            body = _body(e)
            for n in range(endpoints):
                headers = sign_standard(body, SECRET, msg_id=f"msg_{e}")
                headers["content-type"] = "application/json"
                client.post(receiver.url(n), content=body, headers=headers).raise_for_status()
        return endpoints * events / (time.perf_counter() - started)


def bare_threads(receiver: Receiver, endpoints: int, events: int, threads: int = 16) -> float:
    local = threading.local()

    def send(job: tuple[int, int]) -> None:
        e, n = job
        if not hasattr(local, "client"):
            local.client = httpx.Client()
        body = _body(e)
        headers = sign_standard(body, SECRET, msg_id=f"msg_{e}")
        headers["content-type"] = "application/json"
        local.client.post(receiver.url(n), content=body, headers=headers).raise_for_status()

    jobs = [(e, n) for e in range(events) for n in range(endpoints)]
    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        list(pool.map(send, jobs))
        return len(jobs) / (time.perf_counter() - started)


class Canonry:
    """A migrated SQLite database, E endpoints, DBOS running in this process."""

    def __init__(self, tmp: Path, receiver: Receiver, endpoints: int) -> None:
        os.environ.update({
            "CANONRY_NOTIFY_ALLOW_PRIVATE": "1", "CANONRY_NOTIFY_ALLOW_HTTP": "1",
            "CANONRY_NOTIFY_POLL_SECONDS": "0.05", "CANONRY_KEY_FILE": str(tmp / "keys"),
        })  # fmt: skip
        from registry import Registry, create_engine, upgrade
        from vault import LocalCredentialStore, LocalKeyring
        from webhooks.jobs import JobSettings, launch_dbos, prepare_dbos
        from webhooks.notify import Endpoints

        self.url = f"sqlite:///{tmp / 'bench.db'}"
        self.engine = create_engine(self.url)
        upgrade(self.engine)
        prepare_dbos(self.url)
        keyring = LocalKeyring.from_env({"CANONRY_KEY_FILE": str(tmp / "keys")}, create=True)
        store = LocalCredentialStore(self.engine, keyring, create_table=False)
        self.registry = Registry(self.url, tenant="bench", credentials=store, adapters={})
        book = Endpoints(self.registry)
        for n in range(endpoints):
            book.add(receiver.url(n), events=["records.changed"])
        self.runtime = launch_dbos(
            self.url, role="worker",
            settings=JobSettings(database_url=self.url, executor_id="bench", polling_interval=0.02),
            registry_factory=lambda tenant: Registry(self.url, tenant=tenant, credentials=store,
                                                     adapters={}),
        )  # fmt: skip

    def delivered(self) -> int:
        with self.engine.connect() as conn:
            query = "select count(*) from canonry_notify_deliveries where status = 'delivered'"
            return int(conn.execute(sa.text(query)).scalar_one())

    def round(self, endpoints: int, events: int) -> float:
        from registry._outbox import note_changes

        before = self.delivered()
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            for e in range(events):
                note_changes(conn, tenant="bench", connection_id=f"bench-{uuid.uuid4().hex[:12]}",
                             model="customer", changed=1, deleted=0, seq_before=e,
                             last_seq=e + 1, now=now)  # fmt: skip
        started = time.perf_counter()
        want = before + endpoints * events
        deadline = started + 600
        while self.delivered() < want:
            if time.perf_counter() > deadline:
                raise SystemExit(f"only {self.delivered() - before} of {want - before} delivered")
            time.sleep(0.01)
        return endpoints * events / (time.perf_counter() - started)

    def close(self) -> None:
        self.runtime.shutdown(timeout=5)
        self.registry.close()
        self.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    receiver = Receiver()
    results: dict[str, list[float]] = {"canonry": [], "bare_loop": [], "bare_threads": []}
    with tempfile.TemporaryDirectory(prefix="canonry-bench-notify-") as tmp:
        canonry = Canonry(Path(tmp), receiver, args.endpoints)
        try:
            canonry.round(args.endpoints, 5)  # warm up: DBOS queues, connections
            for _ in range(args.rounds):
                results["bare_loop"].append(bare_loop(receiver, args.endpoints, args.events))
                results["canonry"].append(canonry.round(args.endpoints, args.events))
                results["bare_threads"].append(bare_threads(receiver, args.endpoints, args.events))
        finally:
            canonry.close()
    best = {name: max(rates) for name, rates in results.items()}
    ratio = best["canonry"] / best["bare_loop"]
    report = {
        "deliveries_per_round": args.endpoints * args.events,
        "endpoints": args.endpoints,
        "events": args.events,
        "rounds": {k: [round(r) for r in v] for k, v in results.items()},
        "best_per_s": {k: round(v) for k, v in best.items()},
        "canonry_vs_bare_loop": round(ratio, 2),
        "canonry_vs_bare_threads": round(best["canonry"] / best["bare_threads"], 2),
        "receiver_requests": receiver.count,
    }
    print(json.dumps(report, indent=2))
    if ratio < TARGET:
        raise SystemExit(f"Canonry fan-out is {ratio:.2f}x the bare loop (target {TARGET})")


if __name__ == "__main__":
    main()
