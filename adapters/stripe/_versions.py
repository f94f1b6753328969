"""An event's object in the pinned API version's shape, whatever version rendered it.

Stripe renders ``data.object`` at the API version that was the account's default when the
event was created (``event.api_version``), not at the ``Stripe-Version`` we send. Where an
event-carried object is used as it is (webhook records, deletion tombstones: a deleted
object cannot be fetched again), an invoice rendered before Basil (``2025-03-31.basil``)
is brought to the pinned shape the mappings read, by Stripe's changelog: ``tax`` and
``total_tax_amounts`` -> ``total_taxes``; ``discount`` dropped (``discounts`` stays);
``subscription`` -> ``parent.subscription_details``; on lines ``tax_amounts`` -> ``taxes``,
``price`` -> ``pricing``, ``type``/``proration`` -> ``parent``. The rewrite is driven by the
keys present, so an object already in the pinned shape passes unchanged. Everything the
incremental sync can fetch, it fetches at the pinned version instead.
"""

from __future__ import annotations

from typing import Any

__all__ = ["event_object", "invoice_to_pinned"]

Json = dict[str, Any]


def event_object(event: Json, pinned: str) -> Json:
    """A copy of the event's ``data.object``, in ``pinned``'s shape."""
    obj: Json = dict((event.get("data") or {}).get("object") or {})
    if event.get("api_version") in (None, pinned) or obj.get("object") != "invoice":
        return obj
    return invoice_to_pinned(obj)


def invoice_to_pinned(invoice: Json) -> Json:
    """A pre-Basil invoice (and its embedded lines) in the pinned shape."""
    out = dict(invoice)
    if "total_taxes" not in out and "total_tax_amounts" in out:
        old = out.pop("total_tax_amounts")
        out["total_taxes"] = None if old is None else [_tax(t) for t in old]
        out.pop("tax", None)  # the sum of total_tax_amounts, carried in the list now
    out.pop("discount", None)
    if "parent" not in out and "subscription" in out:
        out["parent"] = _invoice_parent(out.pop("subscription"))
    lines = out.get("lines")
    if isinstance(lines, dict) and isinstance(lines.get("data"), list):
        out["lines"] = {**lines, "data": [_line(d) for d in lines["data"]]}
    return out


def _line(line: Json) -> Json:
    out = dict(line)
    if "taxes" not in out and "tax_amounts" in out:
        old = out.pop("tax_amounts")
        out["taxes"] = None if old is None else [_tax(t) for t in old]
    if "pricing" not in out and "price" in out:
        out["pricing"] = _pricing(out.pop("price"))
    if "parent" not in out and "type" in out:
        kind = out.pop("type")
        proration = out.pop("proration", False)
        key = "subscription_item_details" if kind == "subscription" else "invoice_item_details"
        out["parent"] = {"type": key, key: {"proration": proration}}
    return out


def _tax(old: Json) -> Json:
    rate = old.get("tax_rate")
    return {
        "amount": old.get("amount"),
        "tax_behavior": "inclusive" if old.get("inclusive") else "exclusive",
        "tax_rate_details": {"tax_rate": _id(rate)} if rate else None,
        "taxability_reason": old.get("taxability_reason"),
        "taxable_amount": old.get("taxable_amount"),
        "type": "tax_rate_details",
    }


def _pricing(price: Any) -> Json | None:
    if not isinstance(price, dict):
        return (
            None if price is None else {"type": "price_details", "price_details": {"price": price}}
        )
    decimal = price.get("unit_amount_decimal")
    if decimal is None and price.get("unit_amount") is not None:
        decimal = str(price["unit_amount"])
    details = {"price": price.get("id"), "product": _id(price.get("product"))}
    return {"type": "price_details", "price_details": details, "unit_amount_decimal": decimal}


def _invoice_parent(subscription: Any) -> Json | None:
    if subscription is None:
        return None
    details = {"subscription": _id(subscription), "metadata": None}
    return {"type": "subscription_details", "subscription_details": details, "quote_details": None}


def _id(value: Any) -> Any:
    """An expandable field's id, whether it came as the id or as the expanded object."""
    return value.get("id") if isinstance(value, dict) else value
