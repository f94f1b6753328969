"""Loading mappings: formats, round trips, and clear refusals at load time."""

from __future__ import annotations

import json

import pytest

from canonical import MappingError
from mapping import Mapping

MINIMAL = """
name: t
model: Customer
version: 1.0.0
rules:
  remote_id: id
"""


def _mapping(rules: str, model: str = "Customer", extra: str = "") -> str:
    return f"name: t\nmodel: {model}\nversion: 1.0.0\nrules:\n{rules}\n{extra}"


def test_yaml_json_and_dict_load_the_same_mapping(tmp_path):
    from_yaml = Mapping.from_yaml(MINIMAL)
    as_json = json.dumps(from_yaml.to_dict())
    (tmp_path / "m.json").write_text(as_json)
    (tmp_path / "m.yml").write_text(MINIMAL)

    assert Mapping.from_json(as_json) == from_yaml
    assert Mapping.load(tmp_path / "m.json") == from_yaml
    assert Mapping.load(str(tmp_path / "m.yml")) == from_yaml
    assert Mapping.model_validate(from_yaml.to_dict()) == from_yaml


def test_pydantic_dumps_load_back(invoices_mapping):
    plain = Mapping.from_yaml(MINIMAL)
    assert Mapping.model_validate_json(plain.model_dump_json()) == plain
    assert Mapping.model_validate_json(invoices_mapping.model_dump_json()) == invoices_mapping
    assert Mapping.model_validate(invoices_mapping.model_dump()) == invoices_mapping


def test_stripe_mappings_round_trip_through_yaml(customers_mapping, invoices_mapping):
    for mapping in (customers_mapping, invoices_mapping):
        assert Mapping.from_yaml(mapping.to_yaml()) == mapping


def test_shorthand_string_rule_is_a_source():
    mapping = Mapping.from_yaml(MINIMAL)
    assert mapping.rules["remote_id"].source == "id"
    assert "remote_id: id" in mapping.to_yaml()


@pytest.mark.parametrize(
    ("rules", "rule", "fragment"),
    [
        ("  remote_id: id\n  emial: email", "emial", "did you mean 'email'?"),
        ("  remote_id: id\n  billing_address.town: city", "billing_address.town", "city"),
        ("  remote_id: id\n  id: id", "id", "valid fields"),
        ("  remote_id: id\n  name.first: n", "name.first", "has no sub-fields"),
    ],
)
def test_unknown_target_fields_are_refused_with_the_valid_ones(rules, rule, fragment):
    with pytest.raises(MappingError) as caught:
        Mapping.from_yaml(_mapping(rules))

    assert caught.value.rule == rule
    assert fragment in str(caught.value)
    if "valid fields" in fragment:
        assert "email" in str(caught.value)
        assert "billing_address" in str(caught.value)


def test_a_whole_value_and_its_parts_cannot_both_be_mapped():
    rules = "  remote_id: id\n  billing_address: address\n  billing_address.city: city"
    with pytest.raises(MappingError, match="both fill 'billing_address'") as caught:
        Mapping.from_yaml(_mapping(rules))
    assert caught.value.rule == "billing_address"


def test_unknown_transform_is_refused_listing_known_ones():
    text = _mapping("  remote_id: id\n  email: {source: email, transform: lowr}")

    with pytest.raises(MappingError) as caught:
        Mapping.from_yaml(text)

    assert caught.value.rule == "email"
    assert "unknown transform 'lowr'" in str(caught.value)
    assert "lower" in str(caught.value)
    assert "minor_units" in str(caught.value)


