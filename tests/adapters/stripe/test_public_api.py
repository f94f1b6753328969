"""The package's public names are pinned: removing one is a breaking change."""

from __future__ import annotations

import adapters.stripe


def test_exported_names() -> None:
    assert sorted(adapters.stripe.__all__) == sorted(
        [
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
    )
    for name in adapters.stripe.__all__:
        assert getattr(adapters.stripe, name) is not None


def test_the_adapter_is_registered_as_an_entry_point() -> None:
    from importlib.metadata import entry_points

    found = {e.name: e.value for e in entry_points(group="canonry.adapters")}
    assert found["stripe"] == "adapters.stripe:StripeAdapter"
