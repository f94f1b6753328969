"""Which signature scheme and payload shape an adapter's deliveries use.

Built in: ``stripe`` (Stripe-Signature), ``hubspot`` (v3, falling back to the legacy v1/v2
headers) and ``standard`` (Standard Webhooks) for adapters that declare
``webhook_scheme = "standard"``. An adapter with ``Capability.WEBHOOKS`` and no scheme uses
its own ``verify_webhook``/``parse_webhook`` hooks. ``register_scheme`` adds more.
Each scheme names the credential keys holding its signing secrets (current first, then
the previous one during a rotation) and the request headers worth keeping with an item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pydantic import SecretStr

from adapters import Adapter, Capability
from canonical import WebhookVerificationError
from webhooks._split import (
    EventDraft,
    malformed,
    split_generic,
    split_hubspot,
    split_standard,
    split_stripe,
)
from webhooks.signatures import (
    verify_hubspot_legacy,
    verify_hubspot_v3,
    verify_standard,
    verify_stripe,
)

__all__ = [
    "COMMON_HEADERS",
    "AdapterHookScheme",
    "Delivery",
    "Scheme",
    "VendorScheme",
    "register_scheme",
    "scheme_for",
    "scheme_name",
    "schemes",
]

_log = logging.getLogger("canonry.webhooks")

COMMON_HEADERS = ("content-type", "user-agent", "x-request-id")
"""Kept with every item besides the scheme's own headers; never Authorization or cookies."""


@dataclass(frozen=True)
class Delivery:
    """A request as the verifier sees it: ``url`` is the public URL the sender called."""

    method: str
    url: str
    headers: Mapping[str, str]
    """Lower-cased names."""
    body: bytes


class Scheme(Protocol):
    """How one vendor signs its deliveries and packs events into them."""

    @property
    def name(self) -> str: ...

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """Credential keys holding signing secrets: current first, then previous."""
        ...

    @property
    def headers(self) -> tuple[str, ...]:
        """Request headers (lower-case) kept with each inbox item."""
        ...

    def verify(self, delivery: Delivery, secrets: Sequence[SecretStr]) -> None: ...

    def split(self, delivery: Delivery) -> list[EventDraft]: ...


@dataclass(frozen=True)
class VendorScheme:
    """A scheme made of a pure verifier and a pure splitter."""

    name: str
    verifier: Callable[[Delivery, Sequence[SecretStr]], None]
    splitter: Callable[[Delivery], list[EventDraft]]
    secret_keys: tuple[str, ...] = ("webhook_secret", "webhook_secret_previous")
    headers: tuple[str, ...] = ()

    def verify(self, delivery: Delivery, secrets: Sequence[SecretStr]) -> None:
        self.verifier(delivery, secrets)

    def split(self, delivery: Delivery) -> list[EventDraft]:
        return self.splitter(delivery)


def _verify_stripe(d: Delivery, secrets: Sequence[SecretStr]) -> None:
    verify_stripe(d.body, d.headers.get("stripe-signature"), secrets)


def _verify_hubspot(d: Delivery, secrets: Sequence[SecretStr]) -> None:
    h = d.headers
    if "x-hubspot-signature-v3" in h or "x-hubspot-signature" not in h:
        verify_hubspot_v3(
            d.body,
            signature=h.get("x-hubspot-signature-v3"),
            timestamp=h.get("x-hubspot-request-timestamp"),
            method=d.method,
            uri=d.url,
            secrets=secrets,
        )
        return
    verify_hubspot_legacy(
        d.body,
        signature=h.get("x-hubspot-signature"),
        version=h.get("x-hubspot-signature-version"),
        method=d.method,
        uri=d.url,
        secrets=secrets,
    )


def _verify_standard(d: Delivery, secrets: Sequence[SecretStr]) -> None:
    h = d.headers
    verify_standard(
        d.body,
        msg_id=h.get("webhook-id"),
        timestamp=h.get("webhook-timestamp"),
        signature=h.get("webhook-signature"),
        secrets=secrets,
    )


_BY_NAME: dict[str, Scheme] = {
    "stripe": VendorScheme(
        "stripe",
        _verify_stripe,
        lambda d: split_stripe(d.body),
        headers=("stripe-signature",),
    ),
    "hubspot": VendorScheme(
        "hubspot",
        _verify_hubspot,
        lambda d: split_hubspot(d.body),
        secret_keys=("client_secret", "client_secret_previous"),
        headers=(
            "x-hubspot-signature-v3",
            "x-hubspot-request-timestamp",
            "x-hubspot-signature",
            "x-hubspot-signature-version",
        ),
    ),
    "standard": VendorScheme(
        "standard",
        _verify_standard,
        lambda d: split_standard(d.body, d.headers),
        headers=("webhook-id", "webhook-timestamp", "webhook-signature"),
    ),
}
_BY_ADAPTER: dict[str, str] = {"stripe": "stripe", "hubspot": "hubspot"}


class AdapterHookScheme:
    """An adapter's own ``verify_webhook``/``parse_webhook`` (plugins without a scheme).

    The hooks are third-party code: anything but a ``WebhookVerificationError`` from
    ``verify_webhook`` is a refusal (``bad_signature``), and any failure of
    ``parse_webhook`` a malformed payload, so a plugin's bug never becomes a 500.
    """

    name = "adapter"
    secret_keys = ("webhook_secret", "webhook_secret_previous")
    headers: tuple[str, ...] = ()

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter

    def verify(self, delivery: Delivery, secrets: Sequence[SecretStr]) -> None:
        try:
            self.adapter.verify_webhook(
                method=delivery.method,
                url=delivery.url,
                headers=delivery.headers,
                body=delivery.body,
                secrets=list(secrets),
            )
        except WebhookVerificationError:
            raise
        except Exception as exc:
            _log.warning("adapter %s verify_webhook failed: %s", self.adapter.key, type(exc))
            raise WebhookVerificationError(
                "the adapter could not verify the delivery", reason="bad_signature"
            ) from None

    def split(self, delivery: Delivery) -> list[EventDraft]:
        try:
            events = self.adapter.parse_webhook(headers=delivery.headers, body=delivery.body)
        except Exception as exc:  # third-party code: any failure is a refusal, never a 500
            _log.info("adapter %s parse_webhook refused: %s", self.adapter.key, type(exc))
            raise malformed("the adapter could not parse the delivery") from None
        return split_generic(events, datetime.now(UTC))


def register_scheme(name: str, scheme: Scheme, *, adapters: Sequence[str] = ()) -> None:
    """Add (or replace) a scheme by name and route the given adapter keys to it."""
    _BY_NAME[name] = scheme
    for key in adapters:
        _BY_ADAPTER[key] = name


def schemes() -> dict[str, Scheme]:
    """The registered schemes by name."""
    return dict(_BY_NAME)


def scheme_name(adapter_cls: type[Adapter]) -> str | None:
    """The registered scheme an adapter's deliveries use (None: none, or its own hooks)."""
    name = _BY_ADAPTER.get(adapter_cls.key) or getattr(adapter_cls, "webhook_scheme", None)
    return name if isinstance(name, str) and name in _BY_NAME else None


def scheme_for(adapter_cls: type[Adapter], make_adapter: Callable[[], Adapter]) -> Scheme | None:
    """The scheme for deliveries to a connection of ``adapter_cls``; None: no webhooks."""
    name = scheme_name(adapter_cls)
    if name is not None:
        return _BY_NAME[name]
    if Capability.WEBHOOKS in adapter_cls.capabilities:
        return AdapterHookScheme(make_adapter())
    return None
