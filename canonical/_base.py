"""Fields every canonical record carries, and how its stable Canonry id is derived."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, model_validator

__all__ = ["CanonicalModel", "Source", "UtcDatetime", "canonical_id"]

_NAMESPACE = uuid.UUID("6f1c7f0e-3d0b-5c52-9d4e-63616e6f6e72")


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime has no time zone; give an aware datetime (UTC preferred)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]
"""An aware datetime, normalised to UTC; naive datetimes are refused."""


def canonical_id(object_type: str, connection_id: str, remote_id: str) -> str:
    """The stable Canonry id of a vendor record: the same inputs always give the same id."""
    name = f"{object_type}:{connection_id}:{remote_id}"
    return str(uuid.uuid5(_NAMESPACE, name))


class Source(BaseModel):
    """Where a record came from: the adapter key and the connection id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    adapter: str = Field(min_length=1)
    connection_id: str = Field(min_length=1)


class CanonicalModel(BaseModel):
    """Base of Customer and Invoice: identity, provenance, vendor timestamps, extras."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    object_type: ClassVar[str]

    id: str = Field(default="", description="Canonry's stable id; derived when left empty")
    remote_id: str = Field(min_length=1, description="the vendor's id")
    source: Source
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    remote_was_deleted: bool = False
    custom_fields: dict[str, JsonValue] = Field(default_factory=dict)
    remote_data: dict[str, Any] | None = Field(default=None, repr=False)

    @model_validator(mode="after")
    def _derive_id(self) -> CanonicalModel:
        if not self.id:
            derived = canonical_id(self.object_type, self.source.connection_id, self.remote_id)
            object.__setattr__(self, "id", derived)
        return self
