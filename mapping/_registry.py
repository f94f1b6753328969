"""The transform registry: named value transforms that mapping rules refer to.

A transform is registered as a *factory*: it receives the rule's ``args`` (a dict, checked
when the mapping loads) and returns the function applied to each value::

    @register_transform("cents_to_units")
    def cents_to_units(args: dict[str, Any]) -> Apply:
        divisor = int(args.get("divisor", 100))
        return lambda value, ctx: value / divisor

The applied function gets the value and a :class:`Context` (the record being mapped and
the root record; they differ inside invoice lines). It raises ``ValueError`` or
``TypeError`` for a value it cannot handle; the engine turns that into a ``MappingError``
naming the rule, the source path and the value. A factory raises ``ValueError`` or
``TypeError`` for bad args, which the loader reports the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = [
    "Apply",
    "Context",
    "TransformFactory",
    "TransformSpec",
    "build_transform",
    "check_args",
    "get_transform",
    "register_transform",
    "transform_names",
]


class Context:
    """What a transform may look at besides its value: the record and the root record."""

    __slots__ = ("record", "root")

    def __init__(self, record: dict[str, Any], root: dict[str, Any] | None = None) -> None:
        self.record = record
        self.root = record if root is None else root


Apply = Callable[[Any, Context], Any]
TransformFactory = Callable[[dict[str, Any]], Apply]
_F = TypeVar("_F", bound=TransformFactory)
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class TransformSpec:
    """A registered transform: its factory and which of its args are source paths."""

    name: str
    factory: TransformFactory
    path_args: dict[str, str | None] = field(default_factory=dict)
    description: str = ""


_REGISTRY: dict[str, TransformSpec] = {}


def register_transform(
    name: str, *, path_args: dict[str, str | None] | None = None, replace: bool = False
) -> Callable[[_F], _F]:
    """Register a transform factory under ``name`` (a decorator).

    ``path_args`` maps the names of args whose values are source paths to their default
    path (checked at load time and reported by ``Mapping.source_paths()``). Registering
    a taken name raises ``ValueError`` unless ``replace=True``.
    """

    def decorate(factory: _F) -> _F:
        if name in _REGISTRY and not replace:
            raise ValueError(
                f"transform {name!r} is already registered; pass replace=True to override it"
            )
        doc = (factory.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = TransformSpec(name, factory, dict(path_args or {}), doc[0] if doc else "")
        return factory

    return decorate


def transform_names() -> list[str]:
    """Every registered transform name, sorted."""
    return sorted(_REGISTRY)


def get_transform(name: str) -> TransformSpec:
    """The spec registered under ``name``; ``ValueError`` listing the known names if none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown transform {name!r}; known transforms: {', '.join(transform_names())}"
        ) from None


def build_transform(name: str, args: dict[str, Any]) -> Apply:
    """Look up ``name`` and call its factory with ``args``; ``ValueError`` if either is bad."""
    spec = get_transform(name)
    try:
        return spec.factory(args)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"bad args for transform {name!r}: {exc}") from None


def check_args(model: type[_M], args: dict[str, Any]) -> _M:
    """Validate ``args`` against a small pydantic model; ``ValueError`` naming what is allowed."""
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        allowed = ", ".join(model.model_fields) or "none"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'args'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ValueError(f"{problems} (allowed args: {allowed})") from None
