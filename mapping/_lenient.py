"""The field-error policy: a vendor-valid value the canonical type refuses.

A vendor may hold values no canonical type accepts (a free-text phone ``"call me"``, an
email address at a ``.local`` domain, a two-letter country field holding ``"Germany"``).
Under ``"strict"`` the record is refused (``MappingError``), as before. Under ``"lenient"``
each refused *optional* field is left out (it becomes None), the record maps, and a
``FieldWarning`` says which field and why; the raw vendor record is kept as the object's
``remote_data`` so the value is not lost. Errors that are not one optional field's (a
required field, a rule across fields such as one currency per line) are refused under
both policies.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

__all__ = [
    "FIELD_ERRORS",
    "FieldErrors",
    "FieldWarning",
    "drop_refused_fields",
    "warning_for",
]

FieldErrors = Literal["lenient", "strict"]
FIELD_ERRORS: tuple[FieldErrors, ...] = ("lenient", "strict")


@dataclass(frozen=True)
class FieldWarning:
    """One field left out under the lenient policy (the raw value stays in ``remote_data``)."""

    field: str
    """The canonical field, dotted, with line indexes (``lines[0].unit_amount``)."""
    rule: str | None
    path: str | None
    """The vendor path the value came from, when the mapping knows it."""
    reason: str


def drop_refused_fields(
    model: type[BaseModel], data: dict[str, Any], exc: ValidationError
) -> list[tuple[tuple[str | int, ...], str]] | None:
    """Remove from ``data`` every optional field ``exc`` refused; the (location, reason) of
    each. None (and ``data`` untouched) when some error is not an optional field's."""
    drops: list[tuple[tuple[str | int, ...], str]] = []
    for error in exc.errors(include_url=False):
        where = _droppable(model, error)
        if where is None:
            return None
        drops.append((where, error["msg"].removeprefix("Value error, ")))
    for where, _ in drops:
        _remove(data, where)
    return drops


def warning_for(
    where: tuple[str | int, ...],
    reason: str,
    origins: dict[tuple[str, ...], tuple[str, str | None]],
    lines_source: str | None,
) -> FieldWarning:
    """The warning for a field left out at ``where``, with the rule and vendor path."""
    names = tuple(str(p) for p in where if not isinstance(p, int))
    rule, path = origins.get(names, (None, None))
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
    index = next((p for p in where if isinstance(p, int)), None)
    if rule is not None and rule.startswith("lines.") and index is not None:
        path = f"{lines_source}[{index}].{path}"
    return FieldWarning(field=field, rule=rule, path=path, reason=reason)


def _droppable(model: type[BaseModel], error: ErrorDetails) -> tuple[str | int, ...] | None:
    """The location of the deepest optional field enclosing the error, if any."""
    if error["type"] == "missing":
        return None
    current: type[BaseModel] | None = model
    found: tuple[str | int, ...] | None = None
    walked: list[str | int] = []
    for part in error["loc"]:
        if isinstance(part, int):
            walked.append(part)
            continue
        if current is None or part not in current.model_fields:
            break
        info = current.model_fields[part]
        walked.append(part)
        if not info.is_required():
            found = tuple(walked)
        current = _inner_model(info.annotation)
    return found


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _remove(data: Any, where: tuple[str | int, ...]) -> None:
    node = data
    for part in where[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node.pop(where[-1], None)
