"""HubSpot adapter: contacts, companies and invoices on the official ``hubspot-api-client``."""

from adapters.hubspot._adapter import HubSpotAdapter, PropertySource
from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._config import SEARCH_CAP, HubSpotConfig, HubSpotCredentials
from adapters.hubspot._errors import translate_api_exception
from adapters.hubspot._invoices import attach_invoice_details
from adapters.hubspot._money import TRANSFORM, hubspot_amount
from adapters.hubspot._search import Position, SearchReader, modified_ms
from adapters.hubspot._streams import LINE_ITEM_PROPERTIES, STREAMS, HubSpotStream
from adapters.hubspot._sync import HubSpotStreamReader

__all__ = [
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
