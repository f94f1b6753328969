"""The package's public names are pinned: removing one is a breaking change."""

from __future__ import annotations

import adapters.hubspot
from mapping import transform_names


def test_exported_names() -> None:
    assert sorted(adapters.hubspot.__all__) == sorted(
        [
            "LINE_ITEM_PROPERTIES",
            "SEARCH_CAP",
            "STREAMS",
            "TRANSFORM",
            "HubSpotAdapter",
            "HubSpotClient",
            "HubSpotConfig",
            "HubSpotCredentials",
            "HubSpotStream",
            "HubSpotStreamReader",
            "Position",
            "PropertySource",
            "SearchReader",
            "attach_invoice_details",
            "hubspot_amount",
            "modified_ms",
            "translate_api_exception",
        ]
    )


def test_the_money_transform_is_registered() -> None:
    assert adapters.hubspot.TRANSFORM in transform_names()


def test_the_adapter_is_registered_as_an_entry_point() -> None:
    from importlib.metadata import entry_points

    found = {e.name: e.value for e in entry_points(group="canonry.adapters")}
    assert found["hubspot"] == "adapters.hubspot:HubSpotAdapter"
