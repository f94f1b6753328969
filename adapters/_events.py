"""What a stored vendor webhook event means in canonical terms.

An adapter's ``webhook_event`` hook answers this for each event its deliveries carried
(after the endpoint verified and split them): the canonical event type, the object it
concerns, and where that object's record comes from: the event itself (Stripe's carry the
object), or the vendor API (HubSpot's carry only an id: ``fetch`` asks the job to call the
adapter's ``fetch_record``). The job maps that record with the connection's active mapping
of ``stream``, exactly as a sync would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canonical import EventType

__all__ = ["CANONICAL_OBJECTS", "WebhookEvent", "canonical_event_type"]

CANONICAL_OBJECTS = ("customer", "invoice")
"""The ``object_type`` values a canonical ``Event`` can concern."""


def canonical_event_type(value: str) -> EventType:
    """``value`` as a canonical event type; ``EventType.OTHER`` when it is none."""
    try:
        return EventType(value)
    except ValueError:
        return EventType.OTHER


@dataclass(frozen=True)
class WebhookEvent:
    """The canonical reading of one vendor webhook event (see the module docstring)."""

    type: EventType
    object_type: str | None = None
    """``customer`` or ``invoice`` when the event concerns one (else None)."""
    stream: str | None = None
    """The adapter stream whose mapping maps the object's record."""
    record: dict[str, Any] | None = None
    """The raw vendor record the event carries, if any."""
    fetch: bool = False
    """The event carries only the object's id: fetch its current record (``stream``)."""
    remote_id: str | None = None
    """The vendor id whose record is fetched, when it is not the event's object id (the
    survivor of a HubSpot merge); None: the event's object id."""
    deleted_remote_ids: tuple[str, ...] = ()
    """Vendor ids of ``object_type`` records the event removed besides its own object (the
    records merged away by a HubSpot merge): each is a deletion (tombstone) of ``stream``."""

    def __post_init__(self) -> None:
        if self.object_type is not None and self.object_type not in CANONICAL_OBJECTS:
            raise ValueError(
                f"WebhookEvent.object_type must be one of {CANONICAL_OBJECTS} or None, "
                f"not {self.object_type!r}"
            )
        if (self.record is not None or self.fetch or self.deleted_remote_ids) and (
            self.stream is None
        ):
            raise ValueError(
                "a WebhookEvent with a record, fetch=True or deleted_remote_ids must name "
                "its stream"
            )

    @classmethod
    def generic(cls, event_type: str) -> WebhookEvent:
        """The default reading: the vendor type if it is a canonical one, and the object
        kind it names (``invoice.paid`` concerns an invoice); no record."""
        canonical = canonical_event_type(event_type)
        kind = canonical.value.partition(".")[0]
        return cls(canonical, kind if kind in CANONICAL_OBJECTS else None)
