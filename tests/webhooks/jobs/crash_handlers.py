"""The crash tests' handler, imported by worker subprocesses (``--handlers``).

Each run is recorded first (``crash_runs``, one row per execution), then the effect is
applied under the idempotency key (``crash_effects``, primary key + ON CONFLICT DO
NOTHING). A worker killed between the two leaves a run without an effect; the job's
recovery runs the handler again with the same key. While the file named by
``$CRASH_HOLD_FILE`` exists, handlers pause between the two, so a test can kill a worker
inside a handler for certain.
"""

from __future__ import annotations

import os
import random
import threading
import time

import sqlalchemy as sa

from canonical import Event
from registry import create_engine
from webhooks import handlers

HOLD_FILE = "CRASH_HOLD_FILE"
HOLD_LIMIT = 300.0  # a held handler gives up waiting after this long (the test failed)

_engine: sa.Engine | None = None
_lock = threading.Lock()

DDL = (
    "CREATE TABLE IF NOT EXISTS crash_effects (key VARCHAR(100) PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS crash_runs (key VARCHAR(100) NOT NULL, pid INTEGER NOT NULL)",
)


def _wait_while_held() -> None:
    hold = os.environ.get(HOLD_FILE)
    deadline = time.monotonic() + HOLD_LIMIT
    while hold and os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.005)


def engine() -> sa.Engine:
    global _engine
    with _lock:
        if _engine is None:
            _engine = create_engine(os.environ["CANONRY_DATABASE_URL"])
        return _engine


@handlers.on("*", name="effect", max_attempts=20, retry_interval=0.05)
def effect(event: Event, *, idempotency_key: str) -> None:
    with engine().begin() as conn:
        conn.execute(
            sa.text("INSERT INTO crash_runs (key, pid) VALUES (:k, :p)"),
            {"k": idempotency_key, "p": os.getpid()},
        )
    time.sleep(random.uniform(0.01, 0.04))  # widen the window a random kill can land in
    _wait_while_held()
    with engine().begin() as conn:
        conn.execute(
            sa.text("INSERT INTO crash_effects (key) VALUES (:k) ON CONFLICT (key) DO NOTHING"),
            {"k": idempotency_key},
        )
