"""Settings and credentials of a Stripe connection."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from adapters._hosts import VendorHosts

__all__ = [
    "STRIPE_API_BASE",
    "STRIPE_API_VERSION",
    "STRIPE_HOSTS",
    "StripeConfig",
    "StripeCredentials",
]

STRIPE_API_BASE = "https://api.stripe.com"
STRIPE_HOSTS = VendorHosts("api.stripe.com")
"""Where the key may go without an operator's ``CANONRY_VENDOR_BASE_URLS``: the API host
(the spec's ``servers``; this adapter calls no files/connect endpoints)."""

STRIPE_API_VERSION = "2026-10-28.endive"
"""The Stripe API version the default mappings were written for (sent as ``Stripe-Version``).

The shapes in ``mappings/*.yaml`` follow this version: invoice lines carry ``pricing`` and
``taxes``, invoices carry ``total_taxes`` and ``total_discount_amounts`` (no ``tax``).
"""


class StripeConfig(BaseModel):
    """Non-secret settings of one Stripe connection."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account_id: str | None = Field(
        default=None,
        pattern=r"^acct_[A-Za-z0-9]+$",
        description="Connect account to act on (sent as the Stripe-Account header)",
    )
    api_base: Annotated[str, STRIPE_HOSTS] = Field(
        default=STRIPE_API_BASE,
        description="API base URL; another than api.stripe.com only if the operator allows "
        "it in CANONRY_VENDOR_BASE_URLS (a loopback fake in tests)",
    )
    api_version: str = Field(
        default=STRIPE_API_VERSION, description="Stripe-Version; change only with the mappings"
    )
    page_size: int = Field(default=100, ge=1, le=100, description="objects per list request")
    max_network_retries: int = Field(
        default=2, ge=0, le=10, description="SDK retries on connection errors, 409 and 5xx"
    )
    rate_limit_retries: int = Field(
        default=4, ge=0, le=20, description="our retries of a 429, waiting Retry-After"
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="seconds per request")
    expand_customer: bool = Field(
        default=False, description="expand invoice.customer into the customer object"
    )
    event_retention_days: int = Field(
        default=30,
        ge=1,
        le=30,
        description="Stripe keeps events this long; older cursors fall back to a full sync",
    )


class StripeCredentials(BaseModel):
    """Secrets of one Stripe connection (flat strings, as the vault stores them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: SecretStr = Field(description="secret or restricted key (sk_... / rk_...)")
    webhook_secret: SecretStr | None = Field(
        default=None, description="the endpoint's signing secret (whsec_...)"
    )
    webhook_secret_previous: SecretStr | None = Field(
        default=None, description="the previous signing secret, while a rotation overlaps"
    )
