"""Tenant overrides layered on a base mapping."""

from __future__ import annotations

import copy

import pytest

from canonical import MappingError
from mapping import LayeredMapping, Mapping, MappingOverride

OVERRIDE_YAML = """
name: stripe-customers-acme
version: 1.1.0
rules:
  name:
    sources: [metadata.display_name, name]
    transform: first_non_empty
  company_name: metadata.company
remove:
  - phone
custom_fields:
  from: [metadata]
  exclude: [display_name, company]
  prefix: stripe_
"""


@pytest.fixture
def override() -> MappingOverride:
    return MappingOverride.from_yaml(OVERRIDE_YAML)


def test_override_replaces_adds_and_removes_rules(
    customers_mapping, override, stripe_fixture, source
):
    record = stripe_fixture("customer") | {
        "name": "ada",
        "phone": "+44 20 7946 0958",
        "metadata": {"display_name": "Ada L.", "company": "Analytical Engines", "tier": "1"},
    }

    layered = customers_mapping.with_overrides(override)
    customer = layered.compile().apply(record, source=source)

    assert isinstance(layered, LayeredMapping)
    assert customer.name == "Ada L."
    assert customer.company_name == "Analytical Engines"
    assert customer.phone is None
    assert customer.custom_fields == {"stripe_tier": "1"}
    assert layered.name == "stripe-customers-acme"
    assert layered.version == "1.1.0"
    assert layered.model == "Customer"


def test_base_is_referenced_not_copied_or_mutated(customers_mapping, override):
    rules_before = dict(customers_mapping.rules)
    snapshot = copy.deepcopy(customers_mapping.to_dict())

    layered = customers_mapping.with_overrides(override)
    layered.compile()

    assert layered.base is customers_mapping
    assert customers_mapping.rules == rules_before
    assert customers_mapping.to_dict() == snapshot
    assert customers_mapping.rule("phone") is not None
    assert layered.rule("phone") is None
    assert layered.rule("email") is customers_mapping.rule("email")  # shared, not copied


def test_layered_mapping_compiles_once_and_exports_the_merged_mapping(customers_mapping, override):
    layered = customers_mapping.with_overrides(override)

    merged = Mapping.from_yaml(layered.to_yaml())

    assert layered.compile() is layered.compile()
    assert "phone" not in merged.rules
    assert merged.rules["company_name"].source == "metadata.company"
    assert merged.custom_fields.prefix == "stripe_"
    assert layered.source_paths() == customers_mapping.source_paths() - {"phone"}
    assert set(layered.rules) == set(customers_mapping.rules) - {"phone"} | {"company_name"}
    assert layered.custom_fields.prefix == "stripe_"
    assert layered.description == customers_mapping.description
    assert "stripe-customers-acme" in repr(layered)


def test_overrides_stack(customers_mapping, override, source):
    second = MappingOverride(rules={"description": {"const": "managed"}})

    stacked = customers_mapping.with_overrides(override).with_overrides(second)
    customer = stacked.compile().apply({"id": "cus_1", "phone": "12345"}, source=source)

    assert customer.description == "managed"
    assert customer.phone is None  # the first layer's removal still holds


def test_line_rules_are_overridden_as_lines_fields(invoices_mapping, stripe_fixture, source):
    override = MappingOverride.model_validate(
        {"rules": {"lines.description": {"const": "service"}}, "remove": ["lines.tax"]}
    )

    invoice = (
        invoices_mapping.with_overrides(override)
        .compile()
        .apply(stripe_fixture("invoice"), source=source)
    )

    assert invoice.lines[0].description == "service"
    assert invoices_mapping.rule("lines.description") is not None


@pytest.mark.parametrize(
    ("data", "rule", "fragment"),
    [
        ({"rules": {"nmae": "x"}}, "nmae", "did you mean 'name'?"),
        ({"remove": ["given_name"]}, "given_name", "has no rule for"),
        ({"remove": ["remote_id"]}, "remote_id", "required field"),
        ({"rules": {"lines.amount": "x"}}, "lines.amount", "no `lines` section"),
    ],
)
def test_bad_overrides_are_refused_when_layered(customers_mapping, data, rule, fragment):
    override = MappingOverride.model_validate(data)

    with pytest.raises(MappingError) as caught:
        customers_mapping.with_overrides(override)

    assert caught.value.rule == rule
    assert fragment in str(caught.value)


def test_override_documents_are_checked_when_loaded():
    with pytest.raises(MappingError, match="unknown transform") as caught:
        MappingOverride.from_yaml("rules:\n  name: {source: n, transform: nope}\n")
    assert caught.value.rule == "name"

    with pytest.raises(MappingError, match="both sets and removes name"):
        MappingOverride.model_validate({"rules": {"name": "n"}, "remove": ["name"]})


def test_override_round_trips_and_loads_from_files(override, tmp_path):
    (tmp_path / "o.yaml").write_text(override.to_yaml())
    (tmp_path / "o.json").write_text(override.model_dump_json())

    assert MappingOverride.load(tmp_path / "o.yaml") == override
    assert MappingOverride.load(tmp_path / "o.json") == override
    assert MappingOverride.from_json('{"remove": ["phone"]}').remove == ("phone",)
