"""The contract every adapter implements, built-in or plugin.

Two abstract methods (``check`` and ``read``); everything else is declared data or a
template method with a sensible default. An adapter is constructed per connection with
its validated config, its credentials and an optional HTTP client (the test seam)::

    class AcmeAdapter(Adapter):
        key = "acme"
        display_name = "Acme CRM"
        capabilities = frozenset({Capability.FULL_SYNC})
        config_model = AcmeConfig            # pydantic; stored in clear, no secrets
        credentials_model = AcmeCredentials  # pydantic; secrets as SecretStr
        streams = (StreamSpec("customers", "Customer"),)

        def check(self) -> CheckResult: ...
        def read(self, stream, cursor=None) -> Iterator[Page]: ...

Default mappings ship as data next to the adapter: ``<package>/mappings/<stream>.yaml``.
"""

from __future__ import annotations

import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator
from collections.abc import Mapping as AbstractMapping
from importlib import resources
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

import canonical
from adapters._coerce import coerce_model
from adapters._events import WebhookEvent
from adapters._types import (
    ADAPTER_API_VERSION,
    Capability,
    CheckResult,
    Cursor,
    Page,
    StreamSpec,
)
from adapters._webhook_support import WebhookSupport
from canonical import ConfigurationError, MappingError, WebhookVerificationError

if TYPE_CHECKING:
    from mapping import AnyMapping, Mapping

__all__ = [
    "ADAPTER_API_VERSION",
    "Adapter",
    "Capability",
    "CheckResult",
    "Cursor",
    "Page",
    "StreamSpec",
    "WebhookEvent",
]

