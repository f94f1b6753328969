"""One structured log line per attempt, and one per failed outcome.

Each line names the item, tenant, connection, adapter, event type, the handler (or
``read_event`` for reading the event), the attempt and, for failures, the error's type and
message and when the next attempt runs; never the body or a secret. The fields also ride
on the record as ``record.canonry`` (``--log-format json`` prints them). Successful
attempts log at DEBUG, failed ones at WARNING, a dead or failed item at ERROR.
"""

from __future__ import annotations

import logging
from typing import Any

from webhooks._inbox import InboxItem

__all__ = ["READ_STEP", "describe", "log_attempt", "log_outcome"]

READ_STEP = "read_event"
"""The step name of reading the event (adapter hook, vendor fetch, credentials, mapping)."""

_log = logging.getLogger("canonry.webhooks.jobs")
_MAX_MESSAGE = 500


def describe(exc: BaseException) -> str:
    """``Type: message`` (the first line of the message, at most 500 characters)."""
    lines = str(exc).strip().splitlines()
    text = lines[0][:_MAX_MESSAGE] if lines else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fields(item: InboxItem, **extra: Any) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "tenant": item.tenant,
        "connection_id": item.connection_id,
        "adapter": item.adapter,
        "event_type": item.vendor_event_type,
        **extra,
    }


def log_attempt(
    item: InboxItem,
    step: str,
    attempt: int,
    error: BaseException | None,
    *,
    max_attempts: int | None = None,
    wait: float | None = None,
) -> None:
    """The attempt's line: DEBUG when it succeeded, WARNING when it failed."""
    if error is None:
        if _log.isEnabledFor(logging.DEBUG):
            fields = _fields(item, event="webhook_attempt", handler=step, attempt=attempt)
            _log.debug(
                "webhook attempt ok: item=%s connection=%s handler=%s attempt=%d",
                item.id,
                item.connection_id,
                step,
                attempt,
                extra={"canonry": {**fields, "outcome": "ok"}},
            )
        return
    of = f"/{max_attempts}" if max_attempts else ""
    then = f"; retry in {wait:.2f}s" if wait is not None else "; no retry left"
    fields = _fields(
        item,
        event="webhook_attempt",
        handler=step,
        attempt=attempt,
        max_attempts=max_attempts,
        outcome="error",
        error_type=type(error).__name__,
        error=describe(error),
        retry_in=wait,
    )
    _log.warning(
        "webhook attempt failed: item=%s connection=%s handler=%s attempt=%d%s error=%s%s",
        item.id,
        item.connection_id,
        step,
        attempt,
        of,
        describe(error),
        then,
        extra={"canonry": fields},
    )


def log_outcome(item: InboxItem, status: str, error: str | None, attempts: int) -> None:
    """A dead or failed item: ERROR, with its error and every attempt counted."""
    _log.error(
        "webhook item %s: item=%s connection=%s attempts=%d error=%s",
        status,
        item.id,
        item.connection_id,
        attempts,
        error,
        extra={
            "canonry": _fields(
                item, event="webhook_outcome", status=status, error=error, attempts=attempts
            )
        },
    )
