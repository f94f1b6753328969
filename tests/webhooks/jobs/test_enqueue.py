"""Enqueueing reuses one DBOS client per engine and schema: building one costs more than
the enqueue itself, and the endpoint's writer enqueues every item through it."""

from __future__ import annotations

from pathlib import Path

from registry import create_engine
from webhooks.jobs import dbos_client


def test_one_client_per_engine_and_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    other = create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        first = dbos_client(engine, "dbos")
        assert dbos_client(engine, "dbos") is first
        assert dbos_client(engine, "other_schema") is not first
        assert dbos_client(other, "dbos") is not first
    finally:
        engine.dispose()
        other.dispose()
