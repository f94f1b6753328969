"""The contract every adapter implements, built-in or plugin.

Two abstract methods (``check`` and ``read``); everything else is declared data or a
template method with a sensible default. An adapter is constructed per connection with
its validated config, its credentials and an optional HTTP transport seam.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from collections.abc import Mapping as AbstractMapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from canonical import CanonryError, ConfigurationError, ValidationFailed

if TYPE_CHECKING:
    from mapping import Mapping

__all__ = [
    "ADAPTER_API_VERSION",
    "Adapter",
    "Capability",
    "CheckResult",
    "Cursor",
    "Page",
    "StreamSpec",
]

ADAPTER_API_VERSION = "1.0"
"""The adapter-API version this Canonry implements (major.minor; majors must match)."""

Cursor = dict[str, Any]
"""An opaque, JSON-serialisable resume position that only the adapter interprets."""


class Capability(StrEnum):
    FULL_SYNC = "full_sync"
    INCREMENTAL_SYNC = "incremental_sync"
    WEBHOOKS = "webhooks"
    DELETES = "deletes"


@dataclass(frozen=True)
class StreamSpec:
    """A stream an adapter offers: its name and the canonical model its records map to."""

    name: str
    model: str
    description: str = ""


@dataclass(frozen=True)
class Page:
    """One page of raw vendor records and the cursor that resumes *after* this page.

    ``cursor`` is None only when the stream is exhausted and has no position worth
    saving; adapters that sync incrementally return a cursor on the last page too.
    """

    records: list[dict[str, Any]]
    cursor: Cursor | None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckResult:
    """The answer of ``Adapter.check()``: could we reach the vendor with these credentials?"""

    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class _EmptyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Adapter(ABC):
    """Translate one vendor API into raw record pages plus default mappings.

    Subclasses set the class attributes and implement ``check`` and ``read``.
    ``http`` is the transport seam: tests pass a client bound to a loopback fake.
    """

    key: ClassVar[str]
    display_name: ClassVar[str]
    version: ClassVar[str] = "0.0.0"
    api_version: ClassVar[str] = ADAPTER_API_VERSION
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.FULL_SYNC})
    config_model: ClassVar[type[BaseModel]] = _EmptyModel
    credentials_model: ClassVar[type[BaseModel]] = _EmptyModel
    streams: ClassVar[tuple[StreamSpec, ...]] = ()
    mappings_package: ClassVar[str | None] = None
    """Package holding ``mappings/<stream>.yaml``; defaults to the adapter's own package."""

    def __init__(
        self,
        config: BaseModel | AbstractMapping[str, Any] | None = None,
        credentials: BaseModel | AbstractMapping[str, Any] | None = None,
        *,
        connection_id: str = "local",
        http: httpx.Client | None = None,
    ) -> None:
        self.config = _coerce(self.config_model, config)
        self.credentials = _coerce(self.credentials_model, credentials)
        self.connection_id = connection_id
        self.http = http

    def __repr__(self) -> str:
        return f"<{type(self).__name__} key={self.key!r} connection={self.connection_id!r}>"

    @abstractmethod
    def check(self) -> CheckResult:
        """Can we reach the vendor with these credentials? Never raises for a refusal."""

    @abstractmethod
    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        """Yield pages of raw records of ``stream``, starting after ``cursor`` (None: start)."""

    # template methods -------------------------------------------------------------
    def stream(self, name: str) -> StreamSpec:
        for spec in self.streams:
            if spec.name == name:
                return spec
        known = ", ".join(s.name for s in self.streams) or "none"
        raise ConfigurationError(
            f"adapter {self.key!r} has no stream {name!r}", hint=f"known streams: {known}"
        )

    def default_mapping(self, stream: str) -> Mapping:
        """The mapping shipped as data in ``<package>/mappings/<stream>.yaml``."""
        from mapping import Mapping

        self.stream(stream)
        package = self.mappings_package or type(self).__module__.rpartition(".")[0]
        text = resources.files(package).joinpath("mappings", f"{stream}.yaml").read_text()
        return Mapping.from_yaml(text)

    def sample_records(self, stream: str) -> list[dict[str, Any]]:
        """Representative raw records for the contract kit; adapters should override."""
        return []

    # webhook hooks (adapters with Capability.WEBHOOKS override both) ---------------
    def verify_webhook(
        self,
        *,
        method: str,
        url: str,
        headers: AbstractMapping[str, str],
        body: bytes,
        secrets: list[SecretStr],
    ) -> None:
        """Raise ``WebhookVerificationError`` unless the delivery is signed by a secret."""
        raise CanonryError(f"adapter {self.key!r} does not receive webhooks")

    def parse_webhook(
        self, *, headers: AbstractMapping[str, str], body: bytes
    ) -> list[dict[str, Any]]:
        """Split a verified delivery into vendor events (one dict per event)."""
        raise CanonryError(f"adapter {self.key!r} does not receive webhooks")


def _coerce(model: type[BaseModel], value: BaseModel | AbstractMapping[str, Any] | None) -> Any:
    if isinstance(value, model):
        return value
    if isinstance(value, BaseModel):
        value = value.model_dump()
    try:
        return model.model_validate(dict(value or {}))
    except ValidationError as exc:
        # Never echo input values: this may be a credentials model holding secrets.
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        where = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in errors)
        raise ValidationFailed(
            f"invalid {model.__name__}: {where}",
            errors=errors,
            hint="check the field names and types the adapter documents",
        ) from None
