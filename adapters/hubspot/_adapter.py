"""The HubSpot adapter: contacts, companies and invoices through ``hubspot-api-client``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from collections.abc import Mapping as AbstractMapping
from importlib import resources
from typing import Any, ClassVar, Protocol

import httpx
from pydantic import BaseModel

from adapters._contract import (
    Adapter,
    Capability,
    CheckResult,
    Cursor,
    Page,
    StreamSpec,
    WebhookEvent,
)
from adapters._http import RateLimiter
from adapters._webhook_support import WebhookSupport
from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._config import HubSpotConfig, HubSpotCredentials
from adapters.hubspot._streams import STREAMS
from adapters.hubspot._sync import HubSpotStreamReader
from adapters.hubspot._webhooks import fetch_hubspot_record, hubspot_webhook_event
from canonical import AdapterError

__all__ = ["HubSpotAdapter", "PropertySource"]


class PropertySource(Protocol):
    """Anything that names the vendor paths it reads (a ``mapping.Mapping`` or layered one)."""

    def source_paths(self, under: str | None = None) -> set[str]: ...


class HubSpotAdapter(Adapter):
    """HubSpot CRM contacts and companies (as Customers) and invoices, via the search API.

    The adapter asks HubSpot for exactly the properties the active mapping reads: call
    ``use_mapping(stream, mapping)`` with the connection's mapping (the registry does), or
    set ``config.properties[stream]``; otherwise the default mapping's properties are used.
    """

    key: ClassVar[str] = "hubspot"
    display_name: ClassVar[str] = "HubSpot"
    version: ClassVar[str] = "1.0.0"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.FULL_SYNC, Capability.INCREMENTAL_SYNC, Capability.DELETES, Capability.WEBHOOKS}
    )
    webhook_support: ClassVar[WebhookSupport | None] = WebhookSupport(
        scheme="hubspot", secret_fields=("client_secret", "client_secret_previous")
    )
    config_model: ClassVar[type[BaseModel]] = HubSpotConfig
    credentials_model: ClassVar[type[BaseModel]] = HubSpotCredentials
    streams: ClassVar[tuple[StreamSpec, ...]] = (
        StreamSpec("contacts", "Customer", "CRM contacts, as people"),
        StreamSpec("companies", "Customer", "CRM companies, as organizations"),
        StreamSpec("invoices", "Invoice", "CRM invoices with line items and billed party"),
    )

    config: HubSpotConfig
    credentials: HubSpotCredentials

    def __init__(
        self,
        config: BaseModel | AbstractMapping[str, Any] | None = None,
        credentials: BaseModel | AbstractMapping[str, Any] | None = None,
        *,
        connection_id: str = "local",
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rate_limiter: RateLimiter | None = None,
        search_rate_limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(config, credentials, connection_id=connection_id, http=http)
        self._sleep = sleep
        budget = self.config.requests_per_10s
        self._limiter = rate_limiter or RateLimiter.for_key(
            f"hubspot:{connection_id}", rate=budget / 10, burst=budget
        )
        search_rate = self.config.search_requests_per_second
        self._search_limiter = search_rate_limiter or RateLimiter.for_key(
            f"hubspot-search:{connection_id}", rate=search_rate, burst=max(1, int(search_rate))
        )
        self._mapping_properties: dict[str, list[str]] = {}
        self._client: HubSpotClient | None = None

    @property
    def client(self) -> HubSpotClient:
        """The connection's SDK client, built on first use."""
        if self._client is None:
            self._client = HubSpotClient(
                self.credentials.access_token,
                self.config,
                limiter=self._limiter,
                search_limiter=self._search_limiter,
                sleep=self._sleep,
                connection_id=self.connection_id,
            )
        return self._client

    def close(self) -> None:
        """Release the SDK's pooled connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def use_mapping(self, stream: str, mapping: PropertySource) -> None:
        """Request exactly the ``properties.*`` that ``mapping`` reads for ``stream``."""
        self.stream(stream)
        self._mapping_properties[stream] = sorted(mapping.source_paths("properties"))

    def properties_for(self, stream: str) -> list[str]:
        """The HubSpot properties requested for ``stream`` (always with its modified date)."""
        spec = STREAMS[self.stream(stream).name]
        names = self.config.properties.get(stream) or self._mapping_properties.get(stream)
        if not names:
            names = sorted(self.default_mapping(stream).source_paths("properties"))
        return sorted({*names, spec.modified})

    def check(self) -> CheckResult:
        """Read one contact: proves the token and the contacts read scope."""
        try:
            self.client.list_page("contacts", properties=[], after=None, archived=False)
        except AdapterError as exc:
            return CheckResult.from_error(exc)
        return CheckResult(ok=True, message="HubSpot answered")

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        spec = STREAMS[self.stream(stream).name]
        reader = HubSpotStreamReader(self.client, spec, self.properties_for(stream))
        return reader.read(cursor)

    def webhook_event(
        self, *, event_type: str, object_type: str, object_id: str | None, payload: Any
    ) -> WebhookEvent:
        """HubSpot events carry only the object's id: fetch it (deletions excepted; a merge
        also names the ids it merged away)."""
        return hubspot_webhook_event(event_type, object_type, object_id, payload)

    def fetch_record(self, stream: str, record_id: str) -> dict[str, Any] | None:
        """The object's current record with the properties the active mapping reads."""
        properties = self.properties_for(stream)
        return fetch_hubspot_record(self.client, stream, record_id, properties)

    def sample_records(self, stream: str) -> list[dict[str, Any]]:
        """Representative records in HubSpot's wire format (``samples/<stream>.json``)."""
        self.stream(stream)
        text = resources.files(__package__).joinpath("samples", f"{stream}.json").read_text()
        records: list[dict[str, Any]] = json.loads(text)
        return records
