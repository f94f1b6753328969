"""Which signature scheme and payload shape a connection's deliveries use.

Every adapter says so itself, on its class (``webhook_support = WebhookSupport(...)``, see
``adapters.WebhookSupport``): the built-in Stripe and HubSpot adapters exactly as a plugin
would. A declaration names one of the schemes Canonry ships (``stripe``, ``hubspot``,
``standard``: pure verifiers in ``webhooks.signatures`` plus their splitters) or brings its
own ``verify``/``split`` functions. An adapter with ``Capability.WEBHOOKS`` and no
declaration uses its ``verify_webhook``/``parse_webhook`` methods. A plugin's functions are
third-party code: whatever else they raise is a refusal (401 or 400), never a 500.

HubSpot: only the timestamped v3 signature is accepted, unless the connection opts in to
the legacy v1/v2 signatures (``accept_legacy_signatures``), which carry no timestamp, so a
captured delivery can be replayed (and v1 is a plain hash, open to length extension).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, SecretStr

from adapters import Adapter, Capability, WebhookRequest, WebhookSupport
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
    "DeclaredScheme",
    "Delivery",
    "Scheme",
    "declared_scheme",
    "scheme_for",
]

_log = logging.getLogger("canonry.webhooks")

COMMON_HEADERS = ("content-type", "user-agent", "x-request-id")
"""Kept with every item besides the scheme's own headers; never Authorization or cookies."""

Delivery = WebhookRequest
"""A request as the verifier sees it (``adapters.WebhookRequest``)."""


class Scheme(Protocol):
    """How one connection's vendor signs its deliveries and packs events into them."""

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

    def verify(
        self, delivery: Delivery, secrets: Sequence[SecretStr], config: BaseModel
    ) -> None: ...

    def split(self, delivery: Delivery) -> list[EventDraft]: ...


def _verify_stripe(d: Delivery, secrets: Sequence[SecretStr], _config: BaseModel) -> None:
    verify_stripe(d.body, d.headers.get("stripe-signature"), secrets)


def _verify_hubspot(d: Delivery, secrets: Sequence[SecretStr], config: BaseModel) -> None:
    h = d.headers
    legacy = bool(getattr(config, "accept_legacy_signatures", False))
    if "x-hubspot-signature-v3" in h or not legacy or "x-hubspot-signature" not in h:
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


def _verify_standard(d: Delivery, secrets: Sequence[SecretStr], _config: BaseModel) -> None:
    h = d.headers
    verify_standard(
        d.body,
        msg_id=h.get("webhook-id"),
        timestamp=h.get("webhook-timestamp"),
        signature=h.get("webhook-signature"),
        secrets=secrets,
    )


Verifier = Callable[[Delivery, Sequence[SecretStr], BaseModel], None]
Splitter = Callable[[Delivery], list[EventDraft]]

_BUILTIN: dict[str, tuple[Verifier, Splitter, tuple[str, ...]]] = {
    "stripe": (_verify_stripe, lambda d: split_stripe(d.body), ("stripe-signature",)),
    "hubspot": (
        _verify_hubspot,
        lambda d: split_hubspot(d.body),
        (
            "x-hubspot-signature-v3",
            "x-hubspot-request-timestamp",
            "x-hubspot-signature",
            "x-hubspot-signature-version",
        ),
    ),
    "standard": (
        _verify_standard,
        lambda d: split_standard(d.body, d.headers),
        ("webhook-id", "webhook-timestamp", "webhook-signature"),
    ),
}
"""The schemes Canonry ships, by the name a ``WebhookSupport`` gives (fixed: no registry)."""


@dataclass(frozen=True)
class DeclaredScheme:
    """A scheme made from an adapter's ``WebhookSupport``."""

    name: str
    verifier: Verifier
    splitter: Splitter
    secret_keys: tuple[str, ...]
    headers: tuple[str, ...]
    third_party: bool
    """The verifier or splitter is the plugin's own code (failures are refusals)."""
    adapter: str = ""

    def verify(self, delivery: Delivery, secrets: Sequence[SecretStr], config: BaseModel) -> None:
        try:
            self.verifier(delivery, secrets, config)
        except WebhookVerificationError:
            raise
        except Exception as exc:
            if not self.third_party:
                raise
            _log.warning("adapter %s webhook verifier failed: %s", self.adapter, type(exc))
            raise WebhookVerificationError(
                "the adapter could not verify the delivery", reason="bad_signature"
            ) from None

    def split(self, delivery: Delivery) -> list[EventDraft]:
        try:
            return self.splitter(delivery)
        except WebhookVerificationError:
            raise
        except Exception as exc:
            if not self.third_party:
                raise
            _log.info("adapter %s webhook splitter refused: %s", self.adapter, type(exc))
            raise malformed("the adapter could not split the delivery") from None


def declared_scheme(adapter_cls: type[Adapter]) -> DeclaredScheme | None:
    """The scheme an adapter class declares (None: no ``webhook_support``)."""
    support = getattr(adapter_cls, "webhook_support", None)
    if not isinstance(support, WebhookSupport):
        return None
    key = getattr(adapter_cls, "key", "?")
    if support.scheme is not None:
        verifier, splitter, signed = _BUILTIN[support.scheme]
        own_split = support.split is not None
        return DeclaredScheme(
            name=support.scheme,
            verifier=verifier,
            splitter=support.split or splitter,
            secret_keys=support.secret_fields,
            headers=(*signed, *(h for h in support.headers if h not in signed)),
            third_party=own_split,
            adapter=key,
        )
    assert support.verify is not None  # checked when the declaration was made
    assert support.split is not None
    return DeclaredScheme(
        name=f"{key}:own",
        verifier=support.verify,
        splitter=support.split,
        secret_keys=support.secret_fields,
        headers=support.headers,
        third_party=True,
        adapter=key,
    )


class AdapterHookScheme:
    """An adapter's own ``verify_webhook``/``parse_webhook`` methods (no declaration).

    The hooks are third-party code: anything but a ``WebhookVerificationError`` from
    ``verify_webhook`` is a refusal (``bad_signature``), and any failure of
    ``parse_webhook`` a malformed payload, so a plugin's bug never becomes a 500.
    """

    name = "adapter"
    secret_keys = ("webhook_secret", "webhook_secret_previous")
    headers: tuple[str, ...] = ()

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter

    def verify(self, delivery: Delivery, secrets: Sequence[SecretStr], config: BaseModel) -> None:
        del config  # the adapter holds its own
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


def scheme_for(adapter_cls: type[Adapter], make_adapter: Callable[[], Adapter]) -> Scheme | None:
    """The scheme for deliveries to a connection of ``adapter_cls``; None: no webhooks."""
    declared = declared_scheme(adapter_cls)
    if declared is not None:
        return declared
    if Capability.WEBHOOKS in adapter_cls.capabilities:
        return AdapterHookScheme(make_adapter())
    return None
