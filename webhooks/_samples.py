"""Realistic, correctly signed sample deliveries (``canonry webhooks send-test``, benchmarks).

Stripe: an ``event`` wrapping Stripe's own example customer or invoice, its status moved
to match the event type (``invoice.paid`` -> a paid invoice). HubSpot: a v3-signed array
with one event. Standard Webhooks: ``{"type", "timestamp", "data"}``. Every call makes a
new vendor event id, so each sample is processed once; the object ids stay the same, so
successive samples concern the same object.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from pydantic import SecretStr

from canonical import ConfigurationError
from webhooks.signatures import sign_hubspot_v3, sign_standard, sign_stripe

__all__ = ["TestDelivery", "build_test_delivery", "stripe_event"]

_INVOICE_STATUS = {
    "invoice.created": "draft",
    "invoice.updated": "open",
    "invoice.finalized": "open",
    "invoice.payment_failed": "open",
    "invoice.paid": "paid",
    "invoice.payment_succeeded": "paid",
    "invoice.voided": "void",
    "invoice.marked_uncollectible": "uncollectible",
}
_TRANSITION = {"open": "finalized_at", "paid": "paid_at", "void": "voided_at"}
_HUBSPOT_OBJECTS = {"contact": 51, "company": 9001, "deal": 7001}


@dataclass(frozen=True)
class TestDelivery:
    """What to POST: ``headers`` include the signature; ``event_ids`` the vendor ids inside."""

    __test__ = False  # not a pytest test class

    url: str
    headers: dict[str, str]
    body: bytes
    event_ids: list[str]


def _sample(name: str) -> dict[str, Any]:
    text = resources.files("webhooks.samples").joinpath(f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _invoice(event_type: str, now: int) -> dict[str, Any]:
    invoice = _sample("stripe_invoice")
    status = _INVOICE_STATUS.get(event_type, invoice["status"])
    invoice["status"] = status
    if status == "paid":
        invoice["amount_paid"], invoice["amount_remaining"] = invoice["amount_due"], 0
    if status in _TRANSITION:
        invoice["status_transitions"][_TRANSITION[status]] = now
    return invoice


def _customer(event_type: str) -> dict[str, Any]:
    customer = _sample("stripe_customer")
    if event_type == "customer.deleted":
        return {"id": customer["id"], "object": "customer", "deleted": True}
    return customer


def stripe_event(event_type: str, *, now: int | None = None) -> dict[str, Any]:
    """A Stripe ``event`` of ``event_type`` (``customer.*`` or ``invoice.*``)."""
    ts = int(time.time()) if now is None else now
    kind = event_type.partition(".")[0]
    if kind == "invoice":
        obj = _invoice(event_type, ts)
    elif kind == "customer":
        obj = _customer(event_type)
    else:
        raise ConfigurationError(
            f"no Stripe sample for event type {event_type!r}",
            hint="use a customer.* or invoice.* type, e.g. invoice.paid",
        )
    return {
        "id": f"evt_test_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": ts,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def _hubspot_event(event_type: str, now_ms: int) -> dict[str, Any]:
    kind, _, action = event_type.partition(".")
    if kind not in _HUBSPOT_OBJECTS or not action:
        raise ConfigurationError(
            f"no HubSpot sample for subscription type {event_type!r}",
            hint="use e.g. contact.creation, contact.propertyChange or company.deletion",
        )
    event: dict[str, Any] = {
        "eventId": secrets.randbelow(9 * 10**9) + 10**9,
        "subscriptionId": 4242,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": now_ms,
        "subscriptionType": event_type,
        "attemptNumber": 0,
        "objectId": _HUBSPOT_OBJECTS[kind],
        "changeSource": "CRM_UI",
    }
    if action == "propertyChange":
        event.update(propertyName="email", propertyValue="ada@example.com")
    return event


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def build_test_delivery(
    scheme: str, event_type: str, secret: SecretStr, *, url: str, now: float | None = None
) -> TestDelivery:
    """A sample delivery of ``event_type`` for a connection using ``scheme``, signed."""
    ts = time.time() if now is None else now
    key = secret.get_secret_value()
    if scheme == "stripe":
        event = stripe_event(event_type, now=int(ts))
        body = _dump(event)
        headers = {"Stripe-Signature": sign_stripe(body, key, timestamp=int(ts))}
        ids = [event["id"]]
    elif scheme == "hubspot":
        item = _hubspot_event(event_type, int(ts * 1000))
        body = _dump([item])
        headers = sign_hubspot_v3(body, key, method="POST", uri=url, timestamp_ms=int(ts * 1000))
        ids = [f"{item['portalId']}:{item['subscriptionId']}:{item['eventId']}"]
    elif scheme == "standard":
        msg_id = f"msg_{secrets.token_hex(12)}"
        when = datetime.fromtimestamp(ts, UTC).isoformat()
        payload = {"type": event_type, "timestamp": when, "data": {"id": "obj_test_1"}}
        body = _dump(payload)
        headers = sign_standard(body, key, msg_id=msg_id, timestamp=int(ts))
        ids = [msg_id]
    else:
        raise ConfigurationError(
            f"no sample deliveries for signature scheme {scheme!r}",
            hint="send-test supports the stripe, hubspot and standard schemes",
        )
    headers["Content-Type"] = "application/json"
    return TestDelivery(url=url, headers=headers, body=body, event_ids=ids)
