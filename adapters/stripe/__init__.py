"""Stripe adapter: customers and invoices on the official ``stripe`` SDK."""

from adapters.stripe._adapter import StripeAdapter
from adapters.stripe._client import StripeClient, StripeList
from adapters.stripe._config import STRIPE_API_VERSION, StripeConfig, StripeCredentials
from adapters.stripe._errors import retry_after_seconds, translate_stripe_error
from adapters.stripe._resources import RESOURCES, StripeResource, tombstone
from adapters.stripe._sync import StripeStreamReader

__all__ = [
    "RESOURCES",
    "STRIPE_API_VERSION",
    "StripeAdapter",
    "StripeClient",
    "StripeConfig",
    "StripeCredentials",
    "StripeList",
    "StripeResource",
    "StripeStreamReader",
    "retry_after_seconds",
    "tombstone",
    "translate_stripe_error",
]
