"""Split a verified delivery into vendor events (inbox items), per vendor payload shape.

Only called after the signature verified. Anything that is not the expected shape raises
``WebhookVerificationError`` with reason ``malformed_json`` or ``malformed_payload`` (the
endpoint answers 400); nothing here raises anything else on any input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters import WebhookEventDraft
from canonical import WebhookVerificationError

__all__ = [
    "EventDraft",
    "load_json",
    "malformed",
    "split_generic",
    "split_hubspot",
    "split_standard",
    "split_stripe",
]

_MAX_TEXT = 255


EventDraft = WebhookEventDraft
"""One vendor event found in a delivery (``adapters.WebhookEventDraft``)."""


def malformed(what: str, reason: str = "malformed_payload") -> WebhookVerificationError:
    return WebhookVerificationError(
        f"the delivery is not a valid webhook payload: {what}",
        reason=reason,
        hint="send the vendor's event JSON unchanged",
    )


def load_json(body: bytes) -> Any:
    """The JSON document in ``body``; ``malformed_json`` for anything else (incl. deep nesting)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise malformed("the body is not JSON", "malformed_json") from None


def _text(value: object, what: str, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise malformed(f"{what} is missing or not a string")
    text = str(value)
    if not text or len(text) > _MAX_TEXT:
        raise malformed(f"{what} is empty or longer than {_MAX_TEXT} characters")
    return text


def _instant(value: object, what: str, *, millis: bool = False) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise malformed(f"{what} is missing or not a unix time")
    seconds = value / 1000 if millis else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise malformed(f"{what} is out of range") from None


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def split_stripe(body: bytes) -> list[EventDraft]:
    """A Stripe ``event``: one item; the object it concerns is ``data.object``."""
    event = load_json(body)
    if not isinstance(event, dict) or event.get("object", "event") != "event":
        raise malformed("expected a Stripe event object")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise malformed("data.object is missing")
    return [
        EventDraft(
            vendor_event_id=_text(event.get("id"), "id") or "",
            vendor_event_type=_text(event.get("type"), "type") or "",
            object_type=_text(obj.get("object"), "data.object.object") or "",
            object_id=_text(obj.get("id"), "data.object.id", required=False),
            occurred_at=_instant(event.get("created"), "created"),
            body=body,
        )
    ]


def _hubspot_object_type(item: Mapping[str, Any], subscription: str) -> str:
    prefix = subscription.partition(".")[0]
    if prefix == "object":  # generic subscriptions name the type by id (0-1 contact, ...)
        return _text(item.get("objectTypeId"), "objectTypeId") or prefix
    return prefix


def _hubspot_item(item: object) -> EventDraft:
    if not isinstance(item, dict):
        raise malformed("each element of a HubSpot delivery must be an object")
    subscription = _text(item.get("subscriptionType"), "subscriptionType") or ""
    event_id = _text(item.get("eventId"), "eventId")
    # eventId alone is not guaranteed unique; with the portal and subscription it is.
    parts = (item.get("portalId"), item.get("subscriptionId"), event_id)
    vendor_id = ":".join("" if p is None or isinstance(p, dict | list) else str(p) for p in parts)
    return EventDraft(
        vendor_event_id=vendor_id[:_MAX_TEXT],
        vendor_event_type=subscription,
        object_type=_hubspot_object_type(item, subscription),
        object_id=_text(item.get("objectId"), "objectId", required=False),
        occurred_at=_instant(item.get("occurredAt"), "occurredAt", millis=True),
        body=_compact(item),
    )


def split_hubspot(body: bytes) -> list[EventDraft]:
    """A HubSpot delivery: a JSON array, one item per element (each stored as its own JSON)."""
    payload = load_json(body)
    if not isinstance(payload, list) or not payload:
        raise malformed("expected a non-empty JSON array of HubSpot events")
    return [_hubspot_item(item) for item in payload]


def split_standard(body: bytes, headers: Mapping[str, str]) -> list[EventDraft]:
    """A Standard Webhooks payload ``{"type", "timestamp", "data"}``; the id is ``webhook-id``."""
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise malformed("expected a JSON object")
    data = payload.get("data")
    data = data if isinstance(data, dict) else {}
    object_type = data.get("object") or str(payload.get("type", "")).partition(".")[0]
    return [
        EventDraft(
            vendor_event_id=_text(headers.get("webhook-id"), "webhook-id") or "",
            vendor_event_type=_text(payload.get("type"), "type") or "",
            object_type=_text(object_type, "data.object") or "",
            object_id=_text(data.get("id"), "data.id", required=False),
            occurred_at=_instant(_int_header(headers, "webhook-timestamp"), "webhook-timestamp"),
            body=body,
        )
    ]


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 13 else None


def split_generic(events: object, received_at: datetime) -> list[EventDraft]:
    """Events returned by an adapter's ``parse_webhook``: dicts with ``id`` and ``type``.

    Optional keys: ``object_type``, ``object_id``, ``occurred_at`` (unix seconds or datetime).
    """
    if not isinstance(events, list) or not events:
        raise malformed("the adapter found no events in the delivery")
    drafts = []
    for event in events:
        if not isinstance(event, dict):
            raise malformed("the adapter returned an event that is not a mapping")
        when = event.get("occurred_at")
        occurred = when if isinstance(when, datetime) else None
        if occurred is None:
            occurred = received_at if when is None else _instant(when, "occurred_at")
        type_ = _text(event.get("type"), "type") or ""
        drafts.append(
            EventDraft(
                vendor_event_id=_text(event.get("id"), "id") or "",
                vendor_event_type=type_,
                object_type=_text(event.get("object_type") or type_.partition(".")[0], "object")
                or "",
                object_id=_text(event.get("object_id"), "object_id", required=False),
                occurred_at=occurred,
                body=_compact(event),
            )
        )
    return drafts