_SAFE_STREAM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class _EmptyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Adapter(ABC):
    """Translate one vendor API into raw record pages plus default mappings.

    Subclasses set the class attributes and implement ``check`` and ``read``.
    ``http`` is the transport seam: tests pass a client bound to a loopback fake or
    respx; adapters on the HTTP toolkit hand it to ``VendorHTTPClient(client=...)``.
    Config and credentials are validated on construction (``ValidationFailed``, which
    names the fields and never echoes their values).
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
    webhook_support: ClassVar[WebhookSupport | None] = None
    """How the vendor's webhooks are verified and split (``adapters.WebhookSupport``)."""

    def __init__(
        self,
        config: BaseModel | AbstractMapping[str, Any] | None = None,
        credentials: BaseModel | AbstractMapping[str, Any] | None = None,
        *,
        connection_id: str = "local",
        http: httpx.Client | None = None,
    ) -> None:
        self.config = coerce_model(self.config_model, config, "config")
        self.credentials = coerce_model(self.credentials_model, credentials, "credentials")
        self.connection_id = connection_id
        self.http = http

    def __repr__(self) -> str:
        key = getattr(self, "key", "?")
        return f"<{type(self).__name__} key={key!r} connection={self.connection_id!r}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027  (an optional hook, not an abstract method)
        """Release what the adapter opened (its own HTTP clients); the default does nothing.

        An injected ``http`` client belongs to the caller and is not closed.
        """

    def use_mapping(self, stream: str, mapping: AnyMapping) -> None:  # noqa: B027
        """Told the connection's active mapping of ``stream`` before a read; default: ignore.

        Adapters whose API returns only requested fields (HubSpot properties) override it to
        ask for exactly what ``mapping.source_paths()`` reads.
        """

    @abstractmethod
    def check(self) -> CheckResult:
        """Can we reach the vendor with these credentials? Never raises for a refusal:
        return ``CheckResult.from_error(exc)`` for a canonical error."""

    @abstractmethod
    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        """Yield pages of raw records of ``stream``, starting after ``cursor`` (None: start).

        Call ``self.stream(stream)`` first so an unknown name fails clearly. Raise the
        canonical ``AdapterError`` subclasses for vendor failures.
        """

    # template methods -------------------------------------------------------------
    def stream(self, name: str) -> StreamSpec:
        """The declared stream called ``name``; ``ConfigurationError`` listing the known ones."""
        for spec in self.streams:
            if spec.name == name:
                return spec
        known = ", ".join(s.name for s in self.streams) or "none"
        raise ConfigurationError(
            f"adapter {self.key!r} has no stream {name!r}", hint=f"known streams: {known}"
        )

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def model_for(self, stream: str) -> type[canonical.CanonicalModel] | type[canonical.Event]:
        """The canonical model class the records of ``stream`` map to."""
        spec = self.stream(stream)
        model = getattr(canonical, spec.model, None) if spec.model.isidentifier() else None
        if isinstance(model, type) and issubclass(model, canonical.CanonicalModel):
            return model
        if model is canonical.Event:
            return canonical.Event
        raise ConfigurationError(
            f"stream {stream!r} of adapter {self.key!r} names {spec.model!r}, "
            "which is not a canonical model",
            hint="use 'Customer', 'Invoice' or 'Event' in the StreamSpec",
        )

    def default_mapping(self, stream: str) -> Mapping:
        """The mapping shipped as data in ``<package>/mappings/<stream>.yaml``."""
        from mapping import Mapping

        spec = self.stream(stream)
        if not _SAFE_STREAM_NAME.fullmatch(stream):
            raise ConfigurationError(
                f"stream name {stream!r} cannot name a mapping file",
                hint="use letters, digits, '_', '-' and '.' in stream names",
            )
        package = self.mappings_package or _home_package(type(self))
        text = _read_mapping(package, stream)
        mapping = Mapping.from_yaml(text)
        if mapping.model != spec.model:
            raise MappingError(
                f"{package}/mappings/{stream}.yaml maps to {mapping.model!r}, "
                f"but stream {stream!r} produces {spec.model!r}",
                hint="fix the mapping's `model` or the StreamSpec",
            )
        return mapping

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
        """Raise ``WebhookVerificationError`` unless the delivery is signed by a secret.

        Verify before parsing; compare in constant time; accept any of ``secrets`` (more
        than one during a rotation). The default refuses every delivery.
        """
        raise WebhookVerificationError(
            f"adapter {self.key!r} does not receive webhooks",
            reason="webhooks_unsupported",
            hint="send webhooks only to connections whose adapter supports them",
        )

    def parse_webhook(
        self, *, headers: AbstractMapping[str, str], body: bytes
    ) -> list[dict[str, Any]]:
        """Split a verified delivery into vendor events (one dict per event)."""
        raise ConfigurationError(
            f"adapter {self.key!r} does not receive webhooks",
            hint="check Capability.WEBHOOKS before routing deliveries to an adapter",
        )

    def webhook_event(
        self, *, event_type: str, object_type: str, object_id: str | None, payload: Any
    ) -> WebhookEvent:
        """The canonical reading of one verified event (``payload`` is its JSON), which the
        processing job turns into a canonical ``Event`` with the object it concerns.

        The default, ``WebhookEvent.generic(event_type)``, carries no object record. Override
        it to hand over the record the event carries (``record=``) or, when the event holds
        only an id, to have the job call ``fetch_record`` (``fetch=True``)."""
        return WebhookEvent.generic(event_type)

    def fetch_record(self, stream: str, record_id: str) -> dict[str, Any] | None:
        """The current raw record ``record_id`` of ``stream`` (None: it no longer exists),
        for webhook events read with ``fetch=True``. Raise the canonical ``AdapterError``
        subclasses; retryable ones are retried. The default refuses."""
        raise ConfigurationError(
            f"adapter {self.key!r} cannot fetch single records",
            hint="implement fetch_record, or do not set fetch=True in webhook_event",
        )


def _home_package(cls: type[Adapter]) -> str:
    """The package an adapter class lives in (its own name when defined in ``__init__``)."""
    module = sys.modules.get(cls.__module__)
    spec = getattr(module, "__spec__", None)
    package = spec.parent if spec is not None else cls.__module__.rpartition(".")[0]
    if not package:
        raise ConfigurationError(
            f"{cls.__qualname__} is not defined in a package, so it has no mappings folder",
            hint="set the adapter's mappings_package to the package holding mappings/",
        )
    return package


def _read_mapping(package: str, stream: str) -> str:
    try:
        return resources.files(package).joinpath("mappings", f"{stream}.yaml").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError) as exc:
        raise MappingError(
            f"no default mapping for stream {stream!r}: {package}/mappings/{stream}.yaml "
            f"cannot be read ({type(exc).__name__})",
            hint="ship the YAML file as package data, or set mappings_package",
        ) from exc
