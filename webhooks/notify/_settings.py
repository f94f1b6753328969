"""Settings of the notification sender, from arguments or ``CANONRY_NOTIFY_*`` variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry.schedules import parse_duration
from webhooks._settings import settings_from_env

__all__ = ["DEFAULT_RETRY_SCHEDULE", "NotifySettings"]

DEFAULT_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
"""Seconds before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts over
27 h 35 min), then the delivery is dead (the schedule Svix and Standard Webhooks use)."""

_ENV = {
    "allow_private": "CANONRY_NOTIFY_ALLOW_PRIVATE",
    "allow_http": "CANONRY_NOTIFY_ALLOW_HTTP",
    "retry_schedule": "CANONRY_NOTIFY_RETRY_SCHEDULE",
    "timeout": "CANONRY_NOTIFY_TIMEOUT",
    "concurrency": "CANONRY_NOTIFY_CONCURRENCY",
    "endpoint_concurrency": "CANONRY_NOTIFY_ENDPOINT_CONCURRENCY",
    "poll_interval": "CANONRY_NOTIFY_POLL_SECONDS",
}
_FLAGS = {"allow_private", "allow_http"}


class NotifySettings(BaseModel):
    """How notifications are sent. The defaults are the safe ones: https only, public
    addresses only (an operator opts in to private ones, e.g. for a receiver on the same
    network, with ``CANONRY_NOTIFY_ALLOW_PRIVATE=1``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_private: bool = Field(
        default=False, description="allow loopback, private and link-local targets"
    )
    allow_http: bool = Field(default=False, description="allow http:// endpoint URLs")
    retry_schedule: tuple[float, ...] = Field(
        default=DEFAULT_RETRY_SCHEDULE, max_length=30, description="seconds before each retry"
    )
    timeout: float = Field(default=15.0, gt=0, le=120, description="seconds per attempt")
    connect_timeout: float = Field(default=5.0, gt=0, le=60)
    max_response_bytes: int = Field(default=65536, ge=1024, le=1024 * 1024)
    """The most of an answer that is read; the rest is dropped unread."""
    concurrency: int = Field(default=16, ge=1, le=500, description="attempts at once per worker")
    endpoint_concurrency: int = Field(
        default=4, ge=1, le=100, description="attempts at once per endpoint"
    )
    poll_interval: float = Field(
        default=1.0, gt=0, le=60, description="outbox and delivery queue poll seconds"
    )
    batch: int = Field(default=500, ge=1, le=10_000, description="outbox rows per poll")

    @field_validator("retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return tuple(float(p) if _number(p) else parse_duration(p, what="retry") for p in parts)
        return value

    @field_validator("retry_schedule")
    @classmethod
    def _check_schedule(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(v < 0 or v > 7 * 86400 for v in value):
            raise ValueError("each retry delay must be between 0 and 7 days")
        return value

    @property
    def attempts(self) -> int:
        """Attempts per delivery round: the first one and one per retry delay."""
        return len(self.retry_schedule) + 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        return settings_from_env(
            cls, _ENV, environ, overrides, what="notification settings", coerce=_coerce
        )


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _coerce(name: str, raw: str) -> Any:
    if name in _FLAGS:
        return raw.lower() in {"1", "true", "yes", "on"}
    return raw
