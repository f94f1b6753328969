"""Canonical target fields: which models a mapping may fill and which fields they offer."""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from canonical import CanonicalModel, MappingError, SchemaError, model_by_name

__all__ = [
    "ENGINE_FIELDS",
    "check_target",
    "item_model",
    "mappable_fields",
    "required_fields",
    "resolve_model",
]

ENGINE_FIELDS = frozenset({"id", "source", "remote_data", "object"})
"""Fields the engine fills itself (or derives); rules may not target them."""

_MAPPABLE = ("Customer", "Invoice")


def resolve_model(name: str) -> type[CanonicalModel]:
    """The canonical model class called ``name``; ``MappingError`` listing the valid names."""
    try:
        found = model_by_name(name)
    except SchemaError:
        found = None
    if isinstance(found, type) and issubclass(found, CanonicalModel):
        return found
    raise MappingError(
        f"unknown canonical model {name!r} for a mapping; use one of: {', '.join(_MAPPABLE)}",
        rule="model",
        value=repr(name),
    )


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [t for arg in get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_dict(annotation: Any) -> bool:
    return any(c is dict or get_origin(c) is dict for c in _unwrap(annotation))


def item_model(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The item model of a ``list[SomeModel]`` field (``Invoice.lines`` -> InvoiceLine)."""
    info = model.model_fields.get(field)
    if info is None:
        return None
    for candidate in _unwrap(info.annotation):
        if get_origin(candidate) is list:
            return _nested_model(get_args(candidate)[0])
    return None


def mappable_fields(model: type[BaseModel]) -> list[str]:
    """Top-level fields a rule may target (list-of-model fields have their own section)."""
    return sorted(
        name
        for name in model.model_fields
        if name not in ENGINE_FIELDS and not item_model(model, name)
    )


def required_fields(model: type[BaseModel]) -> list[str]:
    """Fields a mapping must fill because the model has no default for them."""
    return [
        name
        for name, info in model.model_fields.items()
        if info.is_required() and name not in ENGINE_FIELDS
    ]


def check_target(model: type[BaseModel], target: str) -> None:
    """Check a dotted target (``billing_address.city``); ``ValueError`` naming valid fields."""
    current: type[BaseModel] | None = model
    parts = target.split(".")
    for depth, part in enumerate(parts):
        assert current is not None
        allowed = mappable_fields(current) if depth == 0 else sorted(current.model_fields)
        if part not in allowed:
            raise ValueError(_unknown(current, part, allowed, target))
        annotation = current.model_fields[part].annotation
        if depth + 1 < len(parts) and _is_dict(annotation):
            if not all(parts[depth + 1 :]) or depth + 2 < len(parts):
                raise ValueError(f"{target!r}: give one key under {part!r}, e.g. '{part}.tier'")
            return
        current = _nested_model(annotation)
        if current is None and depth + 1 < len(parts):
            raise ValueError(f"{target!r}: field {part!r} has no sub-fields to target")


def _unknown(model: type[BaseModel], part: str, allowed: list[str], target: str) -> str:
    hint = difflib.get_close_matches(part, allowed, n=1)
    where = f" in target {target!r}" if "." in target else ""
    guess = f" (did you mean {hint[0]!r}?)" if hint else ""
    return (
        f"{model.__name__} has no field {part!r}{where}{guess}; valid fields: {', '.join(allowed)}"
    )
