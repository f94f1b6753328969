"""What the HubSpot adapter knows about each stream: object type and last-modified property."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LINE_ITEM_PROPERTIES", "STREAMS", "HubSpotStream"]


@dataclass(frozen=True)
class HubSpotStream:
    """One synced CRM object type."""

    name: str
    object_type: str
    modified: str
    """The last-modified property the search filters and sorts on."""


STREAMS: dict[str, HubSpotStream] = {
    "contacts": HubSpotStream("contacts", "contacts", "lastmodifieddate"),
    "companies": HubSpotStream("companies", "companies", "hs_lastmodifieddate"),
    "invoices": HubSpotStream("invoices", "invoices", "hs_lastmodifieddate"),
}

LINE_ITEM_PROPERTIES = [
    "name",
    "description",
    "quantity",
    "price",
    "amount",
    "hs_product_id",
    "hs_line_item_currency_code",
    "hs_total_discount",
    "hs_tax_amount",
    "hs_recurring_billing_start_date",
    "hs_recurring_billing_end_date",
]
"""Line-item properties read for invoices (``line_items`` on the invoice record)."""
