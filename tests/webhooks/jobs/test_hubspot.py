"""HubSpot events carry only ids: the job fetches the current object through the adapter
(from the loopback HubSpot fake) and maps it like a sync."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from canonical import Customer, Event, EventType
from plugins.fakes import HUBSPOT_TOKEN as TOKEN
from plugins.fakes import HubSpotFake, LoopbackHTTPServer
from tests.webhooks.jobs.conftest import JobsEnv
from webhooks.handlers import HandlerRegistry


@pytest.fixture
def fake() -> Iterator[HubSpotFake]:
    with LoopbackHTTPServer() as server:
        yield HubSpotFake().start(server)


def _deliver(env: JobsEnv, connection_id: str, events: list[dict[str, object]]) -> list[str]:
    return env.deliver_hubspot(connection_id, events)


def test_contact_events_fetch_the_current_contact_and_deletions_do_not(
    jobs_env: JobsEnv, fake: HubSpotFake
) -> None:
    connection = jobs_env.registry.add_connection(
        "crm", "hubspot", {"base_url": fake.url}, {"access_token": TOKEN, "client_secret": "s"}
    )
    contact = fake.create(
        "contacts", {"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace"}
    )
    handlers = HandlerRegistry()
    seen: list[Event] = []
    handlers.on("customer.*", name="crm")(lambda e, *, idempotency_key: seen.append(e))
    jobs_env.launch(handlers)
    ms = int(time.time() * 1000)
    common = {"portalId": 62515, "subscriptionId": 7, "objectId": int(contact["id"])}
    ids = _deliver(
        jobs_env,
        connection.id,
        [
            {
                **common,
                "eventId": 1,
                "subscriptionType": "contact.propertyChange",
                "occurredAt": ms,
            },
            {
                **common,
                "eventId": 2,
                "subscriptionType": "contact.deletion",
                "occurredAt": ms + 2000,
            },
        ],
    )
    assert set(jobs_env.wait(ids).values()) == {"done"}
    changed, deleted = seen
    assert changed.type is EventType.CUSTOMER_UPDATED
    assert isinstance(changed.data, Customer)
    assert changed.data.remote_id == contact["id"]
    assert changed.data.email == "ada@example.com"
    assert deleted.type is EventType.CUSTOMER_DELETED
    assert deleted.data is None
    assert (deleted.object_type, deleted.object_remote_id) == ("customer", contact["id"])
    reads = [r for r in fake.requests if "batch/read" in r.path]
    assert len(reads) == 1


def test_a_merge_stores_the_survivor_and_tombstones_the_merged_away_contact(
    jobs_env: JobsEnv, fake: HubSpotFake
) -> None:
    connection = jobs_env.registry.add_connection(
        "crm", "hubspot", {"base_url": fake.url}, {"access_token": TOKEN, "client_secret": "s"}
    )
    survivor = fake.create("contacts", {"email": "ada@example.com", "firstname": "Ada"})
    merged = fake.create("contacts", {"email": "ada.l@example.com", "firstname": "A."})
    jobs_env.launch(HandlerRegistry())
    ms = int(time.time() * 1000)
    common = {"portalId": 62515, "subscriptionId": 7}
    both = _deliver(jobs_env, connection.id, [
        {**common, "eventId": 10 + n, "objectId": int(c["id"]),
         "subscriptionType": "contact.creation", "occurredAt": ms + n}
        for n, c in enumerate((survivor, merged))
    ])  # fmt: skip
    assert set(jobs_env.wait(both).values()) == {"done"}
    assert jobs_env.registry.count_records("customers") == 2
    cursor = jobs_env.registry.records("customers").next_cursor
    [item] = _deliver(jobs_env, connection.id, [{
        **common, "eventId": 20, "objectId": int(survivor["id"]),
        "subscriptionType": "contact.merge", "occurredAt": ms + 5000,
        "primaryObjectId": int(survivor["id"]), "mergedObjectIds": [int(merged["id"])],
    }])  # fmt: skip
    assert jobs_env.wait([item]) == {item: "done"}
    changes = {c.remote_id: c for c in jobs_env.registry.records("customers", cursor=cursor)}
    assert changes[merged["id"]].remote_was_deleted is True
    assert jobs_env.registry.count_records("customers") == 1
    [left] = list(jobs_env.registry.records("customers"))
    assert left.remote_id == survivor["id"]