def test_unknown_transform_inside_a_chain_is_refused():
    text = _mapping("  remote_id: id\n  email: {source: email, transform: [strip, nope]}")

    with pytest.raises(MappingError, match="unknown transform 'nope'") as caught:
        Mapping.from_yaml(text)
    assert caught.value.rule == "email"


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("{source: name, transform: split_name, args: {part: middle}}", "part"),
        ("{source: name, transform: split_name}", "part"),
        ("{source: name, transform: lower, args: {x: 1}}", "lower takes no args"),
        ("{source: name, transform: join, args: {sep: ','}}", "allowed args: separator"),
        ("{source: name, transform: enum, args: {values: {}}}", "values"),
    ],
)
def test_bad_transform_args_are_refused(rule, fragment):
    with pytest.raises(MappingError, match="bad args") as caught:
        Mapping.from_yaml(_mapping(f"  remote_id: id\n  name: {rule}"))

    assert caught.value.rule == "name"
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "path", ["address..city", "lines.data[x].id", "a[0", "", " spaced key", "a.b[*]]"]
)
def test_malformed_paths_are_refused(path):
    text = _mapping(f"  remote_id: id\n  name: {json.dumps(path)}")

    with pytest.raises(MappingError) as caught:
        Mapping.from_yaml(text)

    assert caught.value.rule == "name"
    assert "source path" in str(caught.value)


def test_a_rule_needs_exactly_one_of_source_sources_const():
    with pytest.raises(MappingError, match="exactly one of") as caught:
        Mapping.from_yaml(_mapping("  remote_id: id\n  name: {source: a, const: b}"))
    assert caught.value.rule == "name"


def test_sources_need_a_combining_transform():
    with pytest.raises(MappingError, match="combines them"):
        Mapping.from_yaml(_mapping("  remote_id: id\n  name: {sources: [a, b]}"))


def test_unknown_rule_keys_are_refused():
    with pytest.raises(MappingError, match="rule 'name'") as caught:
        Mapping.from_yaml(_mapping("  remote_id: id\n  name: {sorce: a}"))
    assert caught.value.rule == "name"


def test_required_canonical_fields_must_have_rules():
    with pytest.raises(MappingError, match="requires 'status'") as caught:
        Mapping.from_yaml(_mapping("  remote_id: id\n  currency: currency", model="Invoice"))
    assert caught.value.rule == "status"

    with pytest.raises(MappingError, match="requires 'remote_id'"):
        Mapping.from_yaml(_mapping("  name: name"))


def test_required_line_fields_must_have_rules():
    lines = "lines:\n  source: lines.data\n  rules:\n    description: description\n"
    rules = "  remote_id: id\n  status: {const: draft}\n  currency: {const: USD}"

    with pytest.raises(MappingError, match=r"requires 'lines\.amount'") as caught:
        Mapping.from_yaml(_mapping(rules, model="Invoice", extra=lines))
    assert caught.value.rule == "lines.amount"


def test_lines_is_refused_for_a_model_without_lines():
    extra = "lines:\n  source: x\n  rules:\n    amount: a\n"
    with pytest.raises(MappingError, match="has no lines"):
        Mapping.from_yaml(_mapping("  remote_id: id", extra=extra))


def test_lines_as_a_rule_points_to_the_lines_section():
    rules = "  remote_id: id\n  status: {const: draft}\n  currency: {const: USD}\n  lines: x"
    with pytest.raises(MappingError, match="`lines` section"):
        Mapping.from_yaml(_mapping(rules, model="Invoice"))


def test_unknown_model_is_refused():
    with pytest.raises(MappingError, match="unknown canonical model 'Contact'") as caught:
        Mapping.from_yaml(_mapping("  remote_id: id", model="Contact"))
    assert "Customer" in str(caught.value)
    assert "Invoice" in str(caught.value)


def test_version_must_be_semver():
    text = MINIMAL.replace("1.0.0", "v1")
    with pytest.raises(MappingError, match="version"):
        Mapping.from_yaml(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("name: [unclosed", "not valid YAML"), ("- a\n- b", "must be a YAML object")],
)
def test_broken_documents_are_refused(text, fragment):
    with pytest.raises(MappingError, match=fragment):
        Mapping.from_yaml(text)


def test_broken_json_is_refused():
    with pytest.raises(MappingError, match="not valid JSON"):
        Mapping.from_json("{nope")


def test_load_refuses_unknown_suffix_and_missing_files(tmp_path):
    with pytest.raises(MappingError, match=r"\.yaml, \.yml or \.json"):
        Mapping.load(tmp_path / "mapping.toml")
    with pytest.raises(MappingError, match="cannot read"):
        Mapping.load(tmp_path / "missing.yaml")


def test_compiled_form_is_cached(customers_mapping):
    assert customers_mapping.compile() is customers_mapping.compile()
