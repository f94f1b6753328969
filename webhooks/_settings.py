"""Settings of the webhook endpoint, from arguments or ``CANONRY_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from canonical import ConfigurationError

__all__ = ["DEFAULT_MAX_BODY", "WebhookSettings", "settings_from_env"]

_S = TypeVar("_S", bound=BaseModel)

DEFAULT_MAX_BODY = 1024 * 1024
"""Deliveries larger than this (bytes) are refused with 413 unless configured otherwise."""

_ENV = {
    "database_url": "CANONRY_DATABASE_URL",
    "public_base_url": "CANONRY_PUBLIC_URL",
    "trust_forwarded_headers": "CANONRY_TRUST_FORWARDED",
    "max_body_bytes": "CANONRY_WEBHOOK_MAX_BODY",
    "cache_seconds": "CANONRY_WEBHOOK_CACHE_SECONDS",
    "max_header_bytes": "CANONRY_MAX_HEADER_BYTES",
    "max_headers": "CANONRY_MAX_HEADERS",
    "header_timeout": "CANONRY_HEADER_TIMEOUT",
}


class WebhookSettings(BaseModel):
    """How the endpoint finds its database and rebuilds the URL the sender called.

    ``public_base_url`` (``CANONRY_PUBLIC_URL``) is ``scheme://host[:port][/prefix]`` as the
    vendor sees this service; the request path is appended to it. HubSpot's v3 signature
    covers the full URL, so behind a proxy or tunnel set it, or turn on
    ``trust_forwarded_headers`` (``CANONRY_TRUST_FORWARDED=1``) when the proxy sets
    ``X-Forwarded-Proto``/``X-Forwarded-Host`` and strips any sent by clients.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; None: CANONRY_DATABASE_URL or sqlite:///canonry.db",
    )
    public_base_url: str | None = Field(
        default=None, description="scheme://host[:port][/prefix] the vendor calls"
    )
    trust_forwarded_headers: bool = Field(
        default=False, description="rebuild the public URL from X-Forwarded-Proto/Host"
    )
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY, ge=1024, le=64 * 1024 * 1024, description="413 above this"
    )
    cache_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="how long secrets changed outside Canonry (in Vault) stay cached; "
        "changes made through Canonry apply within about a second",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="request line + headers larger than this are answered 431 (canonry serve)",
    )
    max_headers: int = Field(
        default=100, ge=10, le=10_000, description="more headers than this: 431 (canonry serve)"
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="seconds to receive a request's line and headers, else 408 (canonry serve)",
    )

    @field_validator("public_base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("must look like https://host[:port][/prefix]")
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Settings from ``CANONRY_*`` variables; keyword arguments win over them."""
        return settings_from_env(
            cls, _ENV, environ, overrides, what="webhook settings", coerce=_coerce
        )


def settings_from_env(
    cls: type[_S],
    names: Mapping[str, str],
    environ: Mapping[str, str] | None,
    overrides: Mapping[str, Any],
    *,
    what: str,
    coerce: Callable[[str, str], Any] = lambda _name, raw: raw,
) -> _S:
    """Build ``cls`` from the environment variables ``names`` (field -> variable) and
    ``overrides`` (which win); a bad value is a ``ConfigurationError`` naming the variable."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, var in names.items():
        raw = env.get(var)
        if raw is not None and raw.strip():
            values[name] = coerce(name, raw.strip())
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return cls(**values)
    except ValidationError as exc:
        where = "; ".join(
            f"{names.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else 'settings'}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigurationError(
            f"invalid {what}: {where}", hint="fix the environment variable or option named"
        ) from None


def _coerce(name: str, raw: str) -> Any:
    if name == "trust_forwarded_headers":
        return raw.lower() in {"1", "true", "yes", "on"}
    return raw
