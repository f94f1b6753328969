"""The fake's v4 association batch read: paged per object, 207 multi-status on errors.

``POST /crm/v4/associations/{from}/{to}/batch/read`` takes ``inputs: [{id, after?}]`` and
answers one ``results[]`` row per input that has associations, each paged on its own
(``results[].paging.next.after``, an opaque token; HubSpot pages at 500 per object).
An input with no associations, or one scripted to fail, is not in ``results`` but in
``errors[]`` (``StandardError`` with ``context.fromObjectId``), and the answer is then 207
(``numErrors``), as HubSpot's spec (``BatchResponsePublicAssociationMultiWithLabelWithErrors``)
allows. Callers must follow every row's paging and read ``errors``.
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = ["NO_ASSOCIATIONS", "read_associations"]

Json = dict[str, Any]
NO_ASSOCIATIONS = "crm.associations.NO_ASSOCIATIONS_FOUND"
_STAMP = "2026-01-01T00:00:00.000Z"


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"assoc:{offset}".encode()).decode()


def _offset(token: Any) -> int:
    if token in (None, ""):
        return 0
    try:
        text = base64.urlsafe_b64decode(str(token).encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "assoc":
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise ValueError(f"invalid paging token after={token!r}") from None


def read_associations(
    links: dict[str, list[str]],
    inputs: list[Json],
    *,
    page_size: int,
    failing: dict[str, int],
    from_type: str,
    to_type: str,
) -> tuple[int, Json]:
    """``(status, body)`` of one batch read; ``failing`` counts down scripted failures."""
    if not 1 <= len(inputs) <= 1000:
        raise ValueError("inputs must hold between 1 and 1000 objects")
    results: list[Json] = []
    errors: list[Json] = []
    for item in inputs:
        object_id, offset = str(item["id"]), _offset(item.get("after"))
        if failing.get(object_id, 0) > 0:
            failing[object_id] -= 1
            errors.append(_error("INTERNAL_ERROR", None, object_id, "Internal error, retry"))
            continue
        targets = links.get(object_id, [])
        if not targets:
            message = f"No {to_type} is associated with {from_type} {object_id}."
            errors.append(_error("OBJECT_NOT_FOUND", NO_ASSOCIATIONS, object_id, message))
            continue
        chunk = targets[offset : offset + page_size]
        row: Json = {"from": {"id": object_id}, "to": [_to(t) for t in chunk]}
        if offset + page_size < len(targets):
            row["paging"] = {"next": {"after": _token(offset + page_size), "link": None}}
        results.append(row)
    body: Json = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": _STAMP,
        "completedAt": _STAMP,
    }
    if errors:
        body.update(numErrors=len(errors), errors=errors)
        return 207, body
    return 200, body


def _to(target: str) -> Json:
    kind = {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": None}
    return {"toObjectId": int(target), "associationTypes": [kind]}


def _error(category: str, sub: str | None, object_id: str, message: str) -> Json:
    error: Json = {
        "status": "error",
        "category": category,
        "message": message,
        "context": {"fromObjectId": [object_id]},
        "errors": [],
        "links": {},
    }
    if sub:
        error["subCategory"] = sub
    return error
