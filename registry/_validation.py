"""Validate connection config and credentials against an adapter's models, never echoing values.

A config's vendor base URLs (fields marked ``adapters.VendorHosts``) must be the vendor's own
hosts or allowed by the operator's ``CANONRY_VENDOR_BASE_URLS``; ``custom_base_urls`` names
the others, for the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from adapters import Adapter, check_vendor_base_urls
from canonical import ValidationFailed

__all__ = ["credentials_model_for", "custom_base_urls", "validate_config", "validate_credentials"]


def _failure(what: str, adapter: type[Adapter], exc: ValidationError) -> ValidationFailed:
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    where = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in errors)
    return ValidationFailed(
        f"invalid {what} for adapter {adapter.key!r}: {where}",
        errors=errors,
        hint=f"see the fields with `canonry adapters show {adapter.key}`",
    )


def _config_model(adapter: type[Adapter], config: Mapping[str, Any] | None) -> BaseModel:
    try:
        return adapter.config_model.model_validate(dict(config or {}))
    except ValidationError as exc:
        raise _failure("config", adapter, exc) from None


def validate_config(adapter: type[Adapter], config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The config as the adapter's ``config_model`` accepts it, as JSON-ready data; a vendor
    base URL the operator has not allowed is a ``VendorHostRefused``."""
    model = _config_model(adapter, config)
    check_vendor_base_urls(model)
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


def custom_base_urls(adapter: type[Adapter], config: Mapping[str, Any] | None) -> dict[str, str]:
    """The config's vendor base URLs that are not the adapter's defaults (field -> URL)."""
    return check_vendor_base_urls(_config_model(adapter, config))


def _plain(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def credentials_model_for(
    adapter: type[Adapter], secrets: Mapping[str, SecretStr | str]
) -> BaseModel:
    """The adapter's credentials model built from stored or given secrets."""
    try:
        return adapter.credentials_model.model_validate({k: _plain(v) for k, v in secrets.items()})
    except ValidationError as exc:
        raise _failure("credentials", adapter, exc) from None


def validate_credentials(
    adapter: type[Adapter], secrets: Mapping[str, SecretStr | str]
) -> dict[str, SecretStr]:
    """Check ``secrets`` against the credentials model; return the payload to store."""
    model = credentials_model_for(adapter, secrets)
    payload: dict[str, SecretStr] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is not None:
            payload[name] = SecretStr(str(_plain(value)))
    return payload
