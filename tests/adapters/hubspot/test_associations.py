"""v4 association reads: per-object paging and 207 multi-status (issue 13, item 7)."""

from __future__ import annotations

import pytest

from canonical import AdapterError, Invoice, Source
from plugins.fakes import HubSpotFake
from tests.adapters.hubspot.conftest import MakeAdapter, drain


def _invoice(fake: HubSpotFake, lines: int) -> str:
    invoice = fake.create("invoices", {"hs_currency": "usd", "hs_invoice_status": "open"})
    for n in range(lines):
        line = fake.create(
            "line_items", {"name": f"L{n}", "amount": "1.00", "hs_line_item_currency_code": "USD"}
        )
        fake.associate("invoices", invoice["id"], "line_items", line["id"])
    return str(invoice["id"])


def test_an_invoice_with_more_lines_than_an_association_page_gets_them_all(
    loopback: object, make_adapter: MakeAdapter, fake: HubSpotFake, source: Source
) -> None:
    fake.association_page_size = 5
    big, small = _invoice(fake, 12), _invoice(fake, 3)
    adapter = make_adapter()
    records, _ = drain(adapter, "invoices")
    by_id = {r["id"]: r for r in records}
    assert [line["properties"]["name"] for line in by_id[big]["line_items"]] == [
        f"L{n}" for n in range(12)
    ]
    assert len(by_id[small]["line_items"]) == 3
    mapped = adapter.default_mapping("invoices").compile().apply(by_id[big], source=source)
    assert isinstance(mapped, Invoice)
    assert len(mapped.lines) == 12


def test_an_invoice_without_associations_is_not_an_error(
    make_adapter: MakeAdapter, fake: HubSpotFake
) -> None:
    bare = _invoice(fake, 0)
    records, _ = drain(make_adapter(), "invoices")
    assert records[0]["id"] == bare
    assert records[0]["line_items"] == []
    assert records[0]["associations"]["contacts"] == {"results": []}


def test_a_207_error_for_one_invoice_is_read_again(
    make_adapter: MakeAdapter, fake: HubSpotFake, sleeps: list[float]
) -> None:
    flaky, fine = _invoice(fake, 2), _invoice(fake, 1)
    fake.fail_associations(flaky, times=2)
    records, _ = drain(make_adapter(), "invoices")
    by_id = {r["id"]: r for r in records}
    assert len(by_id[flaky]["line_items"]) == 2
    assert len(by_id[fine]["line_items"]) == 1
    reads = [r.json()["inputs"] for r in fake.requests if "/v4/associations/" in r.path]
    assert [{"id": flaky}] in reads  # only the failed input is asked again


def test_an_invoice_whose_associations_keep_failing_stops_the_page_loudly(
    make_adapter: MakeAdapter, fake: HubSpotFake
) -> None:
    flaky = _invoice(fake, 2)
    fake.fail_associations(flaky, times=100)
    with pytest.raises(AdapterError, match=flaky) as caught:
        drain(make_adapter(max_attempts=3), "invoices")
    assert caught.value.retryable


def test_a_line_item_read_failing_in_a_207_is_read_again(
    make_adapter: MakeAdapter, fake: HubSpotFake
) -> None:
    invoice = _invoice(fake, 3)
    line = fake.links[("invoices", "line_items")][invoice][1]
    fake.fail_reads(line, times=2)
    records, _ = drain(make_adapter(), "invoices")
    assert [x["id"] for x in records[0]["line_items"]] == fake.links[("invoices", "line_items")][
        invoice
    ]


def test_a_line_item_read_that_keeps_failing_stops_the_page_loudly(
    make_adapter: MakeAdapter, fake: HubSpotFake
) -> None:
    invoice = _invoice(fake, 2)
    line = fake.links[("invoices", "line_items")][invoice][0]
    fake.fail_reads(line, times=100)
    with pytest.raises(AdapterError, match=line) as caught:
        drain(make_adapter(max_attempts=2), "invoices")
    assert caught.value.retryable


def test_a_missing_record_is_none_not_an_error(
    make_adapter: MakeAdapter, fake: HubSpotFake
) -> None:
    adapter = make_adapter()
    assert adapter.fetch_record("contacts", "999999") is None
    reads = [r for r in fake.requests if r.path.endswith("/batch/read")]
    assert len(reads) == 1  # a 207 OBJECT_NOT_FOUND is an answer, not asked again
