"""The deterministic matcher on real Stripe objects and HubSpot-style records."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from canonical import Invoice, Source
from mapping.suggest import collect_fields, suggest
from mapping.suggest._tokens import tokens

REPO = Path(__file__).resolve().parents[3]
SOURCE = Source(adapter="test", connection_id="c1")


def _hubspot(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (REPO / f"adapters/hubspot/samples/{name}.json").read_text()
    )
    return data


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("PrimaryEmailAddr.Address", ("primary", "email", "address", "address")),
        ("billing_address.zip", ("billing", "address", "zip")),
        ("TotalAmt", ("total", "amount")),
        ("Addresses[0].AddressLine1", ("address", "address", "line", "1")),
        ("properties.firstname", ("property", "first", "name")),
        ("due-date", ("due", "date")),
        ("MailingPostalCode", ("mailing", "postal", "code")),
    ],
)
def test_paths_become_tokens(path: str, expected: tuple[str, ...]) -> None:
    assert tokens(path) == expected


def test_value_patterns_are_recognised() -> None:
    records = [
        {"a": "x@example.com", "b": 1_700_000_000, "c": 1_700_000_000_000, "d": "usd",
         "e": "2024-01-02", "f": "2024-01-02T03:04:05Z", "g": "12.50", "h": 1250, "i": "US",
         "j": "+1 (415) 555-0100", "k": True},
    ]  # fmt: skip
    patterns = {f.path: f.pattern for f in collect_fields(records)}
    assert patterns == {
        "a": "email", "b": "unix_seconds", "c": "unix_ms", "d": "currency_code", "e": "iso_date",
        "f": "iso_datetime", "g": "decimal_text", "h": "integer", "i": "country_code",
        "j": "phone", "k": "boolean",
    }  # fmt: skip


def test_stripe_invoice(stripe_fixture: Callable[[str], dict[str, Any]]) -> None:
    invoice = stripe_fixture("invoice")
    paid = {**invoice, "id": "in_paid", "status": "paid", "currency": "jpy", "total": 5000}
    proposal = suggest("Invoice", samples=[invoice, paid])
    rules = {r.target: r for r in proposal.rules}
    assert (rules["remote_id"].source, rules["remote_id"].transform) == ("id", None)
    assert (rules["currency"].source, rules["currency"].transform) == ("currency", "upper")
    assert (rules["total"].transform, rules["total"].args) == ("minor_units", {})
    assert rules["created_at"].transform == "unix_seconds"
    assert rules["due_at"].source == "due_date"
    status = rules["status"]
    assert status.args["values"]["draft"] == "draft"
    assert status.args["values"]["paid"] == "paid"
    assert status.args["values"]["void"] == "void"  # the rest of the vocabulary, same case
    assert rules["total"].samples[1].before == 5000
    assert rules["total"].samples[1].after == {"amount": "5000", "currency": "JPY"}
    assert all(0 < r.confidence <= 1 and r.rationale for r in proposal.rules)
    mapping = proposal.to_mapping("stripe-suggested", "0.1.0")
    mapped = mapping.compile().apply(paid, source=SOURCE)
    assert isinstance(mapped, Invoice)
    assert mapped.total is not None
    assert mapped.total.amount == Decimal(5000)
    assert mapped.status.value == "paid"


def test_stripe_customer(stripe_fixture: Callable[[str], dict[str, Any]]) -> None:
    customer = stripe_fixture("customer")
    filled = {
        **customer,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "phone": "+44 20 7946",
    }
    proposal = suggest("Customer", samples=[customer, filled])
    chosen = {r.target: r.source for r in proposal.rules}
    assert chosen["email"] == "email"
    assert chosen["name"] == "name"
    assert chosen["billing_address.city"] == "address.city"
    assert chosen["billing_address.region"] == "address.state"
    assert chosen["created_at"] == "created"
    assert "balance" in {u.path for u in proposal.unmapped}
    assert "tax_exempt" in {u.path for u in proposal.unmapped}


def test_hubspot_contacts_join_the_name_and_read_properties() -> None:
    proposal = suggest("Customer", samples=_hubspot("contacts"))
    chosen = {r.target: (r.source, r.transform) for r in proposal.rules}
    assert chosen["given_name"] == ("properties.firstname", "normalize_space")
    assert chosen["family_name"] == ("properties.lastname", "normalize_space")
    assert chosen["name"] == ("properties.firstname + properties.lastname", "join")
    assert chosen["email"] == ("properties.email", "strip")
    assert chosen["billing_address.postal_code"] == ("properties.zip", "normalize_space")
    assert chosen["created_at"] == ("createdAt", "iso_datetime")
    assert chosen["remote_was_deleted"] == ("archived", None)
    name = proposal.rule_for("name")
    assert name is not None
    assert name.samples[0].after == "Ada Lovelace"


def test_hubspot_invoices_decimal_money_takes_the_currency_field() -> None:
    proposal = suggest("Invoice", samples=_hubspot("invoices"))
    total = proposal.rule_for("amount_due")
    assert total is not None
    assert total.source == "properties.hs_balance_due"
    assert set(total.rules) == {"amount_due.amount", "amount_due.currency"}
    assert total.rules["amount_due.currency"].source == "properties.hs_currency"
    assert total.samples[0].after == {"amount": "20.00", "currency": "USD"}
    status = proposal.rule_for("status")
    assert status is not None
    assert status.source == "properties.hs_invoice_status"


def test_one_vendor_field_fills_one_target_and_vice_versa() -> None:
    records = [{"id": "1", "email": "a@example.com", "status": "paid", "currency": "EUR",
                "total": 100, "date": "2024-01-01", "due_date": "2024-02-01"}]  # fmt: skip
    proposal = suggest("Invoice", samples=records)
    sources = [r.source for r in proposal.rules]
    targets = [r.target for r in proposal.rules]
    assert len(sources) == len(set(sources))
    assert len(targets) == len(set(targets))
    chosen = dict(zip(targets, sources, strict=True))
    assert chosen["issued_at"] == "date"
    assert chosen["due_at"] == "due_date"


def test_money_without_a_currency_field_is_not_proposed() -> None:
    proposal = suggest("Invoice", samples=[{"id": "1", "total": 100, "status": "paid"}])
    assert proposal.rule_for("total") is None
    assert "total" in {u.path for u in proposal.unmapped}


def test_unknown_enum_values_are_not_guessed() -> None:
    records = [
        {"id": "1", "state": "NotSet", "currency": "USD"},
        {"id": "2", "state": "EmailSent", "currency": "USD"},
    ]
    proposal = suggest("Invoice", samples=records)
    assert proposal.rule_for("status") is None
