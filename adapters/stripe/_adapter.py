"""The Stripe adapter: customers and invoices through the official ``stripe`` SDK."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from collections.abc import Mapping as AbstractMapping
from importlib import resources
from typing import Any, ClassVar

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
from adapters._webhook_support import WebhookSupport
from adapters.stripe._client import StripeClient
from adapters.stripe._config import StripeConfig, StripeCredentials
from adapters.stripe._resources import RESOURCES
from adapters.stripe._sync import StripeStreamReader
from adapters.stripe._webhooks import stripe_webhook_event
from canonical import AdapterError

__all__ = ["StripeAdapter"]

_SAMPLES = {"customers": "customer.json", "invoices": "invoice.json"}


class StripeAdapter(Adapter):
    """Stripe customers and invoices; full sync by listing, incremental by ``/v1/events``."""

    key: ClassVar[str] = "stripe"
    display_name: ClassVar[str] = "Stripe"
    version: ClassVar[str] = "1.0.0"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.FULL_SYNC, Capability.INCREMENTAL_SYNC, Capability.DELETES, Capability.WEBHOOKS}
    )
    webhook_support: ClassVar[WebhookSupport | None] = WebhookSupport(
        scheme="stripe", secret_fields=("webhook_secret", "webhook_secret_previous")
    )
    config_model: ClassVar[type[BaseModel]] = StripeConfig
    credentials_model: ClassVar[type[BaseModel]] = StripeCredentials
    streams: ClassVar[tuple[StreamSpec, ...]] = (
        StreamSpec("customers", "Customer", "Stripe customers (deleted ones as tombstones)"),
        StreamSpec("invoices", "Invoice", "Stripe invoices with all their lines"),
    )

    config: StripeConfig
    credentials: StripeCredentials

    def __init__(
        self,
        config: BaseModel | AbstractMapping[str, Any] | None = None,
        credentials: BaseModel | AbstractMapping[str, Any] | None = None,
        *,
        connection_id: str = "local",
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(config, credentials, connection_id=connection_id, http=http)
        self._sleep = sleep
        self._clock = clock
        self._client: StripeClient | None = None

    @property
    def client(self) -> StripeClient:
        """The connection's SDK client, built on first use."""
        if self._client is None:
            self._client = StripeClient(
                self.credentials.api_key,
                self.config,
                http=self.http,
                sleep=self._sleep,
                connection_id=self.connection_id,
            )
        return self._client

    def close(self) -> None:
        """Close the SDK's HTTP client if this adapter made it (not an injected ``http``)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def check(self) -> CheckResult:
        """List one customer: proves the key, the account header and read access."""
        try:
            self.client.list_page("/v1/customers", limit=1)
        except AdapterError as exc:
            return CheckResult.from_error(exc)
        where = f" (account {self.config.account_id})" if self.config.account_id else ""
        return CheckResult(ok=True, message=f"Stripe answered{where}")

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        self.stream(stream)
        return self._reader(stream).read(cursor)

    def _reader(self, stream: str) -> StripeStreamReader:
        return StripeStreamReader(self.client, RESOURCES[stream], now=self._clock)

    def webhook_event(
        self, *, event_type: str, object_type: str, object_id: str | None, payload: Any
    ) -> WebhookEvent:
        """Stripe events carry their object (``data.object``), mapped like a synced one; an
        invoice whose lines the event cut short is fetched whole (``fetch_record``)."""
        return stripe_webhook_event(
            event_type, object_type, payload, api_version=self.config.api_version
        )

    def fetch_record(self, stream: str, record_id: str) -> dict[str, Any] | None:
        """The current object at the pinned version, invoices with every line (None: gone)."""
        self.stream(stream)
        return self._reader(stream).fetch(record_id)

    def sample_records(self, stream: str) -> list[dict[str, Any]]:
        """Stripe's own published example objects (stripe/openapi fixtures, MIT)."""
        self.stream(stream)
        text = resources.files(__package__).joinpath("samples", _SAMPLES[stream]).read_text()
        record: dict[str, Any] = json.loads(text)
        return [record]
