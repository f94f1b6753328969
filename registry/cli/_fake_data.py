"""Data for ``canonry dev fake-vendor``: a small, varied account in the loopback fakes, and
the settings a connection needs to reach it.

``reach_settings`` is the ONE place that says how a connection reaches a fake vendor; the
command's output and the README quickstart print what it returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugins.fakes import HubSpotFake, StripeFake

__all__ = ["VENDORS", "Reach", "reach_settings", "seed_hubspot", "seed_stripe"]

VENDORS = ("stripe", "hubspot")
_NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov")
_STATUSES = ("paid", "open", "paid", "draft", "void")


@dataclass(frozen=True)
class Reach:
    """How a connection reaches the fake: config keys and/or operator environment."""

    config: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)

    def config_json(self) -> str:
        return json.dumps(self.config)


def reach_settings(vendor: str, url: str) -> Reach:
    """The connection settings for the fake at ``url``: the connection config's base URL,
    and the operator's ``CANONRY_VENDOR_BASE_URLS`` allowing that origin (a connection may
    send its secret to no other host than the vendor's without it)."""
    from adapters import VENDOR_BASE_URLS_ENV
    from plugins.fakes import HUBSPOT_TOKEN, STRIPE_API_KEY

    allow = {VENDOR_BASE_URLS_ENV: url.rstrip("/")}
    if vendor == "stripe":
        creds = {"api_key": STRIPE_API_KEY}
        return Reach(config={"api_base": url}, environment=allow, credentials=creds)
    creds = {"access_token": HUBSPOT_TOKEN}
    return Reach(config={"base_url": url}, environment=allow, credentials=creds)


def _person(i: int) -> tuple[str, str, str]:
    given, family = _NAMES[i % len(_NAMES)].split(" ")
    return given, family, f"{given.lower()}.{family.lower()}+{i}@example.com"


def seed_stripe(fake: StripeFake, customers: int, invoices: int) -> None:
    """``customers`` customers and ``invoices`` invoices (1-3 lines, mixed statuses)."""
    ids = []
    for i in range(customers):
        given, family, email = _person(i)
        ids.append(fake.create_customer(name=f"{given} {family}", email=email)["id"])
    for i in range(invoices if ids else 0):
        status = _STATUSES[i % len(_STATUSES)]
        invoice = fake.create_invoice(
            ids[i % len(ids)], lines=1 + i % 3, amount=500 + 250 * (i % 7), status=status
        )
        if status == "paid":
            fake.update_invoice(invoice["id"], "invoice.paid", amount_paid=invoice["total"])


def seed_hubspot(fake: HubSpotFake, customers: int, invoices: int) -> None:
    """``customers`` contacts (one company per five), ``invoices`` invoices billed to them."""
    contacts = []
    for i in range(customers):
        given, family, email = _person(i)
        props = {"email": email, "firstname": given, "lastname": family}
        contacts.append(fake.create("contacts", props)["id"])
        if i % 5 == 0:
            fake.create("companies", {"name": f"{family} Ltd", "domain": f"{family.lower()}.io"})
    statuses = ("paid", "open", "paid", "draft", "voided")
    for i in range(invoices if contacts else 0):
        amount, status = f"{5 + 2.5 * (i % 7):.2f}", statuses[i % len(statuses)]
        paid = amount if status == "paid" else "0.00"
        props = {
            "hs_number": f"INV-{1000 + i}",
            "hs_currency": "USD",
            "hs_invoice_status": status,
            "hs_subtotal": amount,
            "hs_amount_billed": amount,
            "hs_amount_paid": paid,
            "hs_balance_due": f"{float(amount) - float(paid):.2f}",
        }
        invoice = fake.create("invoices", props)["id"]
        fake.associate("invoices", invoice, "contacts", contacts[i % len(contacts)])
