"""The data an adapter declares and returns: capabilities, streams, pages, check results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canonical import CanonryError

__all__ = [
    "ADAPTER_API_VERSION",
    "Capability",
    "CheckResult",
    "Cursor",
    "Page",
    "StreamSpec",
]

ADAPTER_API_VERSION = "1.1"
"""The adapter-API version this Canonry implements ("major.minor"; majors must match)."""

Cursor = dict[str, Any]
"""An opaque, JSON-serialisable resume position that only the adapter interprets.

The registry stores it after each page and passes it back to ``Adapter.read``; keep it
small (ids, tokens, timestamps as ISO strings) and never put a secret in it.
"""


class Capability(StrEnum):
    """What an adapter can do beyond listing records."""

    FULL_SYNC = "full_sync"
    """``read(stream, None)`` lists every record."""
    INCREMENTAL_SYNC = "incremental_sync"
    """``read(stream, cursor)`` lists only what changed after the cursor."""
    WEBHOOKS = "webhooks"
    """The vendor pushes events: declared by ``webhook_support`` (or, without one, handled by
    ``verify_webhook`` and ``parse_webhook``)."""
    DELETES = "deletes"
    """Deleted vendor objects come through as records (``remote_was_deleted``)."""


@dataclass(frozen=True)
class StreamSpec:
    """A stream an adapter offers.

    ``name`` is the stream's key (``"customers"``; also the default mapping's file name,
    ``mappings/<name>.yaml``); ``model`` names the canonical model its records map to:
    ``"Customer"``, ``"Invoice"`` or ``"Event"``.
    """

    name: str
    model: str
    description: str = ""


@dataclass(frozen=True)
class Page:
    """One page of raw vendor records and the cursor that resumes *after* this page.

    ``cursor`` is None only when the stream is exhausted and has no position worth
    saving; adapters that sync incrementally return a cursor on the last page too.
    ``notes`` carries human-readable remarks for the run log (skipped objects, ...).

    ``snapshot_start`` marks the first page of a full listing that the adapter began
    although it was given a cursor (the cursor expired, the vendor refused it): from this
    page until the stream is exhausted every record the vendor holds appears, so whatever
    the replica holds that this listing does not show was deleted, and the store
    tombstones it. A run that starts from no cursor is such a listing already.
    """

    records: list[dict[str, Any]]
    cursor: Cursor | None
    notes: list[str] = field(default_factory=list)
    snapshot_start: bool = False


@dataclass(frozen=True)
class CheckResult:
    """The answer of ``Adapter.check()``: could we reach the vendor with these credentials?

    ``details`` is JSON-ready and never holds a secret (account name, scopes, status...).
    """

    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def success(cls, message: str = "connected", **details: Any) -> CheckResult:
        return cls(True, message, dict(details))

    @classmethod
    def failure(cls, message: str, **details: Any) -> CheckResult:
        return cls(False, message, dict(details))

    @classmethod
    def from_error(cls, error: CanonryError) -> CheckResult:
        """A failed check that reports a canonical error (its message, class, status...)."""
        details: dict[str, Any] = {"error": type(error).__name__, "retryable": error.retryable}
        for name in ("status", "code", "request_id", "retry_after"):
            value = getattr(error, name, None)
            if value is not None:
                details[name] = value
        if error.hint:
            details["hint"] = error.hint
        return cls(False, error.message, details)
