"""Jobs this worker claimed but never started, handed back to their queue."""

from __future__ import annotations

import logging

__all__ = ["OrphanWatch"]

_log = logging.getLogger("canonry.webhooks.jobs")


class OrphanWatch:
    """This worker's own jobs that DBOS claimed but never started.

    When the database drops a connection just as a claim commits, DBOS's queue thread sees
    an error although the job is now ``PENDING`` on this worker: nothing runs it until the
    worker restarts, and its item (and every newer event about the object) waits. A job
    that is pending on this executor but not running here, in two checks in a row, is
    handed back to its queue, exactly as DBOS's own recovery does for a dead worker.
    """

    def __init__(self, executor_id: str) -> None:
        self.executor_id = executor_id
        self._suspects: set[str] = set()

    def check(self) -> list[str]:
        from dbos import DBOS
        from dbos import _dbos as dbos_module  # internals: dbos is pinned to 3.x
        from dbos._utils import INTERNAL_QUEUE_NAME

        instance = dbos_module._dbos_global_instance
        if instance is None:
            return []
        pending = DBOS.list_workflows(
            status="PENDING", executor_id=self.executor_id, load_input=False, load_output=False
        )
        active = set(instance._active_workflows_set.activeList())
        idle = {str(w.workflow_id) for w in pending} - active
        orphans, self._suspects = sorted(idle & self._suspects), idle - self._suspects
        handed: list[str] = []
        for workflow_id in orphans:
            if instance._sys_db.reenqueue_for_recovery(
                workflow_id, [self.executor_id], INTERNAL_QUEUE_NAME
            ):
                handed.append(workflow_id)
        if handed:
            _log.warning(
                "re-enqueued %d job(s) claimed by this worker but never started (the "
                "database dropped the claim's answer): %s",
                len(handed),
                ", ".join(handed[:20]),
            )
        return handed
