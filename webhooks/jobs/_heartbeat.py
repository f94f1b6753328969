"""Worker heartbeats, and taking over the unfinished jobs of a worker that died.

DBOS recovers a process's own PENDING workflows when it starts again with the same
executor id. Work of a worker that never comes back is taken over here: every worker
beats (``canonry_webhook_workers.heartbeat_at``) and watches the others. A worker on
another host is dead when it fell silent for ``dead_after`` seconds; one on this host
when its process is gone (a late heartbeat on a loaded host is not a death, and taking
over a live worker runs its jobs twice). A dead worker is claimed by exactly one
survivor (the one whose DELETE of its row succeeds), which asks DBOS to re-enqueue the
dead executor's PENDING workflows; any live worker then runs them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical import ConfigurationError
from webhooks.jobs._tables import WORKERS, utcnow

if TYPE_CHECKING:
    from webhooks.jobs._runtime import JobRuntime

__all__ = ["claim_executor", "forget_worker", "start_heartbeat", "take_over_dead_workers"]

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
            conn.execute(
                WORKERS.insert().values(
                    executor_id=executor_id, hostname=_HOST, pid=os.getpid(), heartbeat_at=utcnow()
                )
            )


def take_over_dead_workers(engine: Engine, me: str, dead_after: float) -> list[str]:
    """Claim every dead worker's row (one survivor wins each) and recover its workflows."""
    from dbos import DBOS

    cutoff = utcnow() - timedelta(seconds=dead_after)
    with engine.connect() as conn:
        rows = conn.execute(_select_workers().where(WORKERS.c.executor_id != me)).all()
    claimed: list[str] = []
    for row in rows:
        if not _dead(row, cutoff, dead_after):
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


def _loop(runtime: JobRuntime) -> None:
    settings = runtime.settings
    while not runtime.stopping.wait(settings.heartbeat_interval):
        try:
            _beat(runtime.engine, settings.executor_id)
            take_over_dead_workers(runtime.engine, settings.executor_id, settings.dead_after)
        except Exception as exc:  # the database may be briefly unavailable; keep beating
            _log.warning("worker heartbeat failed: %s", exc)


def start_heartbeat(runtime: JobRuntime) -> threading.Thread:
    thread = threading.Thread(target=_loop, args=(runtime,), name="canonry-heartbeat", daemon=True)
    thread.start()
    return thread
