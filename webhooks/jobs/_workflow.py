"""The durable job: DBOS workflows that carry one inbox item to its final status.

A job runs in rounds, each its own DBOS workflow: the first (workflow id = item id) is
enqueued with the delivery; a retry is the next round (``{id}:r{n}``), enqueued with a
delay on the retry queue; a replay is a round ``{id}:replay:{n}``. Each round:

1. loads the item with its object's high-water mark and whether an older event about the
   same object is unfinished (one read, retried while the database is down);
2. steps aside when that older event is unfinished (the round is deferred until it is
   done, so events about one object are handled oldest first, one at a time), or moves to
   the retry queue when its connection or vendor is failing right now;
3. reads the canonical ``Event`` and runs the handlers due (``webhooks.jobs._job``);
4. records the final status, or hands the item on to its next round (one transaction).

Every outcome reaches the inbox: a round that meets an unexpected error records the item
``dead`` with that error rather than ending its workflow in DBOS ``ERROR``. Deciding
``stale`` again when a round runs again (recovered after a crash, or taken over) gives the
same answer: no newer event about the object is applied while an older one is unfinished.
A round whose item has moved on (its ``run_round`` changed) or finished does nothing, so
when two runs race the first to write wins.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dbos import DBOS

from webhooks._inbox import InboxStatus
from webhooks.jobs._database import JobInterrupted, with_database
from webhooks.jobs._gate import Loaded, Outcome, Retry, load
from webhooks.jobs._job import Job, finish, vendor_of
from webhooks.jobs._log import describe
from webhooks.jobs._progress import Progress, backoff
from webhooks.jobs._runtime import JobRuntime, current_runtime
from webhooks.jobs._settings import QUEUE_NAME, RETRY_QUEUE_NAME, WORKFLOW_NAME

__all__ = ["process_item"]

_MISSING = "missing"
_FINISHED = (InboxStatus.DONE, InboxStatus.DEAD, InboxStatus.FAILED, InboxStatus.STALE)
_BLOCKED_POLL = 0.25  # an older event runs now: look again this soon (then 1.5x each time)
_MAX_BLOCKED = 30.0
_CHECK_ORPHAN_AFTER = 5  # times stepped aside before asking DBOS whether the older one can finish
_OVERDUE = timedelta(minutes=10)  # a scheduled retry this late may have lost its run
_LIVE = ("ENQUEUED", "PENDING", "DELAYED")
_MAX_EARLY_WAIT = 2.0
_log = logging.getLogger("canonry.webhooks.jobs")


def _blocked_for(loaded: Loaded, times: int) -> float:
    """How long to step aside for the older unfinished event about the same object: until
    its scheduled retry, else a moment that grows each time (at most 30 s)."""
    due = loaded.blocker_due
    wait = backoff(_BLOCKED_POLL, 1.5, times, _MAX_BLOCKED)
    if due is None:
        return wait
    return max(wait, (due - datetime.now(UTC)).total_seconds() + _BLOCKED_POLL)


def _wait_until_due(runtime: JobRuntime, loaded: Loaded) -> None:
    """A round enqueued without a DBOS delay (under a second) waits out the rest here."""
    due = loaded.item.next_attempt_at
    if due is None:
        return
    wait = (due - datetime.now(UTC)).total_seconds()
    if 0 < wait <= _MAX_EARLY_WAIT and runtime.stopping.wait(wait):
        raise JobInterrupted(f"stopped while item {loaded.item.id} waited for its turn")


def _orphaned(loaded: Loaded) -> bool:
    """Has the older item no job that could still finish it? Only an item stranded by an
    older Canonry (its job ended in DBOS ``ERROR``, or was never enqueued) has none. A
    retry of it scheduled within the last ``_OVERDUE`` means its run exists (DBOS moves a
    delayed run to its queue when due, and a listing at that moment can miss it), and
    whatever cannot be read now (the database is down) counts as alive: waiting longer is
    always safe, running ahead of an older event is not."""
    blocker, due = loaded.blocker, loaded.blocker_due
    if blocker is None or (due is not None and datetime.now(UTC) - due < _OVERDUE):
        return False
    try:
        runs = DBOS.list_workflows(workflow_id_prefix=blocker, load_input=False,
                                   load_output=False)  # fmt: skip
    except Exception as exc:  # cannot tell: the blocker may be alive
        _log.info("could not tell whether event %s still has a job: %s", blocker, describe(exc))
        return False
    return not any(str(w.workflow_id).split(":")[0] == blocker and w.status in _LIVE
                   for w in runs)  # fmt: skip


def _round(runtime: JobRuntime, loaded: Loaded, job: Job, queue: str) -> str:
    item = loaded.item
    blocker = loaded.blocker
    progress = Progress.from_json(item.progress)
    if blocker is not None and progress.blocked >= _CHECK_ORPHAN_AFTER and _orphaned(loaded):
        _log.warning(
            "older event %s about the same object is stuck received without a job; item %s "
            "does not wait for it (replay it with `canonry webhooks replay %s`)",
            blocker,
            item.id,
            blocker,
        )
        blocker = None
    if blocker is not None:
        progress.blocked += 1
        return job.retry(Retry(_blocked_for(loaded, progress.blocked), queue, progress=progress))
    _wait_until_due(runtime, loaded)
    if queue == QUEUE_NAME and runtime.health.failing(item.connection_id, vendor_of(runtime, item)):
        return job.retry(Retry(0.0, RETRY_QUEUE_NAME))  # its vendor fails now: out of the way
    try:
        return job.run()
    except JobInterrupted:
        raise
    except Exception as exc:  # a bug or a database failing for good: never leave it received
        _log.error("webhook job %s failed unexpectedly: %s", item.id, describe(exc))
        error = f"unexpected error: {describe(exc)}"
        return finish(runtime, item, job.run_round, Outcome(InboxStatus.DEAD, error))


@DBOS.workflow(name=WORKFLOW_NAME)
def process_item(
    item_id: str,
    replay: bool = False,
    skip: Sequence[str] = (),
    run_round: int = 0,
    queue: str = QUEUE_NAME,
) -> str:
    """Run one round of item ``item_id``'s job; returns ``processed`` (final status
    recorded), ``retrying`` (handed on), ``superseded`` (another run got there first),
    ``missing`` or the status an earlier run gave it."""
    runtime = current_runtime()
    started = time.monotonic()
    with runtime.track(item_id):
        runtime.wait_for_database()
        loaded = with_database(
            "loading",
            lambda: load(runtime.engine, item_id),
            stopping=runtime.stopping,
            item_id=item_id,
        )
        if loaded is None:
            _log.warning("inbox item %s is gone (purged?); nothing to do", item_id)
            return _MISSING
        if loaded.item.status in _FINISHED:
            return loaded.item.status.value  # an earlier run of this job finished it
        if loaded.item.run_round != run_round:
            return "superseded"  # a later round carries the item on
        job = Job(runtime, loaded, run_round, replay, skip)
        result = _round(runtime, loaded, job, queue)
    _log.debug("webhook job %s round %d: %s in %.3fs", item_id, run_round, result,
               time.monotonic() - started)  # fmt: skip
    return result
