"""AcmeAdapter against the loopback fake: paging, resuming, auth, retries and mapping."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from acme_fake import AcmeFake, make_invoices
from canonry_acme import AcmeAdapter

from canonical import (
    AuthenticationError,
    ConfigurationError,
    Customer,
    Invoice,
    InvoiceStatus,
    Money,
    Source,
    ValidationFailed,
)

MakeAcme = Callable[..., AcmeAdapter]


def test_reads_every_customer_page_by_page_with_the_bearer_key(
    acme: AcmeFake, make_acme: MakeAcme
) -> None:
    pages = list(make_acme().read("customers"))

    assert [[r["id"] for r in p.records] for p in pages] == [
        ["cus_0001", "cus_0002"],
        ["cus_0003", "cus_0004"],
        ["cus_0005"],
    ]
    assert pages[-1].cursor is None
    assert all(r["authorization"] == f"Bearer {acme.api_key}" for r in acme.requests)
    tokens = [page.cursor["token"] for page in pages[:-1] if page.cursor is not None]
    assert [r["query"].get("after") for r in acme.requests] == [None] + [[t] for t in tokens]


def test_resumes_after_a_saved_cursor_on_a_new_adapter(make_acme: MakeAcme) -> None:
    first = next(iter(make_acme().read("invoices")))

    rest = [r["id"] for p in make_acme().read("invoices", first.cursor) for r in p.records]

    assert [r["id"] for r in first.records] == ["inv_0001", "inv_0002"]
    assert rest == ["inv_0003", "inv_0004", "inv_0005"]


def test_invoice_cents_become_exact_money_with_lines(make_acme: MakeAcme) -> None:
    adapter = make_acme()
    record = next(iter(adapter.read("invoices"))).records[0]

    invoice = (
        adapter.default_mapping("invoices")
        .compile()
        .apply(record, source=Source(adapter="acme", connection_id="conn_test"))
    )

    assert isinstance(invoice, Invoice)
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.total == Money(amount=Decimal("36.30"), currency="USD")
    assert [line.amount.amount for line in invoice.lines] == [Decimal("25.00"), Decimal("8.00")]
    assert invoice.paid_at is not None
    assert invoice.paid_at.utcoffset() is not None


def test_zero_decimal_currency_amounts_are_not_divided(acme: AcmeFake, make_acme: MakeAcme) -> None:
    acme.invoices[:] = make_invoices(1, currency="jpy")
    adapter = make_acme()
    record = next(iter(adapter.read("invoices"))).records[0]

    invoice = (
        adapter.default_mapping("invoices")
        .compile()
        .apply(record, source=Source(adapter="acme", connection_id="conn_test"))
    )

    assert invoice.total == Money(amount=Decimal("3630"), currency="JPY")


def test_customers_map_kind_address_and_metadata(make_acme: MakeAcme) -> None:
    adapter = make_acme()
    records = [r for p in adapter.read("customers") for r in p.records]
    mapping = adapter.default_mapping("customers").compile()
    source = Source(adapter="acme", connection_id="conn_test")

    customers = [mapping.apply(r, source=source) for r in records]

    assert all(isinstance(c, Customer) for c in customers)
    business = customers[2]
    assert business.kind == "organization"
    assert business.company_name == "Company 3"
    assert business.billing_address is not None
    assert business.billing_address.country == "US"
    assert business.custom_fields == {"segment": "smb"}


def test_check_is_ok_against_the_fake(make_acme: MakeAcme) -> None:
    result = make_acme().check()

    assert result.ok, result.message


def test_check_with_a_revoked_key_says_what_to_do_without_the_key(make_acme: MakeAcme) -> None:
    result = make_acme({"api_key": "acme_revoked_key_987654"}).check()

    assert not result.ok
    assert "rotate" in result.message
    assert result.details == {"status": 401}
    assert "acme_revoked_key_987654" not in repr(result)


def test_reading_with_a_revoked_key_raises_authentication_error(make_acme: MakeAcme) -> None:
    with pytest.raises(AuthenticationError) as caught:
        list(make_acme({"api_key": "acme_revoked_key_987654"}).read("customers"))

    assert caught.value.status == 401
    assert "acme_revoked_key_987654" not in str(caught.value)


def test_rate_limited_request_is_retried(acme: AcmeFake, make_acme: MakeAcme) -> None:
    acme.fail_next.append((429, {"Retry-After": "0"}))

    ids = [r["id"] for p in make_acme().read("customers") for r in p.records]

    assert len(ids) == 5
    assert acme.requests[0]["query"] == acme.requests[1]["query"]  # the same page, twice


def test_unknown_stream_is_a_configuration_error_listing_the_streams(make_acme: MakeAcme) -> None:
    with pytest.raises(ConfigurationError, match="customers, invoices"):
        list(make_acme().read("payments"))


def test_bad_config_is_refused_clearly_without_echoing_credentials() -> None:
    with pytest.raises(ValidationFailed, match="page_size"):
        AcmeAdapter({"page_size": 0}, {"api_key": "acme_test_key_0123456789"})
    with pytest.raises(ValidationFailed, match="api_key") as caught:
        AcmeAdapter({}, {"api_key": "", "extra": "acme_test_key_0123456789"})
    assert "acme_test_key_0123456789" not in str(caught.value)


def test_the_http_seam_takes_an_injected_client(acme: AcmeFake) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"data": [{"id": "cus_x"}], "next_cursor": None})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        adapter = AcmeAdapter(
            {"base_url": "https://acme.test/v1"}, {"api_key": "k_12345678"}, http=client
        )
        pages = list(adapter.read("customers"))

    assert [r["id"] for r in pages[0].records] == ["cus_x"]
    assert seen == ["Bearer k_12345678"]
