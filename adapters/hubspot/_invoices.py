"""Complete HubSpot invoices with their line items and the contact/company they bill."""

from __future__ import annotations

from typing import Any

from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._streams import LINE_ITEM_PROPERTIES

__all__ = ["attach_invoice_details"]

_PARTIES = ("contacts", "companies")


def attach_invoice_details(
    client: HubSpotClient, invoices: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add ``line_items`` (full line-item objects, in association order) and
    ``associations.{contacts,companies}.results[*].id`` to each invoice record.

    Three association batch reads plus one line-item batch read per page, never per invoice.
    """
    ids = [record["id"] for record in invoices]
    if not ids:
        return invoices
    line_links = client.associations("invoices", "line_items", ids)
    parties = {kind: client.associations("invoices", kind, ids) for kind in _PARTIES}
    wanted = list(dict.fromkeys(i for links in line_links.values() for i in links))
    lines = {
        line["id"]: line for line in client.batch_read("line_items", wanted, LINE_ITEM_PROPERTIES)
    }
    for record in invoices:
        own = record["id"]
        record["line_items"] = [lines[i] for i in line_links.get(own, []) if i in lines]
        record["associations"] = {
            kind: {"results": [{"id": i} for i in parties[kind].get(own, [])]} for kind in _PARTIES
        }
    return invoices
