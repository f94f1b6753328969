"""Every association of a batch of objects, through HubSpot's v4 batch read.

HubSpot pages associations per object: each ``results[]`` row may carry
``paging.next.after``, asked for again as ``inputs: [{"id", "after"}]``. It answers 207
(multi-status) when some inputs fail, listing them in ``errors[]`` (``context.fromObjectId``);
an object with no associations is such an error (``NO_ASSOCIATIONS_FOUND``) and reads as
none. Any other failure, or an input answered neither way, is asked again (only those
inputs, with backoff); when it keeps failing the read raises rather than store an object
with part of its associations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from canonical import AdapterError

__all__ = ["BATCH", "read_all_associations"]

BATCH = 1000
"""Inputs per v4 batch read (HubSpot's limit)."""
_NONE_FOUND = "NO_ASSOCIATIONS_FOUND"

FetchPage = Callable[[list[dict[str, str]]], dict[str, Any]]


def read_all_associations(
    fetch: FetchPage,
    ids: list[str],
    *,
    what: str,
    max_attempts: int,
    pause: Callable[[int], None],
) -> dict[str, list[str]]:
    """id -> every associated id (in HubSpot's order); ``pause(n)`` waits before retry n."""
    linked: dict[str, list[str]] = {i: [] for i in ids}
    pending: dict[str, str | None] = dict.fromkeys(ids)  # id -> paging token
    failures = 0
    while pending:
        batch = list(pending.items())[:BATCH]
        inputs = [{"id": i, **({"after": a} if a else {})} for i, a in batch]
        answer = fetch(inputs)
        asked = {i for i, _ in batch}
        answered = _read_rows(answer, asked, linked, pending)
        reasons = _read_errors(answer, asked)
        for object_id, reason in reasons.items():
            if reason == _NONE_FOUND and object_id not in answered:
                pending.pop(object_id, None)  # no associations: done, with none
        failed = {i for i in asked - answered if i in pending}
        if not failed:
            continue
        failures += 1
        if failures >= max_attempts:
            shown = ", ".join(sorted(failed)[:10])
            raise AdapterError(
                f"HubSpot kept failing to read {what} associations of {shown} "
                f"({reasons.get(min(failed)) or 'not answered'}) after {failures} attempts",
                code="associations_incomplete",
                retryable=True,
                hint="retry the sync later; no record was stored with partial associations",
            )
        pause(failures)
    return {i: list(dict.fromkeys(targets)) for i, targets in linked.items()}


def _read_rows(
    answer: dict[str, Any],
    asked: set[str],
    linked: dict[str, list[str]],
    pending: dict[str, str | None],
) -> set[str]:
    answered: set[str] = set()
    for row in answer.get("results") or []:
        source = str((row.get("from") or {}).get("id"))
        if source not in asked or source in answered:
            continue
        answered.add(source)
        linked[source].extend(str(t.get("toObjectId")) for t in row.get("to") or [])
        after = ((row.get("paging") or {}).get("next") or {}).get("after")
        if after:
            pending[source] = str(after)
        else:
            pending.pop(source, None)
    return answered


def _read_errors(answer: dict[str, Any], asked: set[str]) -> dict[str, str]:
    """Per asked id named by ``errors[]``: ``NO_ASSOCIATIONS_FOUND`` or the error's category."""
    reasons: dict[str, str] = {}
    for error in answer.get("errors") or []:
        context = error.get("context") or {}
        ids = context.get("fromObjectId") or context.get("ids") or []
        sub = str(error.get("subCategory") or "")
        reason = _NONE_FOUND if sub.endswith(_NONE_FOUND) else str(error.get("category") or "")
        for object_id in (str(i) for i in ids):
            if object_id in asked and reasons.get(object_id) != _NONE_FOUND:
                reasons[object_id] = reason
    return reasons
