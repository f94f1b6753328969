"""A per-connection Stripe client on the official SDK, answering with plain wire-format dicts.

``stripe.StripeClient`` does the work (auth, ``Stripe-Version``, ``Stripe-Account``, network
retries, error parsing) over ``stripe.HTTPXClient``; requests go through ``raw_request`` so
records stay in Stripe's JSON shape (the same shape webhooks deliver), without building
``StripeObject`` trees only to flatten them again. A 429 is retried after ``Retry-After``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import stripe
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from adapters._hosts import vendor_base_url
from adapters._http import RetryPolicy
from adapters.stripe._config import STRIPE_API_BASE, STRIPE_HOSTS, StripeConfig
from adapters.stripe._errors import translate_stripe_error
from canonical import AdapterError, RateLimitError

__all__ = ["StripeClient", "StripeList"]

StripeList = tuple[list[dict[str, Any]], bool]
"""One list page: its objects (in Stripe's order) and ``has_more``."""


class _InjectedHTTPXClient(stripe.HTTPXClient):
    """``stripe.HTTPXClient`` running on an httpx.Client we own (the adapter's ``http`` seam)."""

    def __init__(self, client: httpx.Client, timeout: float) -> None:
        super().__init__(timeout=timeout, allow_sync_methods=False)
        self._client = client


class StripeClient:
    """The SDK client of one connection. Methods return Stripe's JSON as dicts."""

    def __init__(
        self,
        api_key: SecretStr,
        config: StripeConfig | None = None,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy | None = None,
        connection_id: str = "local",
    ) -> None:
        self.config = config or StripeConfig()
        base = vendor_base_url(  # again here: the stored config may have been edited
            STRIPE_API_BASE,
            self.config.api_base,
            vendor_hosts=STRIPE_HOSTS.hosts,
            connection_id=connection_id,
            field="api_base",
        )
        self.retry = retry or RetryPolicy(max_attempts=self.config.rate_limit_retries + 1)
        client = http if http is not None else httpx.Client()
        self._owned = client if http is None else None  # ours to close; an injected one is not
        http_client = _InjectedHTTPXClient(client, self.config.timeout)
        self.sdk = stripe.StripeClient(
            api_key.get_secret_value(),
            stripe_account=self.config.account_id,
            stripe_version=self.config.api_version,
            base_addresses={"api": base},
            max_network_retries=self.config.max_network_retries,
            http_client=http_client,
        )
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"<StripeClient api_base={self.config.api_base!r}>"

    def close(self) -> None:
        """Close the HTTP client this object made (an injected ``http`` stays open)."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``path`` (e.g. ``/v1/customers/cus_1``) and return the JSON object."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RateLimitError),
            sleep=self._sleep,
            reraise=True,
        )
        result: dict[str, Any] = retrying(self._get_once, path, params or {})
        return result

    def list_page(self, path: str, **params: Any) -> StripeList:
        """One page of a list endpoint: its ``data`` and ``has_more``."""
        body = self.get(path, {k: v for k, v in params.items() if v is not None})
        data = body.get("data")
        if not isinstance(data, list):
            raise AdapterError(f"Stripe answered GET {path} without a list", code="bad_shape")
        return data, bool(body.get("has_more"))

    def _wait(self, state: RetryCallState) -> float:
        """Wait what the 429's Retry-After said (capped), else the policy's backoff."""
        exc = state.outcome.exception() if state.outcome else None
        said = exc.retry_after if isinstance(exc, RateLimitError) else None
        return self.retry.wait(state.attempt_number, said)

    def _get_once(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.sdk.raw_request("get", path, **params)
        except stripe.StripeError as exc:
            raise translate_stripe_error(exc, action=f"GET {path}") from exc
        data = response.data
        if not isinstance(data, dict):
            raise AdapterError(f"Stripe answered GET {path} with a non-object", code="bad_shape")
        return data
