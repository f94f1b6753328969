"""Query parameters of the record routes, validated into a listing (400 with what to fix)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canonical import CanonryError
from registry._records import FILTERS, record_filter
from registry._store_query import MAX_LIMIT, RecordFilter
from registry.api._problems import ApiProblem

__all__ = [
    "COLLECTIONS",
    "COMMON",
    "Listing",
    "SingleOptions",
    "check_text",
    "parse_listing",
    "parse_single",
]

COLLECTIONS = {"customers": "customer", "invoices": "invoice", "events": "event"}
COMMON = ("cursor", "limit", "connection_id", "modified_after", "include_deleted")
_FLAGS = ("include_remote_data", "expand")
_DATES = frozenset({"modified_after", "issued_after", "issued_before", "due_after"}) | {
    "due_before",
    "occurred_after",
    "occurred_before",
}


@dataclass(frozen=True)
class Listing:
    spec: RecordFilter
    limit: int
    remote_data: bool
    expand_customer: bool


@dataclass(frozen=True)
class SingleOptions:
    remote_data: bool
    expand_customer: bool


def _bad(detail: str) -> ApiProblem:
    return ApiProblem(400, "invalid_parameter", detail)


def _bool(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise _bad(f"{name} must be true or false, not {value!r}")
    return value == "true"


def _datetime(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _bad(
            f"{name} must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z"
        )
    return parsed


def _flags(model: str, params: Mapping[str, str]) -> tuple[bool, bool]:
    remote = _bool("include_remote_data", params.get("include_remote_data", "false"))
    expand = params.get("expand")
    if expand is not None and (model != "invoice" or expand != "customer"):
        raise _bad("expand takes `customer`, on invoices only")
    return remote and model != "event", expand == "customer"


def _single_values(params: Any) -> dict[str, str]:
    repeated = sorted({k for k in params if len(params.getlist(k)) > 1})
    if repeated:
        raise _bad(f"give each parameter once (repeated: {', '.join(repeated)})")
    values = dict(params)
    for name, value in values.items():
        check_text(name, value)
    return values


def check_text(name: str, value: str) -> None:
    """Refuse text no record can hold: NUL characters, or more than 1,000 characters."""
    if "\x00" in value or len(value) > 1000:
        raise _bad(f"{name} holds a NUL character or is longer than 1000 characters")


def parse_listing(collection: str, query: Any) -> Listing:
    model = COLLECTIONS[collection]
    params = _single_values(query)
    allowed = {*COMMON, *_FLAGS, *FILTERS[model]}
    unknown = sorted(set(params) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise _bad(f"unknown parameter(s) {', '.join(unknown)}; {collection} take {known}")
    limit_text = params.get("limit", "100")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise _bad(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    options: dict[str, Any] = {}
    for name, value in params.items():
        if name in _DATES:
            options[name] = _datetime(name, value)
        elif name in FILTERS[model]:
            options[name] = value
    deleted = params.get("include_deleted")
    remote, expand = _flags(model, params)
    try:
        spec = record_filter(
            model,
            cursor=params.get("cursor"),
            connection_id=params.get("connection_id"),
            include_deleted=_bool("include_deleted", deleted) if deleted is not None else None,
            **options,
        )
    except CanonryError as exc:
        raise _bad(exc.message) from None
    return Listing(spec, int(limit_text), remote, expand)


def parse_single(collection: str, query: Any) -> SingleOptions:
    model = COLLECTIONS[collection]
    params = _single_values(query)
    unknown = sorted(set(params) - set(_FLAGS))
    if unknown:
        raise _bad(f"unknown parameter(s) {', '.join(unknown)}; use include_remote_data, expand")
    remote, expand = _flags(model, params)
    return SingleOptions(remote, expand)
