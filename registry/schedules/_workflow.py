"""The DBOS workflow every tick of a schedule runs: claim, sync, release.

DBOS's scheduler enqueues one workflow per scheduled time, with an id made of the
schedule and the time (``sched-<schedule>-<time>``), from whichever process fires first:
a tick is never run twice. Each step is checkpointed by DBOS:

1. ``claim``: take the schedule's run lock, or record the tick as skipped;
2. ``sync``: ``Registry.sync`` of the connection and stream under a run id derived from
   the tick; the sync checkpoints every page, so a run killed mid-way (SIGKILL) resumes
   on restart, or on another worker, from its last page, as the same run;
3. ``release``: record the outcome and release the lock in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dbos import DBOS
from sqlalchemy.exc import OperationalError

from canonical import CanonryError
from registry._models import SyncProgress
from registry._sync import SyncInterrupted
from registry.schedules._claim import Plan, claim, release
from registry.schedules._names import WORKFLOW_NAME
from registry.schedules._runtime import ScheduleRuntime, current

__all__ = ["scheduled_sync"]

_MAX_ERROR = 2000
_DB_RETRIES: Any = {
    "retries_allowed": True,
    "max_attempts": 8,
    "interval_seconds": 0.5,
    "backoff_rate": 2.0,
    "should_retry": lambda exc: (
        isinstance(exc, OperationalError) or bool(getattr(exc, "retryable", False))
    ),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _claim(schedule_id: str, workflow_id: str, scheduled_at: datetime) -> Plan:
    runtime = current()
    return claim(
        runtime.engine, runtime.client, schedule_id=schedule_id, workflow_id=workflow_id,
        scheduled_at=scheduled_at, now=_now(),
    )  # fmt: skip


def _stop_check(runtime: ScheduleRuntime) -> Any:
    def check(_progress: SyncProgress) -> None:
        if runtime.stopping.is_set():
            raise SyncInterrupted("the worker is stopping")

    return check


def _sync(plan: Plan) -> dict[str, Any]:
    """The run; a failure is an outcome (recorded), a stop leaves the tick to resume."""
    runtime = current()
    try:
        registry = runtime.registry(plan["tenant"])
        objects = registry.sync(
            plan["connection_id"], plan["stream"], full=plan["full"], run_id=plan["run_id"],
            progress=_stop_check(runtime),
        )  # fmt: skip
        for _record in objects:
            pass  # each page is written to the record store with its checkpoint
    except CanonryError as exc:
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc.message}"[:_MAX_ERROR]}
    except Exception as exc:  # recorded on the tick; the next tick runs again
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]}
    return {"status": "succeeded"}


def _release(plan: Plan, outcome: dict[str, Any]) -> None:
    release(current().engine, plan, outcome, _now())


@DBOS.workflow(name=WORKFLOW_NAME)
def scheduled_sync(scheduled_at: datetime, context: dict[str, Any]) -> str:
    """One tick of schedule ``context["schedule_id"]``; returns ``succeeded``, ``failed``,
    ``skipped`` or ``removed``."""
    workflow_id = DBOS.workflow_id
    assert workflow_id is not None
    claim_options: Any = {**_DB_RETRIES, "name": "claim"}
    release_options: Any = {**_DB_RETRIES, "name": "release"}
    plan = DBOS.run_step(claim_options, _claim, str(context["schedule_id"]), workflow_id,
                         scheduled_at)  # fmt: skip
    if plan["status"] != "run":
        return str(plan["status"])
    outcome = DBOS.run_step({"name": "sync"}, _sync, plan)
    DBOS.run_step(release_options, _release, plan, outcome)
    return str(outcome["status"])
