"""Worker heartbeats, and taking over the unfinished jobs of a worker that died.

DBOS recovers a process's own PENDING workflows when it starts again with the same
executor id. Work of a worker that never comes back is taken over here: every worker
beats (``canonry_webhook_workers.heartbeat_at``) and watches the others. A worker on
another host is dead when it fell silent for ``dead_after`` seconds; one on this host
when its process is gone (a late heartbeat on a loaded host is not a death, and taking
over a live worker runs its jobs twice). A dead worker is claimed by exactly one
survivor (the one whose DELETE of its row succeeds), which asks DBOS to re-enqueue the
dead executor's PENDING workflows; any live worker then runs them.

An outage is not a death: silence counts only while the survivor itself could reach the
database, so a survivor takes over a silent worker only after its own heartbeats have
succeeded for ``dead_after`` seconds in a row (a gone process on this host is evidence
enough at once). A worker whose heartbeats fail stops starting jobs after half of
``dead_after`` (``JobRuntime.wait_for_database``) until a heartbeat succeeds again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical import ConfigurationError
from webhooks.jobs._orphans import OrphanWatch
from webhooks.jobs._tables import WORKERS, utcnow

if TYPE_CHECKING:
    from webhooks.jobs._runtime import JobRuntime

__all__ = [
    "claim_executor",
    "forget_worker",
    "start_heartbeat",
    "take_over_dead_workers",
]

_log = logging.getLogger("canonry.webhooks.jobs")
_HOST = socket.gethostname()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_HUNG_FACTOR = 20
"""A live process on this host is taken over only after ``dead_after`` times this."""


def _dead(row: Any, cutoff: datetime, dead_after: float) -> bool:
    """Elsewhere: silent since before ``cutoff``. On this host, the process decides (a
    loaded host delays heartbeats, not deaths) unless it stayed silent ``_HUNG_FACTOR``
    times longer (hung, or its pid now belongs to another container of this host name)."""
    beat = row.heartbeat_at
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=cutoff.tzinfo)
    if row.hostname != _HOST:
        return bool(beat < cutoff)
    if not _process_alive(row.pid):
        return True
    return bool(beat < cutoff - timedelta(seconds=dead_after * (_HUNG_FACTOR - 1)))


def _select_workers() -> Any:
    return sa.select(
        WORKERS.c.executor_id, WORKERS.c.hostname, WORKERS.c.pid, WORKERS.c.heartbeat_at
    )


def claim_executor(engine: Engine, executor_id: str, dead_after: float = 15.0) -> None:
    """Register this process as ``executor_id``; refuse if a live worker already is."""
    cutoff = utcnow() - timedelta(seconds=dead_after)
    with engine.begin() as conn:
        row = conn.execute(_select_workers().where(WORKERS.c.executor_id == executor_id)).first()
        if row is not None and not _dead(row, cutoff, dead_after) and row.pid != os.getpid():
            raise ConfigurationError(
                f"a worker with executor id {executor_id!r} is running "
                f"({row.hostname}, pid {row.pid})",
                hint="give each worker its own --executor-id (CANONRY_EXECUTOR_ID)",
            )
        conn.execute(WORKERS.delete().where(WORKERS.c.executor_id == executor_id))
        conn.execute(
            WORKERS.insert().values(
                executor_id=executor_id, hostname=_HOST, pid=os.getpid(), heartbeat_at=utcnow()
            )
        )


def forget_worker(engine: Engine, executor_id: str) -> None:
    """A clean shutdown leaves no heartbeat behind (its jobs are finished or recovered)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                WORKERS.delete().where(
                    WORKERS.c.executor_id == executor_id, WORKERS.c.pid == os.getpid()
                )
            )
    except sa.exc.SQLAlchemyError as exc:
        _log.warning("could not remove the heartbeat of %s: %s", executor_id, exc)


