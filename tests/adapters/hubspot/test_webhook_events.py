"""How HubSpot's privacy-deletion and merge webhook events read (issue 13, item 11)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters import WebhookEvent
from adapters.hubspot import HubSpotAdapter
from canonical import EventType


def _read(event_type: str, object_id: str, **payload: Any) -> WebhookEvent:
    adapter = HubSpotAdapter({}, {"access_token": "pat-na1-x"})
    body = {"subscriptionType": event_type, "objectId": int(object_id), **payload}
    return adapter.webhook_event(
        event_type=event_type, object_type="contact", object_id=object_id, payload=body
    )


def test_a_privacy_deletion_is_a_deletion_without_a_fetch() -> None:
    read = _read("contact.privacyDeletion", "51")
    assert read.type is EventType.CUSTOMER_DELETED
    assert (read.object_type, read.stream, read.fetch) == ("customer", "contacts", False)


def test_a_merge_updates_the_survivor_and_deletes_the_merged_away_ids() -> None:
    read = _read("contact.merge", "51", primaryObjectId=51, mergedObjectIds=[52, 53])
    assert read.type is EventType.CUSTOMER_UPDATED
    assert read.fetch is True
    assert read.remote_id in (None, "51")
    assert read.deleted_remote_ids == ("52", "53")


def test_a_merge_into_a_new_record_fetches_it_and_deletes_both_inputs() -> None:
    read = _read("contact.merge", "60", primaryObjectId=51, mergedObjectIds=[52], newObjectId=60)
    assert read.fetch is True
    assert read.remote_id in (None, "60")
    assert read.deleted_remote_ids == ("51", "52")


def test_a_merge_whose_event_names_another_survivor_fetches_the_survivor() -> None:
    read = _read("contact.merge", "52", primaryObjectId=51, mergedObjectIds=[52])
    assert read.remote_id == "51"
    assert read.deleted_remote_ids == ("52",)


@pytest.mark.parametrize("payload", [{}, {"mergedObjectIds": "52"}, {"mergedObjectIds": [{}]}])
def test_a_merge_without_usable_ids_is_refused_clearly(payload: dict[str, Any]) -> None:
    from canonical import AdapterError

    with pytest.raises(AdapterError, match="mergedObjectIds"):
        _read("contact.merge", "51", **payload)


def test_deleted_ids_need_a_stream() -> None:
    with pytest.raises(ValueError, match="deleted_remote_ids"):
        WebhookEvent(EventType.CUSTOMER_UPDATED, "customer", deleted_remote_ids=("1",))
