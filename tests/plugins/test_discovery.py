"""Discovery through entry points: broken plugins isolated and reported, the others load."""

from __future__ import annotations

import logging
import sys

import pytest

from canonical import PluginError
from plugins import PluginReport, load_adapters
from tests.plugins.conftest import FakeDists

ADAPTER = """
    from adapters import Adapter, CheckResult, StreamSpec

    class {name}(Adapter):
        key = "{key}"
        display_name = "{name}"
        version = "1.2.3"
        api_version = "{api}"
        streams = (StreamSpec("customers", "Customer"),)

        def check(self):
            return CheckResult(True, "ok")

        def read(self, stream, cursor=None):
            return iter(())
"""


def adapter_module(name: str, key: str, api: str = "1.0") -> str:
    return ADAPTER.format(name=name, key=key, api=api)


def add_good(dists: FakeDists, key: str = "goodfake", dist: str = "canonry-fake-good") -> None:
    module = f"{key}_plugin"
    dists.add(dist, {key: f"{module}:Good"}, {module: adapter_module("Good", key)})


def add_broken_set(dists: FakeDists) -> None:
    dists.add(
        "canonry-fake-importerror",
        {"importerror": "importerror_plugin:Adapter"},
        {"importerror_plugin": "import canonry_no_such_sdk_xyz\n"},
    )
    dists.add(
        "canonry-fake-future",
        {"future": "future_plugin:Future"},
        {"future_plugin": adapter_module("Future", "future", api="2.0")},
    )
    dists.add(
        "canonry-fake-exploding",
        {"exploding": "exploding_plugin:Exploding"},
        {
            "exploding_plugin": """
                from abc import ABCMeta
                from adapters import Adapter

                class Meta(ABCMeta):
                    @property
                    def key(cls):
                        raise RuntimeError("vendor SDK not configured")

                class Exploding(Adapter, metaclass=Meta):
                    pass
            """
        },
    )
    dists.add(
        "canonry-fake-notadapter",
        {"notadapter": "notadapter_plugin:make_adapter"},
        {"notadapter_plugin": "def make_adapter():\n    return None\n"},
    )


def by_name(report: PluginReport) -> dict[str, tuple[str, str]]:
    return {p.name: (p.status, p.reason) for p in report.plugins}


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
        "targets adapter API 2.0; this Canonry implements 1.0 — upgrade canonry or pin the plugin"
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
