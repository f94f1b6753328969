"""Fake plugin sources shared by the discovery tests."""

from __future__ import annotations

from plugins import PluginReport
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
