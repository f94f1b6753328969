"""Customer, Invoice, InvoiceLine and Event: shapes, validators, ids, model lookup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from canonical import (
    Customer,
    CustomerKind,
    Event,
    EventType,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Money,
    SchemaError,
    Source,
    canonical_id,
    model_by_name,
)

SOURCE = Source(adapter="stripe", connection_id="conn_1")


def _line(raw: dict[str, Any], currency: str) -> InvoiceLine:
    return InvoiceLine(
        remote_id=raw["id"],
        description=raw["description"],
        quantity=Decimal(raw["quantity"]),
        amount=Money.from_minor(raw["amount"], currency),
        period_start=raw["period"]["start"],
        period_end=raw["period"]["end"],
    )


def _invoice(raw: dict[str, Any]) -> Invoice:
    currency = raw["currency"]
    return Invoice(
        remote_id=raw["id"],
        source=SOURCE,
        created_at=raw["created"],
        status=raw["status"],
        currency=currency,
        customer_remote_id=raw["customer"],
        lines=[_line(line, currency) for line in raw["lines"]["data"]],
        subtotal=Money.from_minor(raw["subtotal"], currency),
        total=Money.from_minor(raw["total"], currency),
        amount_due=Money.from_minor(raw["amount_due"], currency),
        amount_paid=Money.from_minor(raw["amount_paid"], currency),
        due_at=raw["due_date"],
        remote_data=raw,
    )


def test_customer_from_the_stripe_fixture(stripe_fixture) -> None:
    raw = stripe_fixture("customer")
    customer = Customer(
        remote_id=raw["id"],
        source=SOURCE,
        created_at=raw["created"],
        name=raw["name"],
        email=raw["email"],
        currency=raw["currency"],
        remote_data=raw,
    )
    assert customer.currency == "USD"
    assert customer.kind is CustomerKind.PERSON
    assert customer.created_at == datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)
    assert customer.id == canonical_id("customer", "conn_1", raw["id"])
    assert "remote_data" not in repr(customer)


def test_canonical_id_is_stable_and_scoped() -> None:
    first = canonical_id("customer", "conn_1", "cus_1")
    assert first == canonical_id("customer", "conn_1", "cus_1")
    assert first != canonical_id("customer", "conn_2", "cus_1")
    assert first != canonical_id("invoice", "conn_1", "cus_1")
    assert Customer(remote_id="cus_1", source=SOURCE, id="mine").id == "mine"


def test_customer_validation() -> None:
    with pytest.raises(ValidationError, match="unknown currency"):
        Customer(remote_id="c", source=SOURCE, currency="XYZ")
    with pytest.raises(ValidationError, match="time zone"):
        Customer(remote_id="c", source=SOURCE, created_at=datetime(2024, 1, 1))
    with pytest.raises(ValidationError, match="extra"):
        Customer.model_validate({"remote_id": "c", "source": SOURCE, "full_name": "x"})
    with pytest.raises(ValidationError):
        Customer(remote_id="", source=SOURCE)
    paris = timezone(timedelta(hours=1))
    customer = Customer(
        remote_id="c", source=SOURCE, updated_at=datetime(2024, 1, 1, 1, tzinfo=paris)
    )
    assert customer.updated_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert customer.updated_at.tzinfo is UTC


def test_customer_assignment_is_validated() -> None:
    customer = Customer(remote_id="c", source=SOURCE)
    customer.email = "Ann@Example.COM"
    assert customer.email == "Ann@example.com"
    with pytest.raises(ValidationError):
        customer.email = "nope"


def test_invoice_from_the_stripe_fixture(stripe_fixture) -> None:
    invoice = _invoice(stripe_fixture("invoice"))
    assert invoice.status is InvoiceStatus.DRAFT
    assert invoice.currency == "USD"
    assert invoice.total == Money(amount="10.00", currency="USD")
    assert invoice.lines[0].amount.to_minor() == 1000
    assert invoice.lines[0].period_start == datetime.fromtimestamp(1721954054, UTC)
    assert sum(line.amount for line in invoice.lines) == invoice.subtotal
    assert invoice.id == canonical_id("invoice", "conn_1", invoice.remote_id)


def test_zero_decimal_invoice_variant(stripe_fixture) -> None:
    raw = stripe_fixture("invoice")
    raw["currency"] = "jpy"
    for line in raw["lines"]["data"]:
        line["currency"] = "jpy"
    invoice = _invoice(raw)
    assert invoice.total == Money(amount="1000", currency="JPY")
    assert invoice.total is not None
    assert invoice.total.to_minor() == 1000


def test_invoice_json_round_trip(stripe_fixture) -> None:
    invoice = _invoice(stripe_fixture("invoice"))
    data = invoice.model_dump(mode="json")
    assert data["total"] == {"amount": "10.00", "currency": "USD"}
    assert Invoice.model_validate(data) == invoice
    assert Invoice.model_validate_json(invoice.model_dump_json()) == invoice


def _amount(value: str, currency: str = "USD") -> Money:
    return Money(amount=value, currency=currency)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"total": _amount("1", "EUR")}, "total is in EUR"),
        ({"tax": _amount("1", "GBP")}, "tax is in GBP"),
        ({"lines": [InvoiceLine(amount=_amount("1", "EUR"))]}, "lines[0].amount is in EUR"),
        (
            {
                "lines": [InvoiceLine(amount=_amount("1"), discount=_amount("1"))] * 2
                + [InvoiceLine(amount=_amount("1", "EUR"), tax=_amount("1", "EUR"))]
            },
            "lines[2].amount is in EUR",
        ),
    ],
)
def test_invoice_holds_one_currency(changes: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError, match=where.replace("[", r"\[").replace("]", r"\]")):
        Invoice(remote_id="in_1", source=SOURCE, status="open", currency="USD", **changes)


def test_invoice_line_holds_one_currency() -> None:
    with pytest.raises(ValidationError, match="line amount is in USD but tax is in EUR"):
        InvoiceLine(amount=_amount("1"), tax=_amount("0.2", "EUR"))
    with pytest.raises(ValidationError, match="unit_amount is in JPY"):
        InvoiceLine(amount=_amount("1"), unit_amount=_amount("1", "JPY"))


def test_invoice_currency_is_checked_on_assignment() -> None:
    invoice = Invoice(remote_id="in_1", source=SOURCE, status="paid", currency="usd")
    invoice.total = _amount("5")
    assert invoice.total == _amount("5")
    with pytest.raises(ValidationError, match="total is in EUR"):
        invoice.total = _amount("5", "EUR")
    with pytest.raises(ValidationError):
        invoice.status = "lost"  # type: ignore[assignment]


def test_invoice_amounts_lists_every_money_with_its_path() -> None:
    invoice = Invoice(
        remote_id="in_1",
        source=SOURCE,
        status="open",
        currency="USD",
        tax=_amount("1"),
        lines=[InvoiceLine(amount=_amount("2"), tax=_amount("0.5"))],
    )
    assert [path for path, _ in invoice.amounts()] == ["tax", "lines[0].amount", "lines[0].tax"]


def _event(**kw: Any) -> Event:
    fields: dict[str, Any] = {
        "type": EventType.INVOICE_PAID,
        "source": SOURCE,
        "vendor_event_id": "evt_1",
        "vendor_event_type": "invoice.paid",
        "occurred_at": 1234567890,
    }
    return Event(**{**fields, **kw})


def test_event_id_is_derived_from_connection_and_vendor_id() -> None:
    event = _event()
    assert event.id == canonical_id("event", "conn_1", "evt_1")
    assert _event().id == event.id
    assert _event(id="mine").id == "mine"


def test_event_wrapping_an_invoice(stripe_fixture) -> None:
    invoice = _invoice(stripe_fixture("invoice"))
    event = _event(data=invoice)
    assert event.object_type == "invoice"
    assert event.object_remote_id == invoice.remote_id
    data = event.model_dump(mode="json")
    again = Event.model_validate(data)
    assert isinstance(again.data, Invoice)
    assert again == event


def test_event_data_must_agree_with_its_fields(stripe_fixture) -> None:
    invoice = _invoice(stripe_fixture("invoice"))
    with pytest.raises(ValidationError, match="object_remote_id is 'in_other'"):
        _event(data=invoice, object_remote_id="in_other")
    with pytest.raises(ValidationError, match="object_type is 'customer'"):
        _event(data=invoice, object_type="customer")
    with pytest.raises(ValidationError, match="does not concern a customer"):
        _event(object_type="customer")
    assert _event(type=EventType.OTHER, object_type="customer").object_type == "customer"


def test_event_for_a_deleted_customer() -> None:
    customer = Customer(remote_id="cus_9", source=SOURCE, remote_was_deleted=True)
    event = _event(type="customer.deleted", vendor_event_type="customer.deleted", data=customer)
    assert event.type is EventType.CUSTOMER_DELETED
    assert isinstance(Event.model_validate_json(event.model_dump_json()).data, Customer)


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("Customer", Customer),
        ("Invoice", Invoice),
        ("InvoiceLine", InvoiceLine),
        ("Event", Event),
        ("customer", Customer),
        (" invoiceline ", InvoiceLine),
    ],
)
def test_model_by_name(name: str, model: type) -> None:
    assert model_by_name(name) is model


def test_model_by_name_unknown() -> None:
    with pytest.raises(SchemaError, match="no canonical model named 'Contact'") as info:
        model_by_name("Contact")
    assert "Customer" in str(info.value)
