"""Per-connection settings of Canonry itself (not the adapter's config): what the replica keeps.

Stored with the connection, validated here, changed with ``canonry connections update``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from canonical import ConfigurationError
from mapping._lenient import FieldErrors

__all__ = ["ConnectionSettings", "parse_settings"]


class ConnectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keep_remote_data: bool = False
    """Keep each record's raw vendor object (``remote_data``) in the store."""
    remote_data_days: int | None = Field(default=None, ge=1, le=36_500)
    """Drop kept raw objects older than this many days (None: keep them while the record
    lives). Only the raw object goes: the canonical record stays."""
    field_errors: FieldErrors = "lenient"
    """A vendor value the canonical model refuses in an optional field (a free-text phone):
    ``lenient`` leaves the field out, keeps the raw record (``remote_data``) and counts the
    record in the run (``warned``); ``strict`` refuses the record, failing the run."""


def parse_settings(values: Mapping[str, Any] | None) -> ConnectionSettings:
    try:
        return ConnectionSettings.model_validate(dict(values or {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigurationError(
            f"invalid connection setting {where}: {first['msg']}",
            hint="settings are keep_remote_data (true/false), remote_data_days (1-36500) "
            "and field_errors (lenient/strict)",
        ) from None
