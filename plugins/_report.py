"""What plugin discovery found: loaded adapters, failures with reasons, one row per plugin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from adapters import Adapter
from canonical import PluginError

__all__ = ["FailureKind", "PluginFailure", "PluginInfo", "PluginReport", "PluginStatus"]

FailureKind = Literal["import_error", "incompatible", "invalid", "crashed", "duplicate", "disabled"]
"""Why a plugin did not load.

``import_error``  its module or attribute could not be imported
``incompatible``  it targets an adapter-API version this Canonry does not implement
``invalid``       it loaded but is not a usable Adapter (wrong type, missing key or streams, ...)
``crashed``       it raised while being imported or while its declaration was read
``duplicate``     another plugin earlier in the load order already provides its adapter key
``disabled``      ``CANONRY_PLUGINS`` (or ``allow=``) does not list it
"""

PluginStatus = Literal[
    "loaded", "import_error", "incompatible", "invalid", "crashed", "duplicate", "disabled"
]


@dataclass(frozen=True)
class PluginFailure:
    """One plugin that was skipped, and why. ``reason`` is written for the person reading it."""

    name: str
    distribution: str | None
    reason: str
    kind: FailureKind


@dataclass(frozen=True)
class PluginInfo:
    """One row of ``canonry adapters list``: an entry point and what became of it.

    ``key``, ``version`` and ``api_version`` are None when the plugin failed before they
    could be read. ``distribution`` is the installed distribution's name (``canonry`` for
    the built-in adapters) and ``distribution_version`` its version.
    """

    name: str
    key: str | None
    version: str | None
    api_version: str | None
    distribution: str | None
    status: PluginStatus
    reason: str = ""
    display_name: str | None = None
    distribution_version: str | None = None
    entry_point: str = ""

    @property
    def builtin(self) -> bool:
        return self.distribution == "canonry"


@dataclass(frozen=True)
class PluginReport:
    """The outcome of one discovery pass; ``adapters`` maps adapter keys to classes.

    Reports are cached and shared per process: treat them as read-only (copy
    ``adapters`` before changing it).
    """

    adapters: dict[str, type[Adapter]] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    plugins: list[PluginInfo] = field(default_factory=list)
    unmatched_allow: tuple[str, ...] = ()
    """Names in ``CANONRY_PLUGINS`` / ``allow=`` that no installed plugin answered to."""

    def get(self, key: str) -> type[Adapter]:
        """The adapter class for ``key``, or a ``PluginError`` that says why it is missing."""
        try:
            return self.adapters[key]
        except KeyError:
            raise self._missing(key) from None

    def failure_for(self, name_or_key: str) -> PluginFailure | None:
        """The failure of the plugin with this entry-point name or adapter key, if any."""
        names = {
            info.name
            for info in self.plugins
            if info.status != "loaded" and name_or_key in (info.name, info.key)
        }
        return next((failure for failure in self.failures if failure.name in names), None)

    def _missing(self, key: str) -> PluginError:
        failure = self.failure_for(key)
        if failure is None:
            known = ", ".join(sorted(self.adapters)) or "none"
            return PluginError(
                f"no adapter {key!r} is installed",
                hint=f"installed adapters: {known}; install the plugin that provides it",
            )
        if failure.kind == "disabled":
            return PluginError(
                f"adapter {key!r} is installed but disabled",
                hint="add it to CANONRY_PLUGINS (comma-separated) or unset that variable",
            )
        return PluginError(
            f"adapter {key!r} failed to load ({failure.kind}): {failure.reason}",
            hint="run `canonry adapters list` for every plugin's status",
        )
