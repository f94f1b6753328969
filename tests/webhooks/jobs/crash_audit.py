"""The crash tests' verdict: every acknowledged delivery done, each effect exactly once,
and how often handlers ran again (read from the handler's own tables)."""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import dataclass

import sqlalchemy as sa

from tests.webhooks.jobs import crash_handlers
from tests.webhooks.jobs.conftest import JobsEnv

__all__ = ["Audit", "audit", "create_effect_tables", "report"]


def create_effect_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for statement in crash_handlers.DDL:
            conn.execute(sa.text(statement))


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
