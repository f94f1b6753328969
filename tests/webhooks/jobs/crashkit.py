"""The crash tests' machinery: signed deliveries through the real endpoint while worker
subprocesses are SIGKILLed and restarted; then the exactly-once audit.

Nothing here waits for an amount of time to pass. Every wait is for a condition, with a
generous deadline, and the sender is fed on demand (``feed_until``), so a kill never waits
for work that a fast worker already finished; a held worker's handlers pause between their
run and their effect (``Worker.hold``), so a kill inside a handler is certain, not lucky.
"""

from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from tests.harness import Processes
from tests.webhooks.jobs import crash_handlers
from tests.webhooks.jobs.conftest import FINAL, JobsEnv, stripe_event
from webhooks import WebhookSettings, create_app
from webhooks.jobs import enqueue_items
from webhooks.signatures import sign_stripe

REPO = Path(__file__).resolve().parents[3]
SECRET = "whsec_x"
WAIT = 120.0
"""Deadline of every wait for a condition: generous, so a loaded machine only slows it."""


@dataclass
class Worker:
    """One ``canonry worker`` process at a time, owned by the test's ``processes``."""

    processes: Processes
    executor_id: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    @property
    def hold_file(self) -> Path:
        return self.log.with_suffix(".hold")

    def start(self) -> None:
        command = [
            sys.executable, "-m", "registry.cli", "worker",
            "--handlers", "tests.webhooks.jobs.crash_handlers",
            "--executor-id", self.executor_id, "--concurrency", "8", "--grace", "5",
        ]  # fmt: skip
        env = {**self.env, crash_handlers.HOLD_FILE: str(self.hold_file)}
        with self.log.open("ab") as out:
            self.proc = self.processes.start(command, env=env, cwd=REPO, stdout=out, stderr=out)
        self.started = time.monotonic()

    def hold(self) -> None:
        """From now on this worker's handlers pause after recording their run."""
        self.hold_file.touch()

    def release(self) -> None:
        self.hold_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL (its whole process group): a crash."""
        assert self.proc is not None
        self.processes.kill(self.proc)

    def stop(self) -> int | None:
        """SIGTERM and the worker's own grace; its exit status (-9 if it had to be killed)."""
        assert self.proc is not None
        self.release()
        return self.processes.stop(self.proc, grace=WAIT)


@dataclass
class Sender:
    """Posts signed Stripe events to the real endpoint (in-process ASGI) from a thread,
    as many as it is fed, at a steady pace; use as a context manager."""

    env: JobsEnv
    objects: int = 200
    acknowledged: list[str] = field(default_factory=list)
    refused: int = 0
    fed: int = 0
    sent: int = 0
    _orders: queue.SimpleQueue[int | None] = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sender:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._orders.put(None)
        assert self._thread is not None
        self._thread.join(timeout=WAIT)
        assert not self._thread.is_alive(), "the sender did not finish"

    def feed(self, count: int) -> None:
        self.fed += count
        self._orders.put(count)

    @property
    def idle(self) -> bool:
        return self.sent == self.fed

    def wait_idle(self) -> None:
        until(lambda: self.idle, "the sender did not send what it was fed")

    async def _serve(self) -> None:
        schema = self.env.dbos_schema
        app = create_app(
            WebhookSettings(database_url=self.env.url),
            engine=self.env.engine,
            enqueue=lambda conn, refs: enqueue_items(conn, refs, schema=schema),
            credentials=self.env.registry.credential_store,
        )
        base = int(time.time()) - 3600
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            while (count := await asyncio.to_thread(self._orders.get)) is not None:
                for _ in range(count):
                    await self._send(client, self.sent, base)
                    self.sent += 1
                    if self.sent % 10 == 0:
                        await asyncio.sleep(0.08)

    async def _send(self, client: httpx.AsyncClient, n: int, base: int) -> None:
        event_id = f"evt_crash_{n:05d}"
        body = stripe_event(
            "invoice.updated", f"in_{n % self.objects}", base + n, event_id=event_id
        )
        headers = {"stripe-signature": sign_stripe(body, SECRET)}
        answer = await client.post(
            f"/webhooks/{self.env.connection_id}", content=body, headers=headers
        )
        if answer.status_code == 200:
            self.acknowledged.append(event_id)
        else:
            self.refused += 1


