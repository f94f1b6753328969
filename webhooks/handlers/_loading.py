"""Import handler modules: by ``module[:attr]`` spec and through the entry-point group.

Entry points load through the same plugin discovery as adapters (``plugins.load_group``):
in a fixed order, each isolated (a plugin that fails to import, or names something that
is not a handler, is a warning with a reason, never a crash), limited by
``CANONRY_HANDLER_PLUGINS`` (comma-separated entry-point or distribution names).
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from canonical import ConfigurationError
from webhooks.handlers._registry import DEFAULT_HANDLERS, Handler, HandlerRegistry

if TYPE_CHECKING:
    from plugins import GroupReport

__all__ = [
    "ENTRY_POINT_GROUP",
    "HANDLER_PLUGINS_ENV",
    "discover_handlers",
    "load_entry_points",
    "load_handlers",
    "load_spec",
    "specs_from_env",
]

ENTRY_POINT_GROUP = "canonry.webhook_handlers"
HANDLER_PLUGINS_ENV = "CANONRY_HANDLER_PLUGINS"
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
    elif not isinstance(value, ModuleType):
        raise ConfigurationError(
            f"it names {type(value).__name__}, not a module, Handler or HandlerRegistry",
            hint="point the entry point at the module whose @webhooks.on decorators register",
        )


def discover_handlers(
    registry: HandlerRegistry = DEFAULT_HANDLERS,
    *,
    allow: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> GroupReport:
    """Load the ``canonry.webhook_handlers`` entry points into ``registry``; the report
    lists what loaded and, with a reason, what did not."""
    from plugins import load_group

    report = load_group(
        ENTRY_POINT_GROUP,
        env_var=HANDLER_PLUGINS_ENV,
        allow=allow,
        environ=os.environ if environ is None else environ,
    )
    for point in list(report.loaded):
        try:
            _adopt(point.value, registry)
        except ConfigurationError as exc:  # not a handler, or a name clash
            report.refuse(point, "invalid", exc.message)
    return report


def load_entry_points(registry: HandlerRegistry = DEFAULT_HANDLERS) -> list[str]:
    """Load every allowed ``canonry.webhook_handlers`` entry point; a broken one is a
    warning. Returns the names that loaded."""
    return [point.name for point in discover_handlers(registry).loaded]


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
