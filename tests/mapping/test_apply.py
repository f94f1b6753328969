"""Applying compiled mappings: values, defaults, constants, custom fields and failures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from canonical import Customer, Invoice, MappingError
from mapping import Mapping


def customer_mapping(rules: dict, **extra) -> Mapping:
    return Mapping.model_validate(
        {"name": "t", "model": "Customer", "version": "1.0.0", "rules": rules, **extra}
    )


INVOICE_RULES = {
    "remote_id": "id",
    "status": {"source": "status", "default": "draft"},
    "currency": {"source": "currency", "transform": "upper"},
    "total": {"source": "total", "transform": "minor_units"},
}
LINES = {
    "source": "items",
    "rules": {"amount": {"source": "cents", "transform": "minor_units"}, "description": "text"},
}


def invoice_mapping(rules=None, lines=None) -> Mapping:
    return Mapping.model_validate(
        {
            "name": "inv",
            "model": "Invoice",
            "version": "1.0.0",
            "rules": rules or INVOICE_RULES,
            "lines": lines or LINES,
        }
    )


def test_const_default_and_sources(source):
    mapping = customer_mapping(
        {
            "remote_id": "id",
            "kind": {"const": "organization"},
            "company_name": {"source": "company", "default": "n/a"},
            "name": {"sources": ["first", "last"], "transform": "join"},
            "description": {
                "sources": ["a", "b", "c"],
                "transform": "join",
                "args": {"separator": " / "},
            },
        }
    )

    customer = mapping.compile().apply(
        {"id": "c1", "first": "Ada", "last": "Lovelace", "a": "x", "b": "", "c": 3},
        source=source,
    )

    assert customer.kind == "organization"
    assert customer.company_name == "n/a"
    assert customer.name == "Ada Lovelace"
    assert customer.description == "x / 3"


def test_split_name_fills_given_and_family(source):
    mapping = customer_mapping(
        {
            "remote_id": "id",
            "given_name": {"source": "name", "transform": "split_name", "args": {"part": "given"}},
            "family_name": {
                "source": "name",
                "transform": "split_name",
                "args": {"part": "family"},
            },
        }
    )

    customer = mapping.compile().apply({"id": "c", "name": "Jean  de la Fontaine"}, source=source)

    assert customer.given_name == "Jean"
    assert customer.family_name == "de la Fontaine"


def test_default_applies_to_blank_values_after_string_transforms(source):
    mapping = customer_mapping(
        {"remote_id": "id", "name": {"source": "name", "transform": "strip", "default": "?"}}
    )

    assert mapping.compile().apply({"id": "c", "name": "   "}, source=source).name == "?"


def test_list_index_paths(source):
    mapping = customer_mapping(
        {"remote_id": "id", "email": "emails[0].address", "phone": "phones[-1]"}
    )

    customer = mapping.compile().apply(
        {"id": "c", "emails": [{"address": "a@example.com"}, {}], "phones": ["1234", "5678"]},
        source=source,
    )

    assert customer.email == "a@example.com"
    assert customer.phone == "5678"


def test_metadata_goes_to_custom_fields_with_prefix_and_exclude(source):
    mapping = customer_mapping(
        {"remote_id": "id", "custom_fields.segment": "profile.segment"},
        custom_fields={"from": ["metadata"], "exclude": ["secret_note"], "prefix": "md_"},
    )

    customer = mapping.compile().apply(
        {
            "id": "c",
            "metadata": {"tier": "gold", "secret_note": "x", "empty": None},
            "profile": {"segment": "smb"},
        },
        source=source,
    )

    assert customer.custom_fields == {"md_tier": "gold", "segment": "smb"}


def test_include_unmapped_keeps_fields_no_rule_reads(source):
    mapping = customer_mapping(
        {"remote_id": "id", "email": "email"},
        custom_fields={"include_unmapped": True, "exclude": ["object"]},
    )

    customer = mapping.compile().apply(
        {
            "id": "c",
            "email": "a@example.com",
            "object": "customer",
            "balance": 0,
            "tags": ["a"],
            "gone": None,
        },
        source=source,
    )

    assert customer.custom_fields == {"balance": 0, "tags": ["a"]}


def test_custom_fields_are_off_by_default(source):
    mapping = customer_mapping({"remote_id": "id"})
    customer = mapping.compile().apply({"id": "c", "metadata": {"a": "b"}}, source=source)
    assert customer.custom_fields == {}


def test_custom_fields_source_that_is_not_a_dict_is_refused(source):
    mapping = customer_mapping({"remote_id": "id"}, custom_fields={"from": ["metadata"]})

    with pytest.raises(MappingError) as caught:
        mapping.compile().apply({"id": "c", "metadata": "oops"}, source=source)

    assert caught.value.rule == "custom_fields"
    assert caught.value.path == "metadata"


def test_transform_failure_names_rule_path_and_value(source):
    mapping = customer_mapping(
        {"remote_id": "id", "created_at": {"source": "meta.created", "transform": "unix_seconds"}}
    )

    with pytest.raises(MappingError) as caught:
        mapping.compile().apply({"id": "c", "meta": {"created": "yesterday"}}, source=source)

    error = caught.value
    assert error.rule == "created_at"
    assert error.path == "meta.created"
    assert error.value == "'yesterday'"
    assert "not a number" in str(error)
    assert isinstance(error.__cause__, ValueError)


def test_model_refusal_is_traced_back_to_the_rule(source):
    mapping = customer_mapping({"remote_id": "id", "email": "contact.mail"})

    with pytest.raises(MappingError) as caught:
        mapping.compile().apply({"id": "c", "contact": {"mail": "not-an-email"}}, source=source)

    error = caught.value
    assert error.rule == "email"
    assert error.path == "contact.mail"
    assert error.value == "'not-an-email'"
    assert "email" in str(error)


def test_nested_model_refusal_is_traced_back_to_the_nested_rule(source):
    mapping = customer_mapping({"remote_id": "id", "billing_address.country": "addr.country"})

    with pytest.raises(MappingError) as caught:
        mapping.compile().apply({"id": "c", "addr": {"country": "F"}}, source=source)

    assert caught.value.rule == "billing_address.country"
    assert caught.value.path == "addr.country"
    assert caught.value.value == "'F'"


def test_missing_remote_id_is_reported_on_its_rule(source):
    mapping = customer_mapping({"remote_id": "id"})

    with pytest.raises(MappingError) as caught:
        mapping.compile().apply({"name": "no id"}, source=source)

    assert caught.value.rule == "remote_id"
    assert caught.value.path == "id"
    assert caught.value.value is None


def test_record_must_be_a_dict(source):
    mapping = customer_mapping({"remote_id": "id"})
    with pytest.raises(MappingError, match="dict"):
        mapping.compile().apply(["not", "a", "record"], source=source)  # type: ignore[arg-type]


def test_invoice_lines_use_the_root_currency_when_items_have_none(source):
    record = {
        "id": "in_1",
        "currency": "jpy",
        "total": 1500,
        "items": [{"cents": 1000, "text": "a"}, {"cents": 500}],
    }

    invoice = invoice_mapping().compile().apply(record, source=source)

    assert isinstance(invoice, Invoice)
    assert invoice.status == "draft"
    assert [line.amount.amount for line in invoice.lines] == [Decimal(1000), Decimal(500)]
    assert invoice.lines[0].description == "a"


def test_line_failure_names_the_line_rule_and_item_path(source):
    record = {"id": "in_1", "currency": "usd", "items": [{"cents": 1}, {"cents": 1.5}]}

    with pytest.raises(MappingError) as caught:
        invoice_mapping().compile().apply(record, source=source)

    assert caught.value.rule == "lines.amount"
    assert caught.value.path == "items[1].cents"
    assert caught.value.value == "1.5"


def test_line_model_refusal_names_the_line_rule_and_item_path(source):
    record = {"id": "in_1", "currency": "usd", "items": [{"cents": 1}, {"text": "no amount"}]}

    with pytest.raises(MappingError) as caught:
        invoice_mapping().compile().apply(record, source=source)

    assert caught.value.rule == "lines.amount"
    assert caught.value.path == "items[1].cents"


def test_lines_that_are_not_a_list_are_refused(source):
    record = {"id": "in_1", "currency": "usd", "items": {"cents": 1}}

    with pytest.raises(MappingError, match="list of line items") as caught:
        invoice_mapping().compile().apply(record, source=source)
    assert caught.value.rule == "lines"


def test_mixed_currencies_are_refused(source):
    record = {"id": "in_1", "currency": "usd", "items": [{"cents": 1, "currency": "eur"}]}

    with pytest.raises(MappingError, match="is in USD but") as caught:
        invoice_mapping().compile().apply(record, source=source)
    assert "EUR" in str(caught.value)


def test_unknown_currency_is_refused_on_its_rule(source):
    record = {"id": "in_1", "currency": "zzz", "total": 5}

    with pytest.raises(MappingError) as caught:
        invoice_mapping().compile().apply(record, source=source)

    assert caught.value.rule == "total"
    assert "ZZZ" in str(caught.value)


def test_apply_many_maps_lazily(source):
    compiled = customer_mapping({"remote_id": "id"}).compile()

    results = compiled.apply_many([{"id": "a"}, {"id": "b"}], source=source)

    assert [c.remote_id for c in results] == ["a", "b"]
    assert all(isinstance(c, Customer) for c in compiled.apply_many([{"id": "x"}], source=source))
