"""Validating an adapter's config and credentials without echoing their values."""

from __future__ import annotations

from collections.abc import Mapping as AbstractMapping
from typing import Any

from pydantic import BaseModel, ValidationError

from canonical import ValidationFailed

__all__ = ["coerce_model"]


def coerce_model(model: type[BaseModel], value: object, what: str) -> Any:
    if isinstance(value, model):
        return value
    if isinstance(value, BaseModel):
        value = dict(value)  # field values as they are: SecretStr stays SecretStr
    if value is not None and not isinstance(value, AbstractMapping):
        raise ValidationFailed(
            f"invalid {what}: expected a mapping or a {model.__name__}, got {type(value).__name__}",
            hint=f"pass the {what} as a dict of field values",
        )
    failure: ValidationFailed | None = None
    try:
        return model.model_validate(dict(value or {}))
    except ValidationError as exc:
        failure = _validation_failed(model, exc, what)
    # Raised outside the except block: no __context__ holding pydantic's error, whose
    # text includes the input values (which may be secrets).
    raise failure


def _validation_failed(model: type[BaseModel], exc: ValidationError, what: str) -> ValidationFailed:
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    where = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in errors)
    return ValidationFailed(
        f"invalid {what} ({model.__name__}): {where}",
        errors=errors,
        hint="check the field names and types the adapter documents",
    )
