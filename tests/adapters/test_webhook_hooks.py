"""The adapter contract's webhook hooks: defaults that refuse clearly or read generically,
and ``WebhookEvent``'s own checks."""

from __future__ import annotations

from typing import Any

import pytest

import canonical
from adapters import WebhookEvent
from canonical import ConfigurationError, WebhookVerificationError
from tests.adapters.test_contract import make


def test_default_webhook_hooks_refuse_clearly() -> None:
    adapter = make()
    with pytest.raises(WebhookVerificationError) as caught:
        adapter.verify_webhook(
            method="POST", url="https://x.test/h", headers={}, body=b"{}", secrets=[]
        )
    assert caught.value.reason == "webhooks_unsupported"
    with pytest.raises(ConfigurationError, match="does not receive webhooks"):
        adapter.parse_webhook(headers={}, body=b"{}")


def test_default_event_hooks_read_generically_and_refuse_fetches() -> None:
    adapter = make()
    read = adapter.webhook_event(
        event_type="customer.deleted", object_type="customer", object_id="c1", payload={}
    )
    assert read == WebhookEvent(canonical.EventType.CUSTOMER_DELETED, "customer")
    with pytest.raises(ConfigurationError, match="cannot fetch single records"):
        adapter.fetch_record("customers", "c1")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"object_type": "deal"}, "object_type must be one of"),
        ({"object_type": "customer", "record": {"id": "c"}}, "must name its stream"),
        ({"object_type": "customer", "fetch": True}, "must name its stream"),
    ],
)
def test_a_webhook_event_that_cannot_be_built_says_why(kwargs: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WebhookEvent(canonical.EventType.OTHER, **kwargs)
