"""The Stripe fake's wire rules: query parsing, list pagination, event filters, errors.

Stricter than kind: what the real API refuses, the fake refuses the same way (the error
body Stripe sends: ``type``, ``code``, ``message``, ``param``, ``doc_url``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = [
    "Collection",
    "Recorded",
    "StripeError",
    "check_event_filters",
    "event_matches",
    "missing",
    "parse_params",
]

Json = dict[str, Any]
_OPS = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
_DOCS = "https://stripe.com/docs/error-codes/"
MAX_TYPES = 20
"""``types[]`` on ``/v1/events`` takes at most this many exact event names."""


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]


class StripeError(Exception):
    """An error answer in Stripe's JSON: ``{"error": {type, code, message, param, doc_url}}``."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        code: str | None = None,
        *,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        error: Json = {"type": type_, "message": message}
        if code:
            error["code"] = code
            error["doc_url"] = _DOCS + code.replace("_", "-")
        if param:
            error["param"] = param
        self.status, self.body = status, {"error": error}


def missing(what: str, status: int = 404, *, param: str | None = None) -> StripeError:
    return StripeError(
        status, "invalid_request_error", f"No such {what}", "resource_missing", param=param
    )


@dataclass
class Collection:
    """Objects in creation order (``seqs`` ascending); Stripe lists them newest first."""

    objects: dict[str, Json] = field(default_factory=dict)
    seqs: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    seq_of: dict[str, int] = field(default_factory=dict)

    def add(self, obj: Json, seq: int) -> None:
        self.objects[obj["id"]] = obj
        self.seqs.append(seq)
        self.ids.append(obj["id"])
        self.seq_of[obj["id"]] = seq

    def remove(self, object_id: str) -> Json:
        """Forget the object: it is no longer listed, fetched, or accepted as a cursor."""
        i = self.ids.index(object_id)
        del self.ids[i], self.seqs[i], self.seq_of[object_id]
        return self.objects.pop(object_id)

    def check_cursors(self, q: Json) -> None:
        """Stripe refuses a pagination cursor naming an object it no longer has."""
        for name in ("starting_after", "ending_before"):
            if name in q and q[name] not in self.objects:
                raise missing(f"object: '{q[name]}'", 400, param=name)

    def page(self, ids: list[str], seqs: list[int], q: Json) -> tuple[list[str], bool]:
        """Cursor pagination over ``ids`` (ascending ``seqs``), answered newest first."""
        limit = int(q.get("limit", 10))
        if "ending_before" in q:
            lo = bisect.bisect_right(seqs, self.seq_of[q["ending_before"]])
            return ids[lo : lo + limit][::-1], lo + limit < len(ids)
        hi = len(ids)
        if "starting_after" in q:
            hi = bisect.bisect_left(seqs, self.seq_of[q["starting_after"]])
        return ids[max(0, hi - limit) : hi][::-1], hi - limit > 0


def parse_params(query: str) -> Json:
    """``types[0]=a&types[]=b&created[gt]=1`` -> ``{"types": [a, b], "created": {"gt": "1"}}``."""
    out: Json = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        name, _, rest = key.partition("[")
        sub = rest.rstrip("]")
        if not rest:
            out[name] = value
        elif sub == "" or sub.isdigit():
            out.setdefault(name, []).append(value)
        else:
            out.setdefault(name, {})[sub] = value
    return out


def check_event_filters(q: Json) -> None:
    """``/v1/events``: ``types`` takes up to 20 exact names; only ``type`` takes a ``*``."""
    if "type" in q and "types" in q:
        message = "You may only specify one of these parameters: type, types."
        raise StripeError(400, "invalid_request_error", message, "parameter_invalid_string",
                          param="type")  # fmt: skip
    if str(q.get("type", "")).count("*") > 1:
        message = "Invalid type: use at most one `*` wildcard"
        raise StripeError(400, "invalid_request_error", message, "parameter_invalid_string",
                          param="type")  # fmt: skip
    types = q.get("types")
    if types is None:
        return
    if not isinstance(types, list) or not 1 <= len(types) <= MAX_TYPES:
        raise StripeError(
            400,
            "invalid_request_error",
            f"Invalid array: types must hold 1 to {MAX_TYPES} event names",
            "parameter_invalid_array",
            param="types",
        )
    for n, name in enumerate(types):
        if "*" in name:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Invalid types[{n}]: {name!r} is not an event type; `types` takes exact "
                "event names (only `type` accepts a `*` wildcard)",
                "parameter_invalid_string",
                param=f"types[{n}]",
            )


def event_matches(obj: Json, q: Json) -> bool:
    """Does a listed object pass ``type``/``types`` (events) and ``created[op]`` filters?"""
    if "types" in q:
        if obj.get("type") not in q["types"]:
            return False
    elif "type" in q:
        wanted: str = q["type"]
        head, star, tail = wanted.partition("*")
        kind = str(obj.get("type"))
        ok = kind.startswith(head) and kind.endswith(tail) if star else kind == wanted
        if not ok:
            return False
    created = q.get("created")
    bounds: Json = created if isinstance(created, dict) else {}
    if isinstance(created, str):
        bounds = {"eq": created}
    ops = {**_OPS, "eq": int.__eq__}
    for op in bounds:
        if op not in ops:
            message = f"Received unknown parameter: created[{op}]"
            raise StripeError(400, "invalid_request_error", message, "parameter_unknown",
                              param=f"created[{op}]")  # fmt: skip
    return all(ops[op](obj["created"], int(v)) for op, v in bounds.items())
