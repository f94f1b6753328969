"""Suggestions from a JSON Schema or an OpenAPI document instead of sample records."""

from __future__ import annotations

from typing import Any

import pytest

from canonical import ConfigurationError
from mapping.suggest import schema_samples, suggest

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "$ref": "#/components/schemas/Invoice",
    "components": {
        "schemas": {
            "Money": {"type": "string", "pattern": "^\\d+\\.\\d{2}$", "example": "19.99"},
            "Invoice": {
                "type": "object",
                "properties": {
                    "invoice_id": {"type": "string"},
                    "invoice_number": {"type": "string", "example": "INV-7"},
                    "status": {"type": "string", "enum": ["draft", "sent", "paid", "void"]},
                    "currency_code": {"type": "string", "example": "EUR"},
                    "total": {"$ref": "#/components/schemas/Money"},
                    "date": {"type": "string", "format": "date"},
                    "created_time": {"type": "string", "format": "date-time"},
                    "customer": {
                        "allOf": [
                            {"type": "object", "properties": {"customer_id": {"type": "string"}}}
                        ]
                    },
                    "line_items": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"rate": {"type": "number"}}},
                    },
                },
            },
        }
    },
}


def test_refs_arrays_and_enums_become_example_records() -> None:
    records, declared = schema_samples(OPENAPI)
    assert len(records) == 4  # one per status value
    assert [r["status"] for r in records] == ["draft", "sent", "paid", "void"]
    first = records[0]
    assert first["total"] == "19.99"
    assert first["customer"] == {"customer_id": "example"}
    assert first["line_items"] == [{"rate": 19.99}]
    assert first["date"] == "2024-03-01"
    status = next(f for f in declared if f.path == "status")
    assert status.enum == ["draft", "sent", "paid", "void"]


def test_a_schema_alone_gives_a_checked_proposal() -> None:
    proposal = suggest("Invoice", schema=OPENAPI)
    chosen = {r.target: (r.source, r.transform) for r in proposal.rules}
    assert chosen["remote_id"] == ("invoice_id", None)
    assert chosen["number"] == ("invoice_number", "normalize_space")
    assert chosen["total"] == ("total", "decimal")
    assert chosen["issued_at"] == ("date", "iso_datetime")
    assert chosen["customer_remote_id"] == ("customer.customer_id", None)
    status = proposal.rule_for("status")
    assert status is not None
    assert status.args["values"]["sent"] == "open"
    assert proposal.samples_checked == 4


def test_a_schema_without_properties_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="no properties and no \\$ref"):
        suggest("Invoice", schema={"openapi": "3.0.0"})
    with pytest.raises(ConfigurationError, match="points at nothing"):
        suggest("Invoice", schema={"$ref": "#/components/schemas/Nope"})
