"""Every requested object, through HubSpot's v3 batch read (100 ids per call).

A partial batch read answers 207 with ``errors[]`` naming ids in ``context.ids``: those
``OBJECT_NOT_FOUND`` do not exist (deleted or archived) and are simply absent from the
result; any other failure is asked again (only those ids, with backoff), and when it keeps
failing the read raises rather than return fewer objects than HubSpot has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from canonical import AdapterError

__all__ = ["read_all_objects"]

BATCH = 100
_NOT_FOUND = "OBJECT_NOT_FOUND"


def read_all_objects(
    fetch: Callable[[list[str]], dict[str, Any]],
    ids: list[str],
    *,
    what: str,
    max_attempts: int,
    pause: Callable[[int], None],
) -> list[dict[str, Any]]:
    """The objects found, in ``ids`` order; ``fetch(chunk)`` answers one batch read."""
    found: dict[str, dict[str, Any]] = {}
    pending = list(dict.fromkeys(ids))
    failures = 0
    while pending:
        retry: list[str] = []
        reasons: dict[str, str] = {}
        for start in range(0, len(pending), BATCH):
            chunk = pending[start : start + BATCH]
            answer = fetch(chunk)
            for record in answer.get("results") or []:
                found[str(record.get("id"))] = record
            gone = _errors(answer, reasons)
            retry.extend(i for i in chunk if i not in found and i not in gone)
        if not retry:
            break
        failures += 1
        if failures >= max_attempts:
            shown = ", ".join(retry[:10])
            raise AdapterError(
                f"HubSpot kept failing to read {what} {shown} "
                f"({reasons.get(retry[0]) or 'not answered'}) after {failures} attempts",
                code="batch_read_incomplete",
                retryable=True,
                hint="retry the sync later; no record was stored with missing parts",
            )
        pause(failures)
        pending = retry
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def _errors(answer: dict[str, Any], reasons: dict[str, str]) -> set[str]:
    """Ids HubSpot says do not exist; every other named id's category goes in ``reasons``."""
    gone: set[str] = set()
    for error in answer.get("errors") or []:
        category = str(error.get("category") or "")
        for object_id in (str(i) for i in (error.get("context") or {}).get("ids") or []):
            if category == _NOT_FOUND:
                gone.add(object_id)
            else:
                reasons[object_id] = category
    return gone
