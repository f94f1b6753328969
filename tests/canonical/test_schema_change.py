"""classify_change on synthetic and real schemas."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from canonical import (
    ChangeKind,
    SchemaChange,
    SchemaError,
    classify_change,
    current_schemas,
)

Schemas = dict[str, dict[str, Any]]

NULLABLE_STR = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def _customer_090() -> Schemas:
    """A fake 0.9.0 where Customer had ``full_name`` and a two-value kind enum."""
    return {
        "Customer": {
            "type": "object",
            "title": "Customer",
            "additionalProperties": False,
            "properties": {
                "remote_id": {"type": "string", "minLength": 1},
                "full_name": dict(NULLABLE_STR),
                "kind": {"$ref": "#/$defs/Kind", "default": "person"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["remote_id"],
            "$defs": {"Kind": {"enum": ["person", "organization"], "type": "string"}},
        }
    }


def _changed(edit: Callable[[Schemas], None]) -> SchemaChange:
    old = _customer_090()
    new = copy.deepcopy(old)
    edit(new)
    return classify_change(old, new)


def _props(schemas: Schemas) -> dict[str, Any]:
    props: dict[str, Any] = schemas["Customer"]["properties"]
    return props


def test_identical_schemas_are_no_change() -> None:
    change = classify_change(_customer_090(), _customer_090())
    assert change == SchemaChange(ChangeKind.NONE)
    assert str(change) == "none: no changes"


def test_description_and_title_only_is_patch() -> None:
    def edit(s: Schemas) -> None:
        s["Customer"]["description"] = "A customer"
        s["Customer"]["title"] = "Client"
        _props(s)["remote_id"]["description"] = "the vendor's id"

    change = _changed(edit)
    assert change.kind is ChangeKind.PATCH
    assert "patch: Customer.remote_id: description changed" in change.reasons


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda s: _props(s).__setitem__("nickname", dict(NULLABLE_STR)),
            "minor: Customer.nickname: optional property added",
        ),
        (
            lambda s: s["Customer"]["$defs"]["Kind"]["enum"].append("household"),
            'minor: Kind: enum value "household" added',
        ),
        (
            lambda s: s["Customer"]["required"].remove("remote_id"),
            "minor: Customer.remote_id: property is no longer required",
        ),
        (
            lambda s: _props(s)["remote_id"].pop("minLength"),
            "minor: Customer.remote_id: minLength loosened",
        ),
        (
            lambda s: _props(s).__setitem__("remote_id", {"type": ["string", "null"]}),
            "minor: Customer.remote_id: type widened to null|string",
        ),
        (
            lambda s: _props(s)["tags"]["items"].__setitem__("type", ["string", "integer"]),
            "minor: Customer.tags[]: type widened to integer|string",
        ),
        (
            lambda s: s.__setitem__("Contact", {"type": "object"}),
            "minor: Contact: model added",
        ),
        (
            lambda s: s["Customer"].__setitem__("additionalProperties", True),
            "minor: Customer: accepts more additional properties",
        ),
    ],
)
def test_additive_changes_are_minor(edit: Callable[[Schemas], None], reason: str) -> None:
    change = _changed(edit)
    assert change.kind is ChangeKind.MINOR, change
    assert reason in change.reasons


def test_widening_a_plain_type_to_nullable_is_minor() -> None:
    change = _changed(lambda s: _props(s).__setitem__("remote_id", dict(NULLABLE_STR)))
    assert change.kind is ChangeKind.MINOR, change
    assert "minor: Customer.remote_id: now also accepts null" in change.reasons


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda s: _props(s).pop("full_name"),
            "major: Customer.full_name: property removed",
        ),
        (
            lambda s: _props(s).__setitem__("name", _props(s).pop("full_name")),
            "major: Customer.full_name: property removed",
        ),
        (
            lambda s: (
                _props(s).__setitem__("email", {"type": "string"}),
                s["Customer"]["required"].append("email"),
            ),
            "major: Customer.email: required property added",
        ),
        (
            lambda s: s["Customer"]["required"].append("full_name"),
            "major: Customer.full_name: property is now required",
        ),
        (
            lambda s: s["Customer"]["$defs"]["Kind"]["enum"].remove("organization"),
            'major: Kind: enum value "organization" removed',
        ),
        (
            lambda s: _props(s).__setitem__("remote_id", {"type": "integer"}),
            "major: Customer.remote_id: type changed from string to integer",
        ),
        (
            lambda s: _props(s)["remote_id"].__setitem__("pattern", "^cus_"),
            "major: Customer.remote_id: pattern added or changed",
        ),
        (
            lambda s: _props(s)["remote_id"].__setitem__("maxLength", 10),
            "major: Customer.remote_id: maxLength tightened",
        ),
        (
            lambda s: _props(s)["full_name"].__setitem__("anyOf", [{"type": "string"}]),
            "major: Customer.full_name: no longer accepts null",
        ),
        (
            lambda s: _props(s)["kind"].__setitem__("default", "organization"),
            "major: Customer.kind: default changed or removed",
        ),
        (lambda s: s.pop("Customer"), "major: Customer: model removed"),
        (
            lambda s: s["Customer"].pop("additionalProperties"),
            "minor: Customer: accepts more additional properties",
        ),
    ],
)
def test_breaking_changes_are_major(edit: Callable[[Schemas], None], reason: str) -> None:
    change = _changed(edit)
    assert reason in change.reasons
    if reason.startswith("major"):
        assert change.kind is ChangeKind.MAJOR, change


def test_reasons_are_ordered_most_severe_first() -> None:
    def edit(s: Schemas) -> None:
        s["Customer"]["description"] = "changed"
        _props(s)["nickname"] = dict(NULLABLE_STR)
        _props(s).pop("full_name")

    change = _changed(edit)
    assert [reason.split(":")[0] for reason in change.reasons] == ["major", "minor", "patch"]
    assert str(change).startswith("major change:\n  major: Customer.full_name")


def test_renamed_definition_is_compared_structurally() -> None:
    def edit(s: Schemas) -> None:
        s["Customer"]["$defs"]["CustomerKind"] = s["Customer"]["$defs"].pop("Kind")
        _props(s)["kind"]["$ref"] = "#/$defs/CustomerKind"

    assert _changed(edit).kind is ChangeKind.NONE

    def breaking(s: Schemas) -> None:
        edit(s)
        s["Customer"]["$defs"]["CustomerKind"]["enum"] = ["person"]

    assert 'major: Customer.kind: enum value "organization" removed' in _changed(breaking).reasons


def test_ref_replaced_by_equivalent_inline_schema_is_no_change() -> None:
    def edit(s: Schemas) -> None:
        _props(s)["kind"] = {"enum": ["person", "organization"], "type": "string"}
        _props(s)["kind"]["default"] = "person"

    assert _changed(edit).kind is ChangeKind.NONE


def test_recursive_definitions_terminate() -> None:
    node = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
    }
    old = {"Tree": {"$ref": "#/$defs/Node", "$defs": {"Node": copy.deepcopy(node)}}}
    new = {"Tree": {"$ref": "#/$defs/Tree2", "$defs": {"Tree2": copy.deepcopy(node)}}}
    new["Tree"]["$defs"]["Tree2"]["properties"]["children"]["items"]["$ref"] = "#/$defs/Tree2"
    new["Tree"]["$defs"]["Tree2"]["properties"]["label"] = {"type": "string"}
    change = classify_change(old, new)
    assert change.kind is ChangeKind.MINOR
    assert "minor: Tree.label: optional property added" in change.reasons


def test_bad_refs_raise_schema_error() -> None:
    old = {"A": {"properties": {"x": {"$ref": "#/$defs/Missing"}}}}
    new = {"A": {"properties": {"x": {"type": "string"}}}}
    with pytest.raises(SchemaError, match="'Missing' has no entry"):
        classify_change(old, new)
    remote = {"A": {"properties": {"x": {"$ref": "https://example.com/x.json"}}}}
    with pytest.raises(SchemaError, match="unsupported \\$ref"):
        classify_change(remote, new)


def test_real_schema_changes_are_reported_once_per_definition() -> None:
    old = current_schemas()
    new = copy.deepcopy(old)
    for name in ("Invoice", "Event"):
        new[name]["$defs"]["Money"]["properties"]["amount"]["type"] = "number"
    change = classify_change(old, new)
    assert change.kind is ChangeKind.MAJOR
    assert change.reasons == ("major: Money.amount: type changed from string to number",)


def test_real_event_type_addition_is_minor() -> None:
    old = current_schemas()
    new = copy.deepcopy(old)
    new["Event"]["$defs"]["EventType"]["enum"].append("invoice.sent")
    change = classify_change(old, new)
    assert change == SchemaChange(
        ChangeKind.MINOR, ('minor: EventType: enum value "invoice.sent" added',)
    )


def test_real_discriminated_union_gains_a_member_as_minor() -> None:
    old = current_schemas()
    new = copy.deepcopy(old)
    union = new["Event"]["properties"]["data"]["anyOf"][0]
    union["oneOf"].append({"$ref": "#/$defs/Money"})
    union["discriminator"]["mapping"]["money"] = "#/$defs/Money"
    change = classify_change(old, new)
    assert change.kind is ChangeKind.MINOR, change
    assert "minor: Event.data: now also accepts Money" in change.reasons
