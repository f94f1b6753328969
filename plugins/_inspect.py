"""Inspect what an entry point loaded: is it a usable, compatible ``Adapter`` subclass?

Everything a plugin declares is read inside a guard: a property, metaclass or model that
raises while being read turns into a ``crashed`` problem, never into a crash of ours.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

import canonical
from adapters import Adapter, StreamSpec, WebhookSupport
from plugins._compat import compatibility_problem
from plugins._report import FailureKind

__all__ = ["AdapterDeclaration", "PluginProblem", "inspect_adapter"]

_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


class PluginProblem(Exception):
    """Internal signal: this plugin cannot be used, for ``reason`` (kind ``kind``)."""

    def __init__(self, kind: FailureKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: FailureKind = kind
        self.reason = reason


@dataclass(frozen=True)
class AdapterDeclaration:
    """The declared data of an adapter class that passed inspection."""

    cls: type[Adapter]
    key: str
    version: str
    api_version: str
    display_name: str


def inspect_adapter(obj: object) -> AdapterDeclaration:
    """Validate what an entry point loaded; raise ``PluginProblem`` when it is unusable."""
    if not (isinstance(obj, type) and issubclass(obj, Adapter)):
        raise PluginProblem(
            "invalid",
            f"loaded {_describe(obj)}, not a subclass of adapters.Adapter — point the entry "
            "point at the adapter class",
        )
    try:
        declared = _read_declaration(obj)
    except PluginProblem:
        raise
    except Exception as exc:
        raise PluginProblem(
            "crashed",
            f"{obj.__qualname__} raised {type(exc).__name__} while its declaration was read: {exc}",
        ) from exc
    return declared


def _read_declaration(cls: type[Adapter]) -> AdapterDeclaration:
    api_version = _api_version(cls)
    key = _attr(cls, "key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise PluginProblem(
            "invalid",
            f"{cls.__qualname__}.key is {key!r}; declare a lowercase key such as 'acme' "
            "(letters, digits, '-' or '_', starting with a letter)",
        )
    version = _attr(cls, "version")
    if not isinstance(version, str) or not version:
        raise PluginProblem("invalid", f"{cls.__qualname__}.version must be a non-empty string")
    _check_streams(cls)
    _check_models(cls)
    _check_webhooks(cls)
    for method in ("check", "read"):
        if not callable(_attr(cls, method)):
            raise PluginProblem("invalid", f"{cls.__qualname__}.{method} is not a method")
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        raise PluginProblem("invalid", f"{cls.__qualname__} does not implement {missing}")
    display_name = getattr(cls, "display_name", None)
    return AdapterDeclaration(
        cls=cls,
        key=key,
        version=version,
        api_version=api_version,
        display_name=display_name if isinstance(display_name, str) and display_name else key,
    )


def _api_version(cls: type[Adapter]) -> str:
    declared = _attr(cls, "api_version")
    try:
        problem = compatibility_problem(declared)
    except ValueError as exc:
        raise PluginProblem("incompatible", str(exc)) from exc
    if problem:
        raise PluginProblem("incompatible", problem)
    return str(declared)


def _check_streams(cls: type[Adapter]) -> None:
    streams = _attr(cls, "streams")
    if not isinstance(streams, tuple | list) or not streams:
        raise PluginProblem(
            "invalid", f"{cls.__qualname__}.streams is empty; declare at least one StreamSpec"
        )
    names: set[str] = set()
    for spec in streams:
        if not isinstance(spec, StreamSpec) or not spec.name:
            raise PluginProblem(
                "invalid", f"{cls.__qualname__}.streams holds {spec!r}, not a named StreamSpec"
            )
        if spec.name in names:
            raise PluginProblem(
                "invalid", f"{cls.__qualname__} declares stream {spec.name!r} twice"
            )
        names.add(spec.name)
        if not _is_canonical_model(spec.model):
            raise PluginProblem(
                "invalid",
                f"stream {spec.name!r} maps to {spec.model!r}, which is not a canonical model "
                "(use 'Customer', 'Invoice' or 'Event')",
            )


def _check_models(cls: type[Adapter]) -> None:
    for attr in ("config_model", "credentials_model"):
        model = _attr(cls, attr)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise PluginProblem(
                "invalid", f"{cls.__qualname__}.{attr} is {model!r}, not a pydantic model class"
            )
        model.model_json_schema()  # a model that cannot describe itself raises here


def _check_webhooks(cls: type[Adapter]) -> None:
    support = getattr(cls, "webhook_support", None)
    if support is None:
        return
    if not isinstance(support, WebhookSupport):
        raise PluginProblem(
            "invalid",
            f"{cls.__qualname__}.webhook_support is {support!r}, not an adapters.WebhookSupport",
        )
    fields = cls.credentials_model.model_fields
    if support.secret_fields[0] not in fields:
        raise PluginProblem(
            "invalid",
            f"{cls.__qualname__}.webhook_support names the secret field "
            f"{support.secret_fields[0]!r}, which its credentials_model does not have",
        )


def _attr(cls: type[Adapter], name: str) -> Any:
    try:
        return getattr(cls, name)
    except AttributeError:
        if name not in vars(Adapter):
            raise PluginProblem(
                "invalid", f"{cls.__qualname__} does not declare {name!r}"
            ) from None
        raise


def _is_canonical_model(name: object) -> bool:
    model = getattr(canonical, name, None) if isinstance(name, str) else None
    return isinstance(model, type) and issubclass(model, canonical.CanonicalModel | canonical.Event)


def _describe(obj: object) -> str:
    if isinstance(obj, type):
        return f"class {obj.__module__}.{obj.__qualname__}"
    return f"{type(obj).__name__} {obj!r:.60}"
