"""Upgrading stored payloads from older schema versions (synthetic 0.8.0 / 0.9.0 steps)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from canonical import (
    SCHEMA_VERSION,
    Customer,
    SchemaError,
    UpgradeRegistry,
    ValidationFailed,
    canonical_id,
    register_upgrade,
    upgrade_payload,
)

SOURCE = {"adapter": "stripe", "connection_id": "conn_1"}


def _payload_090(**extra: Any) -> dict[str, Any]:
    """How a Customer looked in the fake 0.9.0: one ``full_name`` field."""
    return {"remote_id": "cus_1", "source": dict(SOURCE), "full_name": "Ada Lovelace", **extra}


@pytest.fixture
def registry() -> UpgradeRegistry:
    reg = UpgradeRegistry()

    @reg.register("Customer", from_version="0.9.0", to_version=SCHEMA_VERSION)
    def split_full_name(payload: dict[str, Any]) -> dict[str, Any]:
        full = payload.pop("full_name", None) or ""
        given, _, family = full.partition(" ")
        return {
            **payload,
            "name": full or None,
            "given_name": given or None,
            "family_name": family or None,
        }

    @reg.register("Customer", from_version="0.8.0", to_version="0.9.0")
    def rename_fullname(payload: dict[str, Any]) -> dict[str, Any]:
        payload["full_name"] = payload.pop("fullname")
        return payload

    return reg


def test_one_step_upgrade_validates_and_returns_current_json(registry: UpgradeRegistry) -> None:
    stored = _payload_090()
    before = copy.deepcopy(stored)
    upgraded = upgrade_payload("Customer", stored, "0.9.0", registry=registry)
    assert stored == before, "the stored payload must not be modified"
    assert upgraded["given_name"] == "Ada"
    assert upgraded["family_name"] == "Lovelace"
    assert upgraded["name"] == "Ada Lovelace"
    assert "full_name" not in upgraded
    assert upgraded["id"] == canonical_id("customer", "conn_1", "cus_1")
    assert Customer.model_validate(upgraded).given_name == "Ada"


def test_steps_chain(registry: UpgradeRegistry) -> None:
    stored = {"remote_id": "cus_2", "source": dict(SOURCE), "fullname": "Grace Hopper"}
    assert registry.path("Customer", "0.8.0") == ["0.8.0", "0.9.0", SCHEMA_VERSION]
    upgraded = registry.upgrade("customer", stored, "0.8.0")
    assert (upgraded["given_name"], upgraded["family_name"]) == ("Grace", "Hopper")


def test_current_version_needs_no_step(registry: UpgradeRegistry) -> None:
    payload = {"remote_id": "cus_3", "source": dict(SOURCE), "name": "Ann"}
    assert registry.path("Customer", SCHEMA_VERSION) == [SCHEMA_VERSION]
    assert registry.upgrade("Customer", payload, SCHEMA_VERSION)["name"] == "Ann"


def test_same_major_needs_no_step(registry: UpgradeRegistry) -> None:
    # minor and patch changes keep old payloads valid, so the chain may stop early
    assert registry.path("Customer", "2.0.0", to_version="2.3.1") == ["2.0.0"]
    assert registry.path("Customer", "0.8.0", to_version="0.9.4") == ["0.8.0", "0.9.0"]


def test_no_path_is_a_clear_schema_error(registry: UpgradeRegistry) -> None:
    with pytest.raises(SchemaError, match=r"no upgrade path for Customer from 0\.5\.0") as info:
        registry.upgrade("Customer", {"remote_id": "x"}, "0.5.0")
    assert "register_upgrade" in str(info.value)
    with pytest.raises(SchemaError, match=r"no upgrade path for Invoice from 0\.9\.0"):
        registry.upgrade("Invoice", {}, "0.9.0")


def test_newer_payload_is_refused(registry: UpgradeRegistry) -> None:
    with pytest.raises(SchemaError, match="newer than schema"):
        registry.upgrade("Customer", {}, "99.0.0")


def test_bad_versions_and_models(registry: UpgradeRegistry) -> None:
    with pytest.raises(SchemaError, match=r"MAJOR\.MINOR\.PATCH"):
        registry.upgrade("Customer", {}, "0.9")
    with pytest.raises(SchemaError, match="no canonical model named 'Contact'"):
        registry.upgrade("Contact", {}, "0.9.0")


def test_registration_rules(registry: UpgradeRegistry) -> None:
    with pytest.raises(SchemaError, match="already registered"):
        registry.register("Customer", "0.9.0", "1.0.0")(lambda p: p)
    with pytest.raises(SchemaError, match="must go to a newer version"):
        registry.register("Customer", "1.0.0", "0.9.0")
    with pytest.raises(SchemaError, match="no canonical model"):
        registry.register("Ledger", "0.9.0", "1.0.0")


def test_invalid_upgrade_result_raises_validation_failed(registry: UpgradeRegistry) -> None:
    with pytest.raises(ValidationFailed, match="does not validate") as info:
        registry.upgrade("Customer", _payload_090(email="not-an-email"), "0.9.0")
    assert info.value.errors
    assert info.value.errors[0]["loc"] == ("email",)


def test_failing_steps_are_wrapped() -> None:
    reg = UpgradeRegistry()

    @reg.register("Invoice", "0.9.0", SCHEMA_VERSION)
    def broken(payload: dict[str, Any]) -> dict[str, Any]:
        return {"total": payload["grand_total"]}

    with pytest.raises(SchemaError, match=r"upgrade step broken .*KeyError"):
        reg.upgrade("Invoice", {}, "0.9.0")

    @reg.register("Event", "0.9.0", SCHEMA_VERSION)
    def returns_list(payload: dict[str, Any]) -> dict[str, Any]:
        return [payload]  # type: ignore[return-value]

    with pytest.raises(SchemaError, match="returned list, not a dict"):
        reg.upgrade("Event", {}, "0.9.0")


def test_module_level_decorator_uses_the_default_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from canonical import _upgrade

    monkeypatch.setattr(_upgrade, "_DEFAULT", UpgradeRegistry())

    @register_upgrade("Customer", "0.9.0", SCHEMA_VERSION)
    def drop_full_name(payload: dict[str, Any]) -> dict[str, Any]:
        payload.pop("full_name", None)
        return payload

    assert upgrade_payload("Customer", _payload_090(), "0.9.0")["remote_id"] == "cus_1"
