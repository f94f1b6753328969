"""Running an event's handlers: a first pass in the job itself, durable retries after it.

First pass: each matching handler is called once, in name order, with the idempotency key
``"{item_id}:{handler}"``. Most events end there, and the job records its outcome with one
write: no checkpoint per handler.

When a handler fails (or on a replay), the first pass's outcome (which handlers succeeded,
which failed and how) is recorded as the DBOS step ``first-pass``; each failed handler with
attempts left then retries as its own checkpointed step ``handler:{name}``, with backoff
(``retry_interval`` seconds before the second attempt, times ``backoff_rate`` after each).
The job keeps its queue partition meanwhile, so newer events about the object wait.

A job that runs again after a crash repeats its first pass (handlers run at least once;
the key makes the effect exactly-once) and then replays the recorded steps, so the retries
it makes, and DBOS's step sequence, are those of the first run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dbos import DBOS

from canonical import Event
from webhooks.handlers import Handler
from webhooks.jobs._metrics import job_metrics

__all__ = [
    "FIRST_PASS_STEP",
    "HANDLER_STEP_PREFIX",
    "HandlersOutcome",
    "idempotency_key",
    "run_handlers",
]

FIRST_PASS_STEP = "first-pass"  # noqa: S105 (a step name)
HANDLER_STEP_PREFIX = "handler:"


@dataclass(frozen=True)
class HandlersOutcome:
    """What the handlers of one job did: their errors (empty: all succeeded), attempts."""

    errors: list[str]
    attempts: int


def idempotency_key(item_id: str, handler: str) -> str:
    """The key a handler gets for an item: the same on every attempt and replay."""
    return f"{item_id}:{handler}"


def _attempt(handler: Handler, event: Event, key: str) -> None:
    try:
        handler.func(event, idempotency_key=key)
    except Exception:
        job_metrics().attempts.labels(handler.name, "error").inc()
        raise
    job_metrics().attempts.labels(handler.name, "ok").inc()


def _first_pass(handlers: Sequence[Handler], event: Event, item_id: str) -> dict[str, Any]:
    succeeded: list[str] = []
    failed: dict[str, str] = {}
    for handler in handlers:
        try:
            _attempt(handler, event, idempotency_key(item_id, handler.name))
        except Exception as exc:
            failed[handler.name] = f"{type(exc).__name__}: {exc}"
        else:
            succeeded.append(handler.name)
    return {"succeeded": succeeded, "failed": failed}


def _recorded(outcome: dict[str, Any]) -> dict[str, Any]:
    return outcome


def _retry_call(handler: Handler, event: Event, key: str, made: list[int]) -> int:
    """One retry; the first waits ``retry_interval`` (DBOS waits between the later ones)."""
    if made[0] == 0 and handler.retry_interval > 0:
        time.sleep(handler.retry_interval)
    made[0] += 1
    _attempt(handler, event, key)
    return made[0]


def _retry(handler: Handler, event: Event, item_id: str) -> tuple[str | None, int]:
    """Retry a failed handler as one checkpointed step; return (error or None, attempts)."""
    made = [0]
    left = handler.max_attempts - 1
    options: Any = {
        "name": f"{HANDLER_STEP_PREFIX}{handler.name}",
        "retries_allowed": left > 1,
        "max_attempts": left,
        "interval_seconds": handler.retry_interval * handler.backoff_rate,
        "backoff_rate": handler.backoff_rate,
    }
    key = idempotency_key(item_id, handler.name)
    try:
        done: int = DBOS.run_step(options, _retry_call, handler, event, key, made)
    except Exception as exc:
        errors = getattr(exc, "errors", None)  # DBOSMaxStepRetriesExceeded keeps each attempt's
        if isinstance(errors, list) and errors:
            last, tried = errors[-1], len(errors)
        else:  # one attempt (or a replayed failure, which made at least one)
            last, tried = exc, max(made[0], 1)
        return f"{handler.name}: {type(last).__name__}: {last}", tried
    return None, done


def run_handlers(
    handlers: Sequence[Handler], event: Event, item_id: str, *, record: bool = False
) -> HandlersOutcome:
    """Run ``handlers`` for the event of item ``item_id`` (inside its DBOS workflow).

    ``record``: record the first pass even when every handler succeeded (replays do, so
    a later replay knows which handlers it can skip)."""
    first = _first_pass(handlers, event, item_id)
    attempts = len(handlers)
    if not first["failed"] and not record:
        return HandlersOutcome([], attempts)
    recorded = DBOS.run_step({"name": FIRST_PASS_STEP}, _recorded, first)
    by_name = {h.name: h for h in handlers}
    errors: list[str] = []
    for name, first_error in sorted(recorded["failed"].items()):
        handler = by_name.get(name)
        if handler is None or handler.max_attempts <= 1:
            errors.append(f"{name}: {first_error}")
            continue
        error, made = _retry(handler, event, item_id)
        attempts += made
        if error is not None:
            errors.append(error)
    return HandlersOutcome(errors, attempts)
