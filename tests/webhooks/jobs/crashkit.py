"""The crash tests' machinery: signed deliveries through the real endpoint while worker
subprocesses are SIGKILLed and restarted; then the exactly-once audit."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.webhooks.jobs import crash_handlers
from tests.webhooks.jobs.conftest import FINAL, JobsEnv, stripe_event
from webhooks import WebhookSettings, create_app
from webhooks.jobs import enqueue_items
from webhooks.signatures import sign_stripe

REPO = Path(__file__).resolve().parents[3]
SECRET = "whsec_x"


@dataclass
class Worker:
    executor_id: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    def start(self) -> None:
        command = [
            sys.executable, "-m", "registry.cli", "worker",
            "--handlers", "tests.webhooks.jobs.crash_handlers",
            "--executor-id", self.executor_id, "--concurrency", "8", "--grace", "5",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, env=self.env, cwd=REPO, stdout=out, stderr=out)
        self.started = time.monotonic()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


@dataclass
class Sender:
    """Posts signed Stripe events to the real endpoint (in-process ASGI) at a steady pace."""

    env: JobsEnv
    total: int
    objects: int = 200
    acknowledged: list[str] = field(default_factory=list)
    refused: int = 0
    thread: threading.Thread | None = None

    def run(self) -> None:
        asyncio.run(self._send_all())

    async def _send_all(self) -> None:
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
            for n in range(self.total):
                await self._send(client, n, base)
                if n % 10 == 9:
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

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(timeout=120)


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


def create_effect_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for statement in crash_handlers.DDL:
            conn.execute(sa.text(statement))


def _count(engine: sa.Engine, where: str = "") -> int:
    with engine.connect() as conn:
        query = f"select count(*) from canonry_webhook_inbox {where}"
        return int(conn.execute(sa.text(query)).scalar_one())


def pending(engine: sa.Engine) -> int:
    statuses = ", ".join(f"'{s}'" for s in sorted(FINAL))
    return _count(engine, f"where status not in ({statuses})")


def time_to_progress(engine: sa.Engine, since: float, timeout: float = 30.0) -> float | None:
    """Seconds from ``since`` until one more item is done (None: nothing left to do)."""
    before = _count(engine, "where status = 'done'")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _count(engine, "where status = 'done'") > before:
            return time.monotonic() - since
        if pending(engine) == 0:
            return None
        time.sleep(0.02)
    raise AssertionError(f"no progress within {timeout}s")


def wait_all_final(engine: sa.Engine, expected: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _count(engine) >= expected and pending(engine) == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"{pending(engine)} items still pending after {timeout}s")


@dataclass
class Audit:
    items: int
    statuses: dict[str, int]
    effects: int
    missing_effects: int
    runs: int
    max_runs_per_key: int
    runs_per_process: list[int]


def audit(env: JobsEnv, acknowledged: list[str]) -> Audit:
    with env.engine.connect() as conn:
        rows = conn.execute(
            sa.text("select id, vendor_event_id, status from canonry_webhook_inbox")
        ).all()
        effects = {str(k) for k in conn.execute(sa.text("select key from crash_effects")).scalars()}
        runs = conn.execute(sa.text("select key, count(*) from crash_runs group by key")).all()
        per_pid = conn.execute(sa.text("select count(*) from crash_runs group by pid")).scalars()
        runs_per_process = sorted((int(c) for c in per_pid), reverse=True)
    by_event = {str(r[1]): str(r[0]) for r in rows}
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[str(row[2])] = statuses.get(str(row[2]), 0) + 1
    expected = {f"{by_event[e]}:effect" for e in acknowledged if e in by_event}
    assert len(expected) == len(acknowledged), "an acknowledged delivery is missing"
    return Audit(
        items=len(rows),
        statuses=statuses,
        effects=len(effects & expected),
        missing_effects=len(expected - effects),
        runs=sum(int(r[1]) for r in runs),
        max_runs_per_key=max((int(r[1]) for r in runs), default=0),
        runs_per_process=runs_per_process,
    )


def report(name: str, resumes: list[float], extra: dict[str, object]) -> None:
    """Print the measured restart-to-resume times (``pytest -s`` shows them)."""
    data = {"test": name, **extra}
    if resumes:
        data["resume_after_restart_s"] = {
            "n": len(resumes),
            "median": round(statistics.median(resumes), 3),
            "max": round(max(resumes), 3),
        }
    sys.stderr.write(f"\nCRASH-REPORT {json.dumps(data)}\n")


def _in_flight(env: JobsEnv, executor_id: str) -> int:
    table = (
        "workflow_status"
        if env.url.startswith("sqlite")
        else f'"{env.dbos_schema}".workflow_status'
    )
    query = f"select count(*) from {table} where executor_id = :e and status = 'PENDING'"
    with env.engine.connect() as conn:
        return int(conn.execute(sa.text(query), {"e": executor_id}).scalar_one())


def wait_in_flight(env: JobsEnv, executor_id: str, timeout: float = 30.0) -> None:
    """Wait until ``executor_id`` is running jobs (so a kill lands mid-job)."""
    deadline = time.monotonic() + timeout
    while _in_flight(env, executor_id) == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{executor_id} never ran a job within {timeout}s")
        time.sleep(0.005)


def wait_mid_handler(env: JobsEnv, worker: Worker, timeout: float = 30.0) -> bool:
    """Wait until ``worker``'s process is inside the handler: a run recorded, its effect
    not yet (the handler sleeps 10-40 ms between the two). False if it never was."""
    assert worker.proc is not None
    deadline = time.monotonic() + timeout
    query = sa.text(
        "select count(*) from crash_runs r where r.pid = :p"
        " and not exists (select 1 from crash_effects e where e.key = r.key)"
    )
    while time.monotonic() < deadline:
        with env.engine.connect() as conn:
            if int(conn.execute(query, {"p": worker.proc.pid}).scalar_one()) > 0:
                return True
        time.sleep(0.002)
    return False


def time_until_taken_over(env: JobsEnv, executor_id: str, since: float) -> float:
    """Seconds from ``since`` until no job is left PENDING on (dead) ``executor_id``."""
    deadline = time.monotonic() + 60
    while _in_flight(env, executor_id) > 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs of {executor_id} were not taken over")
        time.sleep(0.02)
    return time.monotonic() - since


def wait_handler_runs(env: JobsEnv, worker: Worker, timeout: float = 30.0) -> None:
    """Wait until ``worker``'s current process has run the handler (it is warmed up)."""
    assert worker.proc is not None
    deadline = time.monotonic() + timeout
    query = sa.text("select count(*) from crash_runs where pid = :p")
    while True:
        with env.engine.connect() as conn:
            if int(conn.execute(query, {"p": worker.proc.pid}).scalar_one()) > 0:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"{worker.executor_id} ran no handler within {timeout}s")
        time.sleep(0.01)
