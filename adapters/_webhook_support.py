"""How an adapter declares that its vendor pushes webhooks (the contract's one door).

An adapter sets ``webhook_support = WebhookSupport(...)`` on its class, built-in or plugin
alike. It names either a signature ``scheme`` Canonry ships (``"stripe"``: the
``Stripe-Signature`` header; ``"hubspot"``: ``X-HubSpot-Signature-v3``; ``"standard"``:
Standard Webhooks, for vendors on Svix and similar) or its own ``verify`` function, plus:

- ``split``: turns a verified delivery into vendor events (default: the scheme's; required
  with ``verify``);
- ``secret_fields``: the credential fields holding signing secrets, current first, then the
  previous one during a rotation;
- ``headers``: request headers worth keeping with each stored event (never Authorization or
  cookies; the scheme's signature headers are kept anyway).

``verify(request, secrets, config)`` raises ``WebhookVerificationError`` unless the delivery
is signed by one of ``secrets`` (``config``: the connection's validated config model);
``split(request)`` returns ``WebhookEventDraft`` objects. Both are pure functions: they are
called before anything is stored, for every delivery. Adapters without a declaration but
with ``Capability.WEBHOOKS`` use their ``verify_webhook``/``parse_webhook`` methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, SecretStr

__all__ = [
    "BUILTIN_SCHEMES",
    "WebhookEventDraft",
    "WebhookRequest",
    "WebhookSplitter",
    "WebhookSupport",
    "WebhookVerifier",
]

BUILTIN_SCHEMES = ("stripe", "hubspot", "standard")
"""The signature schemes Canonry ships (``webhooks.signatures``), by name."""


@dataclass(frozen=True)
class WebhookRequest:
    """A delivery as verifiers see it: ``url`` is the public URL the sender called."""

    method: str
    url: str
    headers: Mapping[str, str]
    """Lower-cased names; a repeated header keeps its first value."""
    body: bytes


@dataclass(frozen=True)
class WebhookEventDraft:
    """One vendor event found in a delivery (what becomes an inbox row)."""

    vendor_event_id: str
    vendor_event_type: str
    object_type: str
    object_id: str | None
    occurred_at: datetime
    body: bytes


WebhookVerifier = Callable[[WebhookRequest, Sequence[SecretStr], BaseModel], None]
WebhookSplitter = Callable[[WebhookRequest], list[WebhookEventDraft]]


@dataclass(frozen=True)
class WebhookSupport:
    """An adapter's webhook declaration (see the module docstring)."""

    scheme: str | None = None
    verify: WebhookVerifier | None = None
    split: WebhookSplitter | None = None
    secret_fields: tuple[str, ...] = ("webhook_secret", "webhook_secret_previous")
    headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.scheme is None) == (self.verify is None):
            raise ValueError("WebhookSupport needs exactly one of scheme= or verify=")
        if self.scheme is not None and self.scheme not in BUILTIN_SCHEMES:
            known = ", ".join(BUILTIN_SCHEMES)
            raise ValueError(f"unknown webhook scheme {self.scheme!r}; use one of {known}")
        if self.verify is not None and self.split is None:
            raise ValueError("WebhookSupport(verify=...) needs split= too")
        if not self.secret_fields or not all(isinstance(f, str) for f in self.secret_fields):
            raise ValueError("WebhookSupport.secret_fields names at least one credential field")
        if any(h != h.lower() for h in self.headers):
            raise ValueError("WebhookSupport.headers are lower-case header names")
