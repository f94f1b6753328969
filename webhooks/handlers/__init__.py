"""Webhook handlers: ``on`` decorator, registry and loading (see ``_registry``)."""

from webhooks.handlers._loading import (
    ENTRY_POINT_GROUP,
    HANDLER_PLUGINS_ENV,
    discover_handlers,
    load_entry_points,
    load_handlers,
    load_spec,
    specs_from_env,
)
from webhooks.handlers._registry import (
    DEFAULT_HANDLERS,
    Handler,
    HandlerFunc,
    HandlerRegistry,
    StalePolicy,
    on,
)

__all__ = [
    "DEFAULT_HANDLERS",
    "ENTRY_POINT_GROUP",
    "HANDLER_PLUGINS_ENV",
    "Handler",
    "HandlerFunc",
    "HandlerRegistry",
    "StalePolicy",
    "discover_handlers",
    "load_entry_points",
    "load_handlers",
    "load_spec",
    "on",
    "specs_from_env",
]
