"""The Stripe fake refuses what the real API refuses, in Stripe's error shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from plugins.fakes import STRIPE_API_KEY, StripeFake
from plugins.fakes._stripe_versions import PINNED, PRE_BASIL


def _get(fake: StripeFake, path: str, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {STRIPE_API_KEY}"}
    return httpx.get(fake.url + path, params=params, headers=headers)


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_a_wildcard_in_types_is_refused_with_its_param(fake: StripeFake) -> None:
    response = _get(fake, "/v1/events", **{"types[0]": "invoice.paid", "types[1]": "invoice.*"})
    assert response.status_code == 400
    error = _error(response)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "types[1]"
    assert "exact" in error["message"]
    assert error["doc_url"].startswith("https://stripe.com/docs/error-codes/")


def test_types_takes_at_most_twenty_names(fake: StripeFake) -> None:
    names = {f"types[{n}]": "invoice.paid" for n in range(21)}
    response = _get(fake, "/v1/events", **names)
    assert response.status_code == 400
    assert _error(response)["param"] == "types"


def test_type_takes_one_wildcard(fake: StripeFake) -> None:
    customer = fake.create_customer()
    fake.create_invoice(customer["id"])
    response = _get(fake, "/v1/events", type="invoice.*")
    assert response.status_code == 200
    assert [e["type"] for e in response.json()["data"]] == ["invoice.created"]


def test_type_and_types_do_not_combine(fake: StripeFake) -> None:
    response = _get(fake, "/v1/events", type="invoice.*", **{"types[0]": "invoice.paid"})
    assert response.status_code == 400
    assert _error(response)["param"] == "type"
    assert _get(fake, "/v1/events", type="*.*.*").status_code == 400


def test_a_deleted_object_is_refused_as_a_cursor(fake: StripeFake) -> None:
    gone = fake.create_customer()
    fake.create_customer()
    fake.delete_customer(gone["id"])
    response = _get(fake, "/v1/customers", starting_after=gone["id"])
    assert response.status_code == 400
    error = _error(response)
    assert (error["code"], error["param"]) == ("resource_missing", "starting_after")
    assert error["doc_url"] == "https://stripe.com/docs/error-codes/resource-missing"
    assert gone["id"] in error["message"]


@pytest.mark.parametrize("retry_after", [None, 2.0])
def test_rate_limit_answers_429_with_or_without_retry_after(
    fake: StripeFake, retry_after: float | None
) -> None:
    fake.rate_limit_next(retry_after=retry_after)
    response = _get(fake, "/v1/customers")
    assert response.status_code == 429
    assert _error(response)["code"] == "rate_limit"
    assert response.headers.get("retry-after") == (None if retry_after is None else "2")
    assert _get(fake, "/v1/customers").status_code == 200


def test_events_render_their_object_at_the_version_of_their_creation(fake: StripeFake) -> None:
    customer = fake.create_customer()
    fake.api_version = PRE_BASIL
    old = fake.create_invoice(customer["id"], lines=2, amount=500, tax=50)
    fake.api_version = PINNED
    fake.update_invoice(old["id"], description="now")
    events = _get(
        fake, "/v1/events", **{"types[0]": "invoice.created", "types[1]": "invoice.updated"}
    )
    updated, created = events.json()["data"]
    assert created["api_version"] == PRE_BASIL
    obj = created["data"]["object"]
    assert "total_taxes" not in obj
    assert obj["tax"] == 100
    assert [t["amount"] for t in obj["total_tax_amounts"]] == [100]
    assert "pricing" not in obj["lines"]["data"][0]
    assert obj["lines"]["data"][0]["tax_amounts"][0]["amount"] == 50
    assert updated["api_version"] == PINNED
    assert [t["amount"] for t in updated["data"]["object"]["total_taxes"]] == [100]
