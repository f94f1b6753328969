"""Issue 18's second pass: lines, address groups, compounds, money beside its currency,
loadable-or-explained proposals, safe ids and status maps that survive unseen values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from canonical import Customer, Invoice, MappingError, Source
from mapping.suggest import suggest

SOURCE = Source(adapter="test", connection_id="c1")


def _line(i: int, qty: float, price: float) -> dict[str, Any]:
    return {"line_id": f"L{i}", "description": f"Item {i}", "quantity": qty,
            "unit_price": price, "amount": qty * price, "product_id": f"P{i}"}  # fmt: skip


def _invoice(i: int, status: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": f"inv_{i}", "number": f"100{i}", "status": status, "currency": "EUR",
            "total": sum(line["amount"] for line in lines), "lines": lines}  # fmt: skip


def test_invoice_lines_are_proposed_and_map() -> None:
    samples = [
        _invoice(1, "paid", [_line(1, 2.0, 10.5), _line(2, 1.0, 4.0)]),
        _invoice(2, "open", [_line(3, 3.0, 1.25)]),
    ]
    proposal = suggest("Invoice", samples=samples)
    assert proposal.lines is not None
    assert proposal.lines.source == "lines"
    chosen = {r.target: (r.source, r.transform) for r in proposal.lines.rules}
    assert chosen["amount"] == ("amount", "major_units")
    assert chosen["unit_amount"] == ("unit_price", "major_units")
    assert chosen["quantity"] == ("quantity", "decimal")
    assert chosen["remote_id"][0] == "line_id"
    assert chosen["product_remote_id"][0] == "product_id"
    rule = proposal.rule_for("lines.amount")
    assert rule is not None
    assert rule.samples[0].after == {"amount": "21.0", "currency": "EUR"}
    invoice = proposal.to_mapping("lines").compile().apply(samples[0], source=SOURCE)
    assert isinstance(invoice, Invoice)
    assert [line.amount.amount for line in invoice.lines] == [Decimal("21.0"), Decimal("4.0")]
    assert invoice.lines[0].quantity == Decimal("2.0")
    assert not any(u.path.startswith("lines[0].amount") for u in proposal.unmapped)


def test_flat_prefix_coded_addresses_are_grouped() -> None:
    records = [
        {"id": "1", "organization": "Acme", "p_street": "1 Main St", "p_city": "Toronto",
         "p_province": "ON", "p_code": "M5V 1A1", "s_street": "9 Dock Rd", "s_city": "Halifax",
         "s_province": "NS", "s_code": "B3H 1A1"},
        {"id": "2", "organization": "Beta", "p_street": "2 King St", "p_city": "Ottawa",
         "p_province": "ON", "p_code": "K1A 0B1", "s_street": "", "s_city": "", "s_province": "",
         "s_code": ""},
    ]  # fmt: skip
    chosen = {r.target: r.source for r in suggest("Customer", samples=records).rules}
    assert chosen["billing_address.line1"] == "p_street"
    assert chosen["billing_address.city"] == "p_city"
    assert chosen["billing_address.region"] == "p_province"
    assert chosen["billing_address.postal_code"] == "p_code"
    assert chosen["shipping_address.city"] == "s_city"
    assert chosen["shipping_address.postal_code"] == "s_code"


def test_numbered_address_groups_are_billing_then_shipping() -> None:
    records = [
        {"accountid": f"a-{i}", "name": f"Contoso {i}", "address1_line1": f"{i} Pine St",
         "address1_city": "Seattle", "address1_postalcode": "98101", "address2_line1": "1 Dock",
         "address2_city": "Tacoma", "address2_postalcode": "98402", "currency_code": "USD"}
        for i in (1, 2)
    ]  # fmt: skip
    chosen = {r.target: r.source for r in suggest("Customer", samples=records).rules}
    assert chosen["billing_address.line1"] == "address1_line1"
    assert chosen["billing_address.postal_code"] == "address1_postalcode"
    assert chosen["shipping_address.city"] == "address2_city"
    assert chosen["currency"] == "currency_code"


def test_one_word_compounds_are_split() -> None:
    records = [
        {"contactid": "c-1", "fullname": "Ada Lovelace", "createdon": "2024-01-02T03:04:05Z",
         "modifiedon": "2024-02-02T03:04:05Z", "emailaddress1": "ada@example.com"},
        {"contactid": "c-2", "fullname": "Alan Turing", "createdon": "2024-01-03T03:04:05Z",
         "modifiedon": "2024-02-03T03:04:05Z", "emailaddress1": "alan@example.com"},
    ]  # fmt: skip
    chosen = {r.target: r.source for r in suggest("Customer", samples=records).rules}
    assert chosen["remote_id"] == "contactid"
    assert chosen["name"] == "fullname"
    assert chosen["created_at"] == "createdon"
    assert chosen["updated_at"] == "modifiedon"


def test_an_invoice_without_issue_date_is_issued_when_created() -> None:
    records = [
        {"id": "a", "state": "paid", "currency": "USD", "total": 10.0,
         "created_at": "2024-01-01T00:00:00Z"},
        {"id": "b", "state": "void", "currency": "USD", "total": 5.0,
         "created_at": "2024-02-01T00:00:00Z"},
    ]  # fmt: skip
    proposal = suggest("Invoice", samples=records)
    created, issued = proposal.rule_for("created_at"), proposal.rule_for("issued_at")
    assert created is not None
    assert issued is not None
    assert created.source == issued.source == "created_at"
    assert "no issue-date field" in issued.rationale


# -- item 6: money inside lists, loadable or explained ------------------------------------


def _square(i: int, amount: int, currency: str) -> dict[str, Any]:
    money = {"amount": amount, "currency": currency}
    return {"id": f"inv:{i}", "status": "UNPAID", "invoice_number": f"000{i}",
            "payment_requests": [{"uid": f"r{i}", "total_money": money}]}  # fmt: skip


def test_money_in_a_list_takes_the_currency_beside_it_and_the_mapping_loads() -> None:
    samples = [_square(1, 10000, "USD"), _square(2, 5500, "JPY")]
    proposal = suggest("Invoice", samples=samples)
    assert proposal.complete, proposal.missing
    currency = proposal.rule_for("currency")
    assert currency is not None
    assert currency.source == "payment_requests[0].total_money.currency"
    total = proposal.rule_for("total")
    assert total is not None
    assert total.args == {"currency": "payment_requests[0].total_money.currency"}
    invoice = proposal.to_mapping("square").compile().apply(samples[1], source=SOURCE)
    assert isinstance(invoice, Invoice)
    assert invoice.currency == "JPY"
    assert invoice.total is not None
    assert invoice.total.amount == Decimal(5500)


def test_a_proposal_that_cannot_load_says_why_and_what_to_add() -> None:
    samples = [
        {"id": "1", "status": "paid", "total": 100, "due": "2024-01-01"},
        {"id": "2", "status": "draft", "total": 250, "due": "2024-02-01"},
    ]
    proposal = suggest("Invoice", samples=samples)
    assert not proposal.complete
    [missing] = proposal.missing
    assert missing.target == "currency"
    assert "no ISO-4217 currency code" in missing.reason
    assert "const" in missing.hint
    with pytest.raises(MappingError) as caught:
        proposal.to_mapping("no-currency")
    assert caught.value.rule == "currency"
    assert "const" in str(caught.value)


# -- item 7: dangerous identifiers --------------------------------------------------------


def _billing(uid: str, number: str, customer: int) -> dict[str, Any]:
    return {"uid": uid, "site_id": 4242, "customer_id": customer, "subscription_id": 77,
            "number": number, "status": "paid", "currency": "USD",
            "total_amount": "12.00"}  # fmt: skip


def test_remote_id_never_comes_from_a_parent_or_constant_field() -> None:
    samples = [_billing("inv_a", "1", 5), _billing("inv_b", "2", 5), _billing("inv_c", "3", 9)]
    proposal = suggest("Invoice", samples=samples)
    rule = proposal.rule_for("remote_id")
    assert rule is None or rule.source not in {"site_id", "customer_id", "subscription_id"}
    assert rule is None
    [missing] = proposal.missing
    assert missing.target == "remote_id"
    assert "site_id repeats a value" in missing.reason
    assert "customer_id repeats a value" in missing.reason
    assert "subscription_id repeats a value" in missing.reason


def test_remote_id_refuses_repeating_and_nested_ids() -> None:
    samples = [
        {"id": "same", "customer": {"id": "c1"}, "email": "a@example.com"},
        {"id": "same", "customer": {"id": "c2"}, "email": "b@example.com"},
    ]
    proposal = suggest("Customer", samples=samples)
    assert proposal.rule_for("remote_id") is None
    assert proposal.missing[0].target == "remote_id"


def test_remote_id_from_one_sample_says_the_evidence_is_thin() -> None:
    proposal = suggest("Customer", samples=[{"id": "cus_1", "email": "a@example.com"}])
    rule = proposal.rule_for("remote_id")
    assert rule is not None
    assert rule.source == "id"
    assert "one sample only" in rule.rationale


# -- item 8: status maps survive values the samples did not show ---------------------------


def test_a_status_learned_from_one_sample_maps_unseen_values() -> None:
    sample = {"Id": "1", "Status": "Posted", "CurrencyCode": "USD"}
    proposal = suggest("Invoice", samples=[sample])
    status = proposal.rule_for("status")
    assert status is not None
    assert status.args["default"] == "open"
    assert status.args["values"]["Draft"] == "draft"
    assert "not seen" in status.rationale
    compiled = proposal.to_mapping("one-status").compile()
    draft = compiled.apply({**sample, "Status": "Draft"}, source=SOURCE)
    assert isinstance(draft, Invoice)
    assert draft.status.value == "draft"
    other = compiled.apply({**sample, "Status": "Awaiting Approval"}, source=SOURCE)
    assert isinstance(other, Invoice)
    assert other.status.value == "open"


def test_a_schema_enum_is_mapped_with_every_documented_value() -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "currency": {"type": "string", "example": "EUR"},
            "status": {"type": "string", "enum": ["draft", "sent", "paid", "void", "scheduled"]},
        },
    }
    status = suggest("Invoice", schema=schema).rule_for("status")
    assert status is not None
    assert {"draft", "sent", "paid", "void"} <= set(status.args["values"])
    assert "documented values not recognised: scheduled" in status.rationale
    assert status.args["default"] == "open"


def test_unknown_sample_values_are_still_not_guessed() -> None:
    records = [{"id": "1", "status": "paid", "currency": "USD"},
               {"id": "2", "status": "EmailSent", "currency": "USD"}]  # fmt: skip
    proposal = suggest("Invoice", samples=records)
    assert proposal.rule_for("status") is None
    assert any(d.target == "status" and "EmailSent" in d.reason for d in proposal.dropped)


def test_a_deleted_state_fills_remote_was_deleted() -> None:
    records = [{"id": "1", "email": "a@example.com", "status": "active"},
               {"id": "2", "email": "b@example.com", "status": "archived"}]  # fmt: skip
    proposal = suggest("Customer", samples=records)
    rule = proposal.rule_for("remote_was_deleted")
    assert rule is not None
    mapped = proposal.to_mapping("del").compile().apply(records[1], source=SOURCE)
    assert isinstance(mapped, Customer)
    assert mapped.remote_was_deleted is True
