"""Import handler modules: by ``module[:attr]`` spec and through the entry-point group."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points

from canonical import ConfigurationError
from webhooks.handlers._registry import DEFAULT_HANDLERS, Handler, HandlerRegistry

__all__ = ["ENTRY_POINT_GROUP", "load_entry_points", "load_handlers", "load_spec", "specs_from_env"]

ENTRY_POINT_GROUP = "canonry.webhook_handlers"
_log = logging.getLogger("canonry.webhooks.handlers")


def load_spec(spec: str, registry: HandlerRegistry = DEFAULT_HANDLERS) -> None:
    """Import ``module`` (its decorators register) or ``module:attr``.

    ``attr`` may be a ``Handler``, an iterable of them, or a ``HandlerRegistry`` whose
    handlers are added to ``registry``; anything else only needs importing.
    """
    module_name, _, attr = spec.strip().partition(":")
    if not module_name:
        raise ConfigurationError(f"invalid handler spec {spec!r}", hint="use module or module:attr")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(
            f"cannot import handler module {module_name!r}: {exc}",
            hint="check the name and that the module is installed or on PYTHONPATH",
        ) from exc
    if not attr:
        return
    try:
        value = getattr(module, attr)
    except AttributeError as exc:
        raise ConfigurationError(
            f"module {module_name!r} has no attribute {attr!r}", hint="fix the handler spec"
        ) from exc
    _adopt(value, registry)


def _adopt(value: object, registry: HandlerRegistry) -> None:
    if isinstance(value, Handler):
        registry.add(value)
    elif isinstance(value, HandlerRegistry):
        if value is not registry:
            registry.extend(value.all())
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        registry.extend(v for v in value if isinstance(v, Handler))


def load_entry_points(registry: HandlerRegistry = DEFAULT_HANDLERS) -> list[str]:
    """Load every ``canonry.webhook_handlers`` entry point; a broken one is a warning."""
    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            _adopt(ep.load(), registry)
        except Exception as exc:  # a broken plugin must not stop the worker
            _log.warning("webhook handler plugin %r failed to load: %s", ep.name, exc)
            continue
        loaded.append(ep.name)
    return loaded


def specs_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """``CANONRY_HANDLERS``: comma-separated ``module[:attr]`` specs."""
    raw = (os.environ if environ is None else environ).get("CANONRY_HANDLERS", "")
    return [s.strip() for s in raw.split(",") if s.strip()]


def load_handlers(
    specs: Iterable[str] = (),
    *,
    registry: HandlerRegistry = DEFAULT_HANDLERS,
    entry_points_too: bool = True,
    environ: Mapping[str, str] | None = None,
) -> HandlerRegistry:
    """Import ``specs`` plus ``CANONRY_HANDLERS`` plus (by default) the entry points."""
    for spec in [*specs, *specs_from_env(environ)]:
        load_spec(spec, registry)
    if entry_points_too:
        load_entry_points(registry)
    return registry
