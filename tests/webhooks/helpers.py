"""Building signed deliveries for the endpoint tests."""

from __future__ import annotations

import json
import time
from typing import Any

from webhooks._samples import stripe_event
from webhooks.signatures import sign_hubspot_v3, sign_stripe

BASE = "http://testserver"


def dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def stripe_delivery(
    secret: str, event: dict[str, Any] | None = None, *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = dump(event or stripe_event("invoice.paid"))
    header = sign_stripe(body, secret, timestamp=timestamp)
    return body, {"Stripe-Signature": header, "Content-Type": "application/json"}


def hubspot_events(n: int, *, object_id: int = 51, start: int = 1000) -> list[dict[str, Any]]:
    now = int(time.time() * 1000)
    return [
        {
            "eventId": start + i,
            "subscriptionId": 7,
            "portalId": 62515,
            "appId": 1160452,
            "occurredAt": now - (n - i) * 1000,
            "subscriptionType": "contact.propertyChange",
            "attemptNumber": 0,
            "objectId": object_id + i,
            "propertyName": "email",
            "propertyValue": f"person{i}@example.com",
            "changeSource": "CRM_UI",
        }
        for i in range(n)
    ]


def hubspot_delivery(
    secret: str, events: list[dict[str, Any]], url: str, **kw: Any
) -> tuple[bytes, dict[str, str]]:
    body = dump(events)
    headers = sign_hubspot_v3(body, secret, method="POST", uri=url, **kw)
    headers["Content-Type"] = "application/json"
    return body, headers