def until(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f}s")
        time.sleep(0.005)


def feed_until(
    env: JobsEnv, sender: Sender, condition: Callable[[], Any], what: str, chunk: int = 50
) -> None:
    """Wait until ``condition()``; whenever every delivery so far is handled, send more."""

    def met() -> bool:
        if condition():
            return True
        if sender.idle and pending(env.engine) == 0:
            sender.feed(chunk)
        return False

    until(met, what)


def worker_env(env: JobsEnv, key_file: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CANONRY_DATABASE_URL": env.url,
        "CANONRY_KEY_FILE": str(key_file),
        "CANONRY_TENANT": env.tenant,
        "CANONRY_QUEUE_POLL_SECONDS": "0.02",
        **extra,
    }


def _count(engine: sa.Engine, where: str = "") -> int:
    with engine.connect() as conn:
        query = f"select count(*) from canonry_webhook_inbox {where}"
        return int(conn.execute(sa.text(query)).scalar_one())


def pending(engine: sa.Engine) -> int:
    statuses = ", ".join(f"'{s}'" for s in sorted(FINAL))
    return _count(engine, f"where status not in ({statuses})")


def time_to_progress(engine: sa.Engine, since: float) -> float | None:
    """Seconds from ``since`` until one more item is done (None: nothing left to do)."""
    before = _count(engine, "where status = 'done'")
    found: list[float | None] = []

    def progressed() -> bool:
        if _count(engine, "where status = 'done'") > before:
            found.append(time.monotonic() - since)
        elif pending(engine) == 0:
            found.append(None)
        return bool(found)

    until(progressed, "no progress")
    return found[0]


def wait_all_final(engine: sa.Engine, expected: int, timeout: float = WAIT) -> None:
    until(
        lambda: _count(engine) >= expected and pending(engine) == 0,
        f"not all of {expected} items reached a final status",
        timeout,
    )


def _in_flight(env: JobsEnv, executor_id: str) -> int:
    table = (
        "workflow_status"
        if env.url.startswith("sqlite")
        else f'"{env.dbos_schema}".workflow_status'
    )
    query = f"select count(*) from {table} where executor_id = :e and status = 'PENDING'"
    with env.engine.connect() as conn:
        return int(conn.execute(sa.text(query), {"e": executor_id}).scalar_one())


def in_flight(env: JobsEnv, worker: Worker) -> Callable[[], bool]:
    """``worker`` is running jobs (so a kill lands mid-job)."""
    return lambda: _in_flight(env, worker.executor_id) > 0


def _runs(env: JobsEnv, worker: Worker, where: str = "") -> int:
    assert worker.proc is not None
    query = sa.text(f"select count(*) from crash_runs r where r.pid = :p {where}")
    with env.engine.connect() as conn:
        return int(conn.execute(query, {"p": worker.proc.pid}).scalar_one())


def handler_ran(env: JobsEnv, worker: Worker) -> Callable[[], bool]:
    """``worker``'s current process has run the handler (it is warmed up)."""
    return lambda: _runs(env, worker) > 0


def mid_handler(env: JobsEnv, worker: Worker) -> Callable[[], bool]:
    """``worker``'s process is inside the handler: a run recorded, its effect not yet
    (certain to stay so while the worker is held)."""
    unfinished = "and not exists (select 1 from crash_effects e where e.key = r.key)"
    return lambda: _runs(env, worker, unfinished) > 0


def time_until_taken_over(env: JobsEnv, executor_id: str, since: float) -> float:
    """Seconds from ``since`` until no job is left PENDING on (dead) ``executor_id``."""
    until(lambda: _in_flight(env, executor_id) == 0, f"jobs of {executor_id} not taken over")
    return time.monotonic() - since
