"""Discovery: selecting plugins (CANONRY_PLUGINS / allow), caching, reports, built-ins."""

from __future__ import annotations

import sys

import pytest

from canonical import PluginError
from plugins import load_adapters
from tests.plugins.conftest import FakeDists
from tests.plugins.fake_plugins import adapter_module, add_broken_set, add_good, by_name


def test_canonry_plugins_restricts_loading_without_importing_the_others(
    fake_dists: FakeDists,
) -> None:
    add_broken_set(fake_dists)
    add_good(fake_dists)
    add_good(fake_dists, key="otherfake", dist="canonry-fake-other")

    report = load_adapters(refresh=True, environ={"CANONRY_PLUGINS": " goodfake , "})

    assert set(report.adapters) == {"goodfake"}
    statuses = by_name(report)
    assert statuses["otherfake"][0] == "disabled"
    assert statuses["importerror"][0] == "disabled"
    assert "CANONRY_PLUGINS" in statuses["otherfake"][1]
    assert "future_plugin" not in sys.modules
    assert report.unmatched_allow == ()


def test_allow_matches_adapter_keys_and_distribution_names(fake_dists: FakeDists) -> None:
    module = adapter_module("Keyed", "realkey")
    fake_dists.add(
        "canonry-fake-keyed", {"entryname": "keyed_plugin:Keyed"}, {"keyed_plugin": module}
    )
    add_good(fake_dists)
    add_good(fake_dists, key="otherfake", dist="canonry-fake-other")

    by_key = load_adapters(allow=["realkey", "canonry-fake-other", "nosuch"], environ={})

    assert set(by_key.adapters) == {"realkey", "otherfake"}
    assert by_name(by_key)["goodfake"][0] == "disabled"
    assert by_key.unmatched_allow == ("nosuch",)


def test_explicit_allow_overrides_the_environment(fake_dists: FakeDists) -> None:
    add_good(fake_dists)
    add_good(fake_dists, key="otherfake", dist="canonry-fake-other")

    report = load_adapters(allow=["otherfake"], environ={"CANONRY_PLUGINS": "goodfake"})

    assert set(report.adapters) == {"otherfake"}


def test_results_are_cached_until_refresh(fake_dists: FakeDists) -> None:
    first = load_adapters(refresh=True, environ={})
    add_good(fake_dists)

    assert load_adapters(environ={}) is first
    assert "goodfake" not in first.adapters
    assert "goodfake" in load_adapters(environ={}, refresh=True).adapters


def test_report_get_explains_why_an_adapter_is_missing(fake_dists: FakeDists) -> None:
    add_broken_set(fake_dists)
    add_good(fake_dists)
    add_good(fake_dists, key="otherfake", dist="canonry-fake-other")
    report = load_adapters(refresh=True, environ={"CANONRY_PLUGINS": "goodfake,future"})

    assert report.get("goodfake").key == "goodfake"
    with pytest.raises(PluginError, match="'future' failed to load \\(incompatible\\)"):
        report.get("future")
    with pytest.raises(PluginError, match=r"installed but disabled.*CANONRY_PLUGINS"):
        report.get("otherfake")
    with pytest.raises(PluginError, match=r"no adapter 'nothing' is installed.*goodfake"):
        report.get("nothing")


def test_a_distribution_with_malformed_entry_points_hides_no_other_plugin(
    fake_dists: FakeDists,
) -> None:
    add_good(fake_dists)
    fake_dists.add("canonry-fake-garbled", {"garbled": "garbled_plugin:G"})
    (fake_dists.root / "canonry_fake_garbled-0.1.dist-info" / "entry_points.txt").write_text(
        "[canonry.adapters]\nthis line has no equals sign\n"
    )

    report = load_adapters(refresh=True, environ={})

    assert "goodfake" in report.adapters
    (failure,) = [f for f in report.failures if f.name == "canonry-fake-garbled"]
    assert failure.kind == "invalid"
    assert "entry_points.txt cannot be read" in failure.reason


def test_builtin_adapters_come_through_the_same_door_and_win_their_keys(
    fake_dists: FakeDists,
) -> None:
    module = adapter_module("Impostor", "stripe")
    fake_dists.add(
        "aaa-canonry-impostor", {"stripe": "impostor_plugin:Impostor"}, {"impostor_plugin": module}
    )

    report = load_adapters(refresh=True, environ={})

    builtins = [p for p in report.plugins if p.builtin]
    assert {p.key for p in builtins} >= {"stripe", "hubspot"}
    assert all(p.status == "loaded" for p in builtins)
    assert report.plugins[: len(builtins)] == builtins  # loaded before any plugin
    assert report.get("stripe").__module__.startswith("adapters.stripe")
    (failure,) = [f for f in report.failures if f.distribution == "aaa-canonry-impostor"]
    assert failure.kind == "duplicate"
