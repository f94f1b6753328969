"""Loopback fakes of the Stripe and HubSpot APIs, built on real vendor objects.

They speak each vendor's wire format on a real HTTP server on 127.0.0.1 (pagination, events,
search, associations, errors, scripted 429s), and their data can be changed while a sync
runs. The test suite uses them, ``canonry dev fake-vendor`` serves them for an offline
quickstart, and adapter authors can use ``LoopbackHTTPServer`` for their own fakes.
Importing this package needs nothing beyond Canonry's own dependencies (no pytest).
"""

from plugins.fakes._fixtures import FIXTURES, vendor_fixture, vendor_fixture_names
from plugins.fakes._http import LoopbackHTTPServer, RecordedRequest, Reply, unused_port
from plugins.fakes._hubspot import TOKEN as HUBSPOT_TOKEN
from plugins.fakes._hubspot import HubSpotFake
from plugins.fakes._stripe import API_KEY as STRIPE_API_KEY
from plugins.fakes._stripe import StripeFake

__all__ = [
    "FIXTURES",
    "HUBSPOT_TOKEN",
    "STRIPE_API_KEY",
    "HubSpotFake",
    "LoopbackHTTPServer",
    "RecordedRequest",
    "Reply",
    "StripeFake",
    "unused_port",
    "vendor_fixture",
    "vendor_fixture_names",
]
