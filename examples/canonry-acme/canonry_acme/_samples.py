"""Representative Acme Billing records, exactly as the API returns them.

``AcmeAdapter.sample_records`` serves them to the contract kit, which maps each one with
the default mappings; keep them covering the shapes that matter (nulls, a business and a
person, a paid and an open invoice, a zero-decimal currency).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SAMPLE_RECORDS"]

_CUSTOMERS: tuple[dict[str, Any], ...] = (
    {
        "id": "cus_0001",
        "type": "individual",
        "name": "Ada Lovelace",
        "email": "Ada@Example.COM",
        "phone": "+44 20 7946 0000",
        "company": None,
        "address": {
            "line1": "12 St James's Sq",
            "city": "London",
            "postal_code": "SW1Y 4LB",
            "country": "gb",
        },
        "currency": "gbp",
        "metadata": {"plan": "pro"},
        "deleted": False,
        "created_at": "2024-03-01T09:30:00Z",
        "updated_at": "2024-05-02T10:00:00+02:00",
    },
    {
        "id": "cus_0002",
        "type": "business",
        "name": "Tanaka Trading KK",
        "email": None,
        "phone": None,
        "company": "Tanaka Trading KK",
        "address": None,
        "currency": "jpy",
        "metadata": {},
        "deleted": False,
        "created_at": "2024-04-11T00:00:00Z",
        "updated_at": "2024-04-11T00:00:00Z",
    },
)

_INVOICES: tuple[dict[str, Any], ...] = (
    {
        "id": "inv_0001",
        "number": "ACME-2024-0001",
        "customer_id": "cus_0001",
        "status": "paid",
        "currency": "gbp",
        "lines": [
            {
                "id": "li_1",
                "description": "Pro plan, May",
                "quantity": 1,
                "unit_amount": 4900,
                "amount": 4900,
            },
            {
                "id": "li_2",
                "description": "Extra seats",
                "quantity": 3,
                "unit_amount": 1000,
                "amount": 3000,
            },
        ],
        "subtotal": 7900,
        "tax": 1580,
        "total": 9480,
        "amount_due": 9480,
        "amount_paid": 9480,
        "memo": None,
        "metadata": {"po": "PO-77"},
        "issued_at": "2024-05-01T00:00:00Z",
        "due_at": "2024-05-31T00:00:00Z",
        "paid_at": "2024-05-03T12:15:00Z",
        "created_at": "2024-05-01T00:00:00Z",
        "updated_at": "2024-05-03T12:15:00Z",
    },
    {
        "id": "inv_0002",
        "number": "ACME-2024-0002",
        "customer_id": "cus_0002",
        "status": "open",
        "currency": "jpy",
        "lines": [
            {
                "id": "li_3",
                "description": "Consulting",
                "quantity": 2,
                "unit_amount": 50000,
                "amount": 100000,
            },
        ],
        "subtotal": 100000,
        "tax": 10000,
        "total": 110000,
        "amount_due": 110000,
        "amount_paid": 0,
        "memo": "Net 30",
        "metadata": {},
        "issued_at": "2024-06-01T00:00:00Z",
        "due_at": None,
        "paid_at": None,
        "created_at": "2024-06-01T00:00:00Z",
        "updated_at": "2024-06-01T00:00:00Z",
    },
)

SAMPLE_RECORDS: Mapping[str, tuple[dict[str, Any], ...]] = {
    "customers": _CUSTOMERS,
    "invoices": _INVOICES,
}
