"""A handler for the graceful-stop test, imported by ``canonry serve`` (CANONRY_HANDLERS).

It records that it started, waits until the test creates the file named by
``CANONRY_TEST_RELEASE`` (at most 60 s), then records its effect under the idempotency key.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import sqlalchemy as sa

from canonical import Event
from registry import create_engine
from webhooks import handlers

DDL = (
    "CREATE TABLE IF NOT EXISTS stop_runs (key VARCHAR(100) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS stop_effects (key VARCHAR(100) PRIMARY KEY)",
)


@handlers.on("invoice.paid", name="slow_effect")
def slow_effect(event: Event, *, idempotency_key: str) -> None:
    engine = create_engine(os.environ["CANONRY_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO stop_runs (key) VALUES (:k)"), {"k": idempotency_key})
        release = Path(os.environ["CANONRY_TEST_RELEASE"])
        deadline = time.monotonic() + 60
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO stop_effects (key) VALUES (:k) ON CONFLICT DO NOTHING"),
                {"k": idempotency_key},
            )
    finally:
        engine.dispose()
