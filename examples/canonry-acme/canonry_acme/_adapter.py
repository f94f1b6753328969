"""``AcmeAdapter``: the Acme Billing REST API as a Canonry adapter.

Acme answers ``GET /customers`` and ``GET /invoices`` with ``{"data": [...],
"next_cursor": "..."}``; the next page is ``?after=<next_cursor>``. Requests carry the API
key as a Bearer token. Amounts are integer cents and times ISO 8601: the default mappings
in ``mappings/*.yaml`` turn them into canonical ``Money`` and aware datetimes.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, ClassVar

import httpx
from pydantic import SecretStr

from adapters import (
    Adapter,
    Capability,
    CheckResult,
    Cursor,
    Page,
    RateLimiter,
    StreamSpec,
    VendorHTTPClient,
    paginate_cursor,
)
from canonical import AdapterError, AuthenticationError, PermissionDeniedError
from canonry_acme._models import AcmeConfig, AcmeCredentials
from canonry_acme._samples import SAMPLE_RECORDS

__all__ = ["AcmeAdapter"]


class _BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` at send time; the key stays a ``SecretStr``."""

    def __init__(self, api_key: SecretStr) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        yield request


class AcmeAdapter(Adapter):
    """Customers and invoices from Acme Billing, full sync with resumable cursors."""

    key: ClassVar[str] = "acme"
    display_name: ClassVar[str] = "Acme Billing"
    version: ClassVar[str] = "0.1.0"
    api_version: ClassVar[str] = "1.0"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.FULL_SYNC})
    config_model = AcmeConfig
    credentials_model = AcmeCredentials
    streams: ClassVar[tuple[StreamSpec, ...]] = (
        StreamSpec("customers", "Customer", "people and companies billed by Acme"),
        StreamSpec("invoices", "Invoice", "invoices with their lines, amounts in cents"),
    )

    config: AcmeConfig
    credentials: AcmeCredentials

    def check(self) -> CheckResult:
        """One cheap request; a refusal or an outage is a not-ok result, never an exception."""
        try:
            with self._client() as client:
                client.get_json("/customers", params={"limit": 1})
        except (AuthenticationError, PermissionDeniedError) as exc:
            return CheckResult(
                ok=False,
                message="Acme refused the API key; create a new key in the Acme dashboard "
                "and run `canonry credentials rotate`",
                details={"status": exc.status},
            )
        except AdapterError as exc:
            return CheckResult(
                ok=False, message=f"cannot reach Acme: {exc}", details={"status": exc.status}
            )
        return CheckResult(ok=True, message=f"connected to Acme at {self.config.base_url}")

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        """Pages of raw ``stream`` records after ``cursor`` (``{"token": ...}``; None: start)."""
        self.stream(stream)  # a clear ConfigurationError for an unknown stream
        with self._client() as client:
            yield from paginate_cursor(
                client,
                f"/{stream}",
                {"limit": self.config.page_size},
                start=cursor,
                records_path="data",
                next_path="next_cursor",
                cursor_param="after",
            )

    def sample_records(self, stream: str) -> list[dict[str, Any]]:
        """Real-shaped Acme records; the contract kit maps them with the default mappings."""
        self.stream(stream)
        return [dict(record) for record in SAMPLE_RECORDS[stream]]

    def _client(self) -> VendorHTTPClient:
        limiter = RateLimiter.for_key(
            f"acme:{self.connection_id}",
            rate=self.config.requests_per_second,
            burst=max(1, int(self.config.requests_per_second)),
        )
        return VendorHTTPClient(
            self.config.base_url,
            auth=_BearerAuth(self.credentials.api_key),
            timeout=self.config.timeout,
            rate_limiter=limiter,
            client=self.http,  # the test seam: None builds a real client
        )
