"""How the Stripe fake renders an invoice at an API version older than the pinned one.

Stripe renders an event's ``data.object`` at the API version that was the account's default
when the event was created, whatever ``Stripe-Version`` the reader sends. The fake does the
same for the one break that matters to invoices, Basil (``2025-03-31.basil``), per Stripe's
changelog: before it, invoices carry ``tax`` and ``total_tax_amounts`` (not
``total_taxes``), the singular ``discount`` and a top-level ``subscription`` (not
``parent``), and have no ``customer_account``; lines carry ``price``, ``tax_amounts``,
``type`` and ``proration`` (not ``pricing``, ``taxes`` and ``parent``).
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["BASIL", "PINNED", "PRE_BASIL", "render_at"]

Json = dict[str, Any]
PINNED = "2026-10-28.endive"
BASIL = "2025-03-31.basil"
PRE_BASIL = "2024-06-20"
"""An older version the fake can stamp events with (Stripe's ``2024-06-20`` release)."""


def render_at(version: str, obj: Json) -> Json:
    """``obj`` (pinned shape) as Stripe renders it at ``version``."""
    if obj.get("object") != "invoice" or version[:10] >= BASIL[:10]:
        return obj
    return _pre_basil_invoice(copy.deepcopy(obj))


def _pre_basil_invoice(inv: Json) -> Json:
    taxes = inv.pop("total_taxes", None) or []
    inv["total_tax_amounts"] = [_tax_amount(t) for t in taxes]
    inv["tax"] = sum(t["amount"] for t in taxes) if taxes else None
    inv["discount"] = None
    inv.pop("customer_account", None)
    parent = inv.pop("parent", None) or {}
    details = parent.get("subscription_details") or {}
    inv["subscription"] = details.get("subscription")
    lines = inv.get("lines")
    if isinstance(lines, dict):
        inv["lines"] = {**lines, "data": [_pre_basil_line(d) for d in lines.get("data") or []]}
    return inv


def _pre_basil_line(line: Json) -> Json:
    line = dict(line)
    taxes = line.pop("taxes", None) or []
    line["tax_amounts"] = [_tax_amount(t) for t in taxes]
    pricing = line.pop("pricing", None) or {}
    details = pricing.get("price_details") or {}
    line["price"] = {
        "id": details.get("price"),
        "object": "price",
        "product": details.get("product"),
        "unit_amount_decimal": pricing.get("unit_amount_decimal"),
    }
    parent = line.pop("parent", None) or {}
    from_subscription = parent.get("type") == "subscription_item_details"
    line["type"] = "subscription" if from_subscription else "invoiceitem"
    line["proration"] = False
    return line


def _tax_amount(tax: Json) -> Json:
    rate = (tax.get("tax_rate_details") or {}).get("tax_rate")
    return {
        "amount": tax["amount"],
        "inclusive": tax.get("tax_behavior") == "inclusive",
        "tax_rate": rate,
        "taxability_reason": tax.get("taxability_reason"),
        "taxable_amount": tax.get("taxable_amount"),
    }
