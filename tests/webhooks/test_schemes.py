"""Scheme routing (declared on the adapter class, or its hooks), splitting and settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from adapters import Adapter, Capability, WebhookEventDraft, WebhookRequest, WebhookSupport
from canonical import ConfigurationError, WebhookVerificationError
from plugins._inspect import PluginProblem, inspect_adapter
from tests.webhooks.conftest import ADAPTERS, GenericAdapter, _GenericCredentials
from webhooks import WebhookSettings, declared_scheme
from webhooks._schemes import AdapterHookScheme, Delivery, scheme_for
from webhooks._split import split_generic, split_hubspot, split_stripe
from webhooks.samples import __name__ as samples_package


class HookAdapter(GenericAdapter):
    """A plugin that verifies and parses deliveries itself (no registered scheme)."""

    key: ClassVar[str] = "hooks"
    webhook_support: ClassVar[WebhookSupport | None] = None
    behaviour: ClassVar[str] = "ok"

    def verify_webhook(
        self,
        *,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        secrets: list[SecretStr],
    ) -> None:
        if self.behaviour == "crash-verify":
            raise TypeError("plugin bug")
        if headers.get("x-token") not in [s.get_secret_value() for s in secrets]:
            raise WebhookVerificationError("bad token", reason="bad_signature")

    def parse_webhook(self, *, headers: Mapping[str, str], body: bytes) -> list[dict[str, Any]]:
        if self.behaviour == "crash-parse":
            raise IndexError("plugin bug")
        return [
            {"id": e["uid"], "type": e["kind"], "object_id": e.get("ref")} for e in json.loads(body)
        ]


_CONFIG = GenericAdapter.config_model()


def _hook(behaviour: str) -> AdapterHookScheme:
    adapter_cls = type("Hooked", (HookAdapter,), {"behaviour": behaviour})
    scheme = scheme_for(adapter_cls, lambda: adapter_cls(credentials={"webhook_secret": "tok"}))
    assert isinstance(scheme, AdapterHookScheme)
    return scheme


def _delivery(body: bytes, **headers: str) -> Delivery:
    return Delivery("POST", "http://testserver/webhooks/x", headers, body)


def _name(adapter_cls: type[Adapter]) -> str | None:
    scheme = declared_scheme(adapter_cls)
    return scheme.name if scheme is not None else None


def test_adapters_declare_their_scheme_on_the_class_builtins_too() -> None:
    assert _name(ADAPTERS["stripe"]) == "stripe"
    assert _name(ADAPTERS["hubspot"]) == "hubspot"
    assert _name(GenericAdapter) == "standard"
    assert _name(HookAdapter) is None
    hubspot = declared_scheme(ADAPTERS["hubspot"])
    assert hubspot is not None
    assert hubspot.secret_keys == ("client_secret", "client_secret_previous")
    assert "x-hubspot-signature-v3" in hubspot.headers
    for builtin in (ADAPTERS["stripe"], ADAPTERS["hubspot"]):  # the plugin door, nothing else
        assert isinstance(builtin.webhook_support, WebhookSupport)
        assert Capability.WEBHOOKS in builtin.capabilities

    class NoWebhooks(GenericAdapter):
        capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.FULL_SYNC})
        webhook_support: ClassVar[WebhookSupport | None] = None

    assert scheme_for(NoWebhooks, lambda: NoWebhooks()) is None
    import webhooks

    assert not hasattr(webhooks, "register_scheme")  # no global table to add to


def _own_verify(request: WebhookRequest, secrets: Any, config: Any) -> None:
    if request.headers.get("x-acme-token") not in [s.get_secret_value() for s in secrets]:
        raise WebhookVerificationError("bad token", reason="bad_signature")
    if request.headers.get("x-acme-crash"):
        raise KeyError("plugin bug")


def _own_split(request: WebhookRequest) -> list[WebhookEventDraft]:
    from datetime import UTC, datetime

    event = json.loads(request.body)
    return [
        WebhookEventDraft(event["id"], event["type"], "deal", None, datetime.now(UTC), request.body)
    ]


class OwnSchemeAdapter(GenericAdapter):
    key: ClassVar[str] = "acme-own"
    webhook_support: ClassVar[WebhookSupport | None] = WebhookSupport(
        verify=_own_verify, split=_own_split, headers=("x-acme-token-id",)
    )


def test_a_plugin_declares_its_own_verifier_and_splitter() -> None:
    scheme = declared_scheme(OwnSchemeAdapter)
    assert scheme is not None
    assert (scheme.secret_keys, scheme.headers) == (
        ("webhook_secret", "webhook_secret_previous"),
        ("x-acme-token-id",),
    )
    body = json.dumps({"id": "d1", "type": "deal.won"}).encode()
    config = OwnSchemeAdapter.config_model()
    scheme.verify(_delivery(body, **{"x-acme-token": "tok"}), [SecretStr("tok")], config)
    [draft] = scheme.split(_delivery(body))
    assert (draft.vendor_event_id, draft.vendor_event_type) == ("d1", "deal.won")
    with pytest.raises(WebhookVerificationError) as info:
        scheme.verify(
            _delivery(body, **{"x-acme-token": "tok", "x-acme-crash": "1"}), [SecretStr("tok")],
            config,
        )  # fmt: skip
    assert info.value.reason == "bad_signature"  # a plugin's bug is a refusal, not a 500
    with pytest.raises(WebhookVerificationError) as info:
        scheme.split(_delivery(b"not json"))
    assert info.value.reason == "malformed_payload"


def test_a_bad_declaration_is_refused_when_made_or_when_the_plugin_loads() -> None:
    with pytest.raises(ValueError, match="exactly one of scheme= or verify="):
        WebhookSupport()
    with pytest.raises(ValueError, match="unknown webhook scheme"):
        WebhookSupport(scheme="paypal")
    with pytest.raises(ValueError, match="needs split="):
        WebhookSupport(verify=_own_verify)

    from adapters import StreamSpec

    class WrongType(GenericAdapter):
        key: ClassVar[str] = "wrong"
        streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("events", "Event"),)
        webhook_support = "standard"  # type: ignore[assignment]

    class WrongField(GenericAdapter):
        key: ClassVar[str] = "wrongfield"
        streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("events", "Event"),)
        webhook_support: ClassVar[WebhookSupport | None] = WebhookSupport(
            scheme="standard", secret_fields=("signing_key",)
        )

    for cls, text in ((WrongType, "not an adapters.WebhookSupport"), (WrongField, "signing_key")):
        with pytest.raises(PluginProblem, match=text):
            inspect_adapter(cls)


def test_a_plugin_hook_scheme_verifies_and_parses() -> None:
    scheme = _hook("ok")
    body = json.dumps([{"uid": "e1", "kind": "customer.created", "ref": "c9"}]).encode()
    scheme.verify(_delivery(body, **{"x-token": "tok"}), [SecretStr("tok")], _CONFIG)
    [draft] = scheme.split(_delivery(body))
    assert (draft.vendor_event_id, draft.object_type, draft.object_id) == ("e1", "customer", "c9")
    with pytest.raises(WebhookVerificationError) as info:
        scheme.verify(_delivery(body, **{"x-token": "nope"}), [SecretStr("tok")], _CONFIG)
    assert info.value.reason == "bad_signature"


@pytest.mark.parametrize(
    ("behaviour", "step", "reason"),
    [("crash-verify", "verify", "bad_signature"), ("crash-parse", "split", "malformed_payload")],
)
def test_a_buggy_plugin_is_a_refusal_not_a_crash(behaviour: str, step: str, reason: str) -> None:
    scheme = _hook(behaviour)
    delivery = _delivery(b"[]", **{"x-token": "tok"})

    def run() -> None:
        if step == "verify":
            scheme.verify(delivery, [SecretStr("tok")], _CONFIG)
        else:
            scheme.split(delivery)

    with pytest.raises(WebhookVerificationError) as info:
        run()
    assert info.value.reason == reason


def test_hubspot_generic_object_events_use_the_type_id() -> None:
    body = json.dumps(
        [{"eventId": 1, "portalId": 5, "subscriptionId": 7, "occurredAt": 1_700_000_000_000,
          "subscriptionType": "object.propertyChange", "objectTypeId": "0-3", "objectId": 42}]
    ).encode()  # fmt: skip
    [draft] = split_hubspot(body)
    assert (draft.object_type, draft.object_id, draft.vendor_event_id) == ("0-3", "42", "5:7:1")
    assert draft.occurred_at.year == 2023


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'[{"eventId": 1}]',
        b'[{"eventId": true, "subscriptionType": "contact.creation", "occurredAt": 1}]',
        b'[{"eventId": 1, "subscriptionType": "contact.creation", "occurredAt": 1e300}]',
        b'{"eventId": 1}',
    ],
)
def test_malformed_hubspot_payloads(body: bytes) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        split_hubspot(body)
    assert info.value.reason == "malformed_payload"


@pytest.mark.parametrize(
    "event",
    [
        {"id": "evt_1", "type": "invoice.paid", "created": 1, "data": {}},
        {"id": "evt_1", "type": "invoice.paid", "data": {"object": {"object": "invoice"}}},
        {"id": "", "type": "x", "created": 1, "data": {"object": {"object": "invoice"}}},
        {"id": "evt_1", "object": "list", "data": []},
    ],
)
def test_malformed_stripe_events(event: dict[str, Any]) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        split_stripe(json.dumps(event).encode())
    assert info.value.reason == "malformed_payload"


def test_generic_events_need_an_id_and_a_type() -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    [draft] = split_generic([{"id": "e", "type": "deal.won", "occurred_at": 10}], now)
    assert (draft.object_type, draft.occurred_at.year) == ("deal", 1970)
    for events in ([], [{"type": "x"}], ["e"], {"id": "e"}):
        with pytest.raises(WebhookVerificationError):
            split_generic(events, now)


def test_settings_from_the_environment() -> None:
    env = {
        "CANONRY_PUBLIC_URL": "https://hooks.example.com/base/",
        "CANONRY_TRUST_FORWARDED": "yes",
        "CANONRY_WEBHOOK_MAX_BODY": "2048",
        "CANONRY_DATABASE_URL": "sqlite:///x.db",
    }
    settings = WebhookSettings.from_env(env, max_body_bytes=4096)
    assert settings.public_base_url == "https://hooks.example.com/base"
    assert settings.trust_forwarded_headers is True
    assert settings.max_body_bytes == 4096  # the argument wins
    assert settings.database_url == "sqlite:///x.db"
    with pytest.raises(ConfigurationError, match="CANONRY_WEBHOOK_MAX_BODY"):
        WebhookSettings.from_env({"CANONRY_WEBHOOK_MAX_BODY": "lots"})
    with pytest.raises(ConfigurationError, match="CANONRY_PUBLIC_URL"):
        WebhookSettings.from_env({"CANONRY_PUBLIC_URL": "hooks.example.com"})


def test_samples_ship_with_the_package() -> None:
    from importlib import resources

    names = {p.name for p in resources.files(samples_package).iterdir()}
    assert {"stripe_customer.json", "stripe_invoice.json"} <= names
    assert issubclass(HookAdapter, Adapter)
    assert _GenericCredentials.model_fields.keys() == {"webhook_secret"}
