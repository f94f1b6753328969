"""Discovery through entry points: broken plugins isolated and reported, the others load."""

from __future__ import annotations

import logging

import pytest

from plugins import load_adapters
from tests.plugins.conftest import FakeDists
from tests.plugins.fake_plugins import adapter_module, add_broken_set, add_good, by_name


def test_broken_plugins_are_isolated_and_reported_while_the_others_load(
    fake_dists: FakeDists, caplog: pytest.LogCaptureFixture
) -> None:
    add_broken_set(fake_dists)
    add_good(fake_dists)

    report = load_adapters(refresh=True, environ={})

    assert report.adapters["goodfake"].__name__ == "Good"
    kinds = {f.name: f.kind for f in report.failures}
    assert kinds == {
        "importerror": "import_error",
        "future": "incompatible",
        "exploding": "crashed",
        "notadapter": "invalid",
    }
    reasons = by_name(report)
    assert "No module named 'canonry_no_such_sdk_xyz'" in reasons["importerror"][1]
    assert reasons["future"][1].startswith(
        "targets adapter API 2.0; this Canonry implements 1.1 — upgrade canonry or pin the plugin"
    )
    assert (
        "RuntimeError while its declaration was read: vendor SDK not configured"
        in (reasons["exploding"][1])
    )
    assert "function" in reasons["notadapter"][1]
    assert {f.distribution for f in report.failures} >= {"canonry-fake-future"}
    warned = {r.getMessage().split("'")[1] for r in caplog.records if r.levelno == logging.WARNING}
    assert warned >= {"importerror", "future", "exploding", "notadapter"}


def test_a_loaded_plugin_reports_its_declaration(fake_dists: FakeDists) -> None:
    add_good(fake_dists)

    info = next(p for p in load_adapters(refresh=True, environ={}).plugins if p.name == "goodfake")

    assert (info.key, info.version, info.api_version, info.status) == (
        "goodfake",
        "1.2.3",
        "1.0",
        "loaded",
    )
    assert (info.distribution, info.distribution_version) == ("canonry-fake-good", "0.1")
    assert info.entry_point == "goodfake_plugin:Good"
    assert not info.builtin


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("raise RuntimeError('boom at import')\n", "importing crashing_plugin:Thing raised "),
        ("import sys\nsys.exit(3)\n", "raised SystemExit"),
        ("x = (\n", "SyntaxError"),
        ("Other = 1\n", "has no attribute 'Thing'"),
    ],
)
def test_a_module_that_fails_at_import_never_stops_discovery(
    fake_dists: FakeDists, body: str, reason: str
) -> None:
    fake_dists.add(
        "canonry-fake-crashing", {"crashing": "crashing_plugin:Thing"}, {"crashing_plugin": body}
    )
    add_good(fake_dists)

    report = load_adapters(refresh=True, environ={})

    assert "goodfake" in report.adapters
    assert reason in by_name(report)["crashing"][1]


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ('key = "Bad Key!"', "declare a lowercase key"),
        ("streams = ()", "streams is empty"),
        ('streams = (StreamSpec("x", "Payment"),)', "not a canonical model"),
        ('streams = (StreamSpec("x", "Customer"),) * 2', "declares stream 'x' twice"),
        ("config_model = dict", "not a pydantic model class"),
        ('api_version = "one"', "is not of the form MAJOR.MINOR"),
        ('api_version = "1.9"', "targets adapter API 1.9"),
        ('api_version = "0.9"', "upgrade the plugin"),
        ("check = None", "Patched.check is not a method"),
    ],
)
def test_declarations_that_cannot_work_are_refused_with_a_reason(
    fake_dists: FakeDists, patch: str, reason: str | None
) -> None:
    module = adapter_module("Odd", "odd") + f"\n    class Patched(Odd):\n        {patch}\n"
    fake_dists.add("canonry-fake-odd", {"odd": "odd_plugin:Patched"}, {"odd_plugin": module})

    status, why = by_name(load_adapters(refresh=True, environ={}))["odd"]

    assert status in {"invalid", "incompatible"}
    assert reason is None or reason in why


def test_an_abstract_adapter_is_invalid(fake_dists: FakeDists) -> None:
    module = "from adapters import Adapter, StreamSpec\n\nclass Half(Adapter):\n"
    module += "    key = 'half'\n    streams = (StreamSpec('c', 'Customer'),)\n"
    fake_dists.add("canonry-fake-half", {"half": "half_plugin:Half"}, {"half_plugin": module})

    status, why = by_name(load_adapters(refresh=True, environ={}))["half"]

    assert (status, why) == ("invalid", "Half does not implement check, read")


def test_a_missing_key_is_invalid(fake_dists: FakeDists) -> None:
    module = adapter_module("Keyless", "x").replace('key = "x"', "")
    fake_dists.add(
        "canonry-fake-keyless", {"keyless": "keyless_plugin:Keyless"}, {"keyless_plugin": module}
    )

    assert by_name(load_adapters(refresh=True, environ={}))["keyless"] == (
        "invalid",
        "Keyless does not declare 'key'",
    )


def test_duplicate_keys_first_distribution_wins_whatever_the_path_order(
    fake_dists: FakeDists,
) -> None:
    fake_dists.add(
        "canonry-fake-zzz", {"dupe": "dupe_z:Z"}, {"dupe_z": adapter_module("Z", "dupe")}
    )
    fake_dists.add(
        "canonry-fake-aaa", {"dupe2": "dupe_a:A"}, {"dupe_a": adapter_module("A", "dupe")}
    )

    report = load_adapters(refresh=True, environ={})

    assert report.adapters["dupe"].__name__ == "A"
    (failure,) = [f for f in report.failures if f.kind == "duplicate"]
    assert (failure.name, failure.distribution) == ("dupe", "canonry-fake-zzz")
    assert "already provided by dupe_a.A" in failure.reason
