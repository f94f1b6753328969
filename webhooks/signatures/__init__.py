"""Webhook signature verification: pure functions, one per vendor scheme.

Each ``verify_*`` takes the raw body, the headers that matter and the connection's
secrets (several during rotation), compares in constant time, refuses stale and
far-future timestamps, and raises ``canonical.WebhookVerificationError`` with a
machine-readable ``reason``. Parse a body only after it verifies.
"""

from webhooks.signatures._common import Secrets
from webhooks.signatures._hubspot import (
    HUBSPOT_TOLERANCE,
    sign_hubspot_v3,
    verify_hubspot_legacy,
    verify_hubspot_v3,
)
from webhooks.signatures._standard import STANDARD_TOLERANCE, sign_standard, verify_standard
from webhooks.signatures._stripe import STRIPE_TOLERANCE, sign_stripe, verify_stripe

__all__ = [
    "HUBSPOT_TOLERANCE",
    "STANDARD_TOLERANCE",
    "STRIPE_TOLERANCE",
    "Secrets",
    "sign_hubspot_v3",
    "sign_standard",
    "sign_stripe",
    "verify_hubspot_legacy",
    "verify_hubspot_v3",
    "verify_standard",
    "verify_stripe",
]