def _beat(engine: Engine, executor_id: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            WORKERS.update()
            .where(WORKERS.c.executor_id == executor_id, WORKERS.c.pid == os.getpid())
            .values(heartbeat_at=utcnow())
        )
        if done.rowcount == 0:  # another worker declared us dead: stand up again
            _log.warning(
                "worker %s was declared dead by another worker (its heartbeats stopped); its "
                "unfinished jobs may run twice, with the same idempotency keys",
                executor_id,
            )
            conn.execute(
                WORKERS.insert().values(
                    executor_id=executor_id, hostname=_HOST, pid=os.getpid(), heartbeat_at=utcnow()
                )
            )


def _evident(row: Any, cutoff: datetime, dead_after: float, reachable_for: float | None) -> bool:
    """Dead, and known to be: a gone process on this host, or silence the survivor could
    observe (it reached the database itself for at least ``dead_after`` seconds)."""
    if not _dead(row, cutoff, dead_after):
        return False
    if reachable_for is None or reachable_for >= dead_after:
        return True
    return bool(row.hostname == _HOST and not _process_alive(row.pid))


def take_over_dead_workers(
    engine: Engine, me: str, dead_after: float, *, reachable_for: float | None = None
) -> list[str]:
    """Claim every dead worker's row (one survivor wins each) and recover its workflows.

    ``reachable_for``: seconds this worker has reached the database without a break (None:
    trust it); silence shorter than that is not evidence of a death."""
    from dbos import DBOS

    cutoff = utcnow() - timedelta(seconds=dead_after)
    with engine.connect() as conn:
        rows = conn.execute(_select_workers().where(WORKERS.c.executor_id != me)).all()
    claimed: list[str] = []
    for row in rows:
        if not _evident(row, cutoff, dead_after, reachable_for):
            continue
        with engine.begin() as conn:
            gone = conn.execute(
                WORKERS.delete().where(
                    WORKERS.c.executor_id == row.executor_id,
                    WORKERS.c.heartbeat_at == row.heartbeat_at,
                )
            )
        if gone.rowcount == 1:
            # what DBOS's admin endpoint /dbos-workflow-recovery runs (dbos pinned to 3.x)
            handles = DBOS._recover_pending_workflows([row.executor_id])
            _log.warning("took over %d job(s) of dead worker %s", len(handles), row.executor_id)
            claimed.append(str(row.executor_id))
    return claimed


_ORPHAN_CHECK = 10.0  # seconds between checks for claimed-but-never-started jobs


def _loop(runtime: JobRuntime) -> None:
    settings = runtime.settings
    reachable_since: float | None = time.monotonic()  # claim_executor just reached it
    orphans = OrphanWatch(settings.executor_id)
    next_orphan_check = time.monotonic() + _ORPHAN_CHECK
    while not runtime.stopping.wait(settings.heartbeat_interval):
        try:
            _beat(runtime.engine, settings.executor_id)
        except Exception as exc:  # the database may be briefly unavailable; keep beating
            reachable_since = None
            _log.warning("worker heartbeat failed: %s", type(exc).__name__)
            continue
        now = time.monotonic()
        reachable_since = now if reachable_since is None else reachable_since
        runtime.beat_ok(now)
        try:
            take_over_dead_workers(
                runtime.engine,
                settings.executor_id,
                settings.dead_after,
                reachable_for=now - reachable_since,
            )
        except Exception as exc:
            _log.warning("taking over dead workers failed: %s", type(exc).__name__)
        if now >= next_orphan_check:
            next_orphan_check = now + _ORPHAN_CHECK
            try:
                orphans.check()
            except Exception as exc:
                _log.warning("checking for orphaned jobs failed: %s", type(exc).__name__)


def start_heartbeat(runtime: JobRuntime) -> threading.Thread:
    thread = threading.Thread(target=_loop, args=(runtime,), name="canonry-heartbeat", daemon=True)
    thread.start()
    return thread
