"""The public surface of ``plugins`` and ``plugins.testing`` is pinned."""

from __future__ import annotations

import plugins
import plugins.testing


def test_plugins_exports() -> None:
    assert sorted(plugins.__all__) == [
        "ENTRY_POINT_GROUP",
        "FailureKind",
        "GroupReport",
        "LoadedPoint",
        "PLUGINS_ENV",
        "PluginFailure",
        "PluginInfo",
        "PluginReport",
        "PluginStatus",
        "compatibility_problem",
        "load_adapters",
        "load_group",
        "parse_api_version",
    ]
    assert plugins.ENTRY_POINT_GROUP == "canonry.adapters"
    assert plugins.PLUGINS_ENV == "CANONRY_PLUGINS"
    assert all(hasattr(plugins, name) for name in plugins.__all__)


def test_testing_kit_exports() -> None:
    assert {
        "AdapterContractTests",
        "AdapterFactory",
        "ContractViolation",
        "check_check_ok",
        "check_check_refused",
        "check_declaration",
        "check_default_mapping",
        "check_models",
        "check_no_secret_leaks",
        "check_paging",
        "check_resume",
        "check_unknown_stream",
        "Mutator",
        "Replica",
        "ReplicationReport",
        "STRIPE_SCENARIOS",
        "HUBSPOT_SCENARIOS",
        "VendorState",
        "check_replication",
        "run_scenario",
    } <= set(plugins.testing.__all__)
    assert all(hasattr(plugins.testing, name) for name in plugins.testing.__all__)
    assert issubclass(plugins.testing.ContractViolation, AssertionError)


def test_the_kit_base_class_is_not_collected_on_its_own() -> None:
    assert not plugins.testing.AdapterContractTests.__name__.startswith("Test")
