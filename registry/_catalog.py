"""The adapters a Registry can use: injected explicitly, or discovered through plugins."""

from __future__ import annotations

from collections.abc import Mapping

from adapters import Adapter
from canonical import ConfigurationError

__all__ = ["AdapterCatalog"]


class AdapterCatalog:
    """Adapter classes by key. Without an explicit mapping, installed plugins are loaded once."""

    def __init__(self, adapters: Mapping[str, type[Adapter]] | None = None) -> None:
        self._adapters: dict[str, type[Adapter]] | None = (
            dict(adapters) if adapters is not None else None
        )

    def all(self) -> dict[str, type[Adapter]]:
        if self._adapters is None:
            from plugins import load_adapters

            self._adapters = dict(load_adapters().adapters)
        return dict(self._adapters)

    def get(self, key: str) -> type[Adapter]:
        adapters = self.all()
        try:
            return adapters[key]
        except KeyError:
            known = ", ".join(sorted(adapters)) or "none"
            raise ConfigurationError(
                f"no adapter {key!r} is installed",
                hint=f"installed adapters: {known}; see `canonry adapters list`",
            ) from None
