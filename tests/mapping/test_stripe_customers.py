"""The Stripe customer mapping (adapters/stripe/mappings/customers.yaml) on real objects."""

from __future__ import annotations

from datetime import UTC, datetime

from canonical import Customer, canonical_id


def test_real_fixture_maps_to_customer(stripe_fixture, customers_mapping, source):
    record = stripe_fixture("customer")

    customer = customers_mapping.compile().apply(record, source=source)

    assert isinstance(customer, Customer)
    assert customer.remote_id == "cus_QXg1o8vcGmoR32"
    assert customer.id == canonical_id("customer", "conn_test", "cus_QXg1o8vcGmoR32")
    assert customer.source == source
    assert customer.created_at == datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)
    assert customer.currency == "USD"
    # the fixture's nulls stay empty: no half-filled address objects
    assert customer.name is None
    assert customer.email is None
    assert customer.phone is None
    assert customer.billing_address is None
    assert customer.shipping_address is None
    assert customer.remote_was_deleted is False
    assert customer.custom_fields == {}
    assert customer.remote_data is None


def test_full_customer_with_addresses_and_metadata(stripe_fixture, customers_mapping, source):
    record = stripe_fixture("customer") | {
        "name": "  Ada   Lovelace ",
        "email": " Ada@Example.COM ",
        "phone": "+44 20 7946 0958",
        "description": "VIP",
        "address": {
            "city": "London",
            "country": "gb",
            "line1": "12 St James's Square",
            "line2": None,
            "postal_code": "SW1Y 4LB",
            "state": "Greater London",
        },
        "shipping": {
            "name": "Ada",
            "phone": None,
            "address": {"city": "Paris", "country": "FR", "line1": "1 Rue de Rivoli"},
        },
        "metadata": {"tier": "gold", "crm_id": "42"},
    }

    customer = customers_mapping.compile().apply(record, source=source)

    assert customer.name == "Ada Lovelace"
    assert customer.email == "Ada@example.com"
    assert customer.phone == "+44 20 7946 0958"
    assert customer.description == "VIP"
    assert customer.billing_address is not None
    assert customer.billing_address.region == "Greater London"
    assert customer.billing_address.country == "GB"
    assert customer.billing_address.line2 is None
    assert customer.shipping_address is not None
    assert customer.shipping_address.city == "Paris"
    assert customer.shipping_address.postal_code is None
    assert customer.custom_fields == {"tier": "gold", "crm_id": "42"}


def test_deleted_customer_stub(customers_mapping, source):
    record = {"id": "cus_x", "object": "customer", "deleted": True}

    customer = customers_mapping.compile().apply(record, source=source)

    assert customer.remote_id == "cus_x"
    assert customer.remote_was_deleted is True
    assert customer.name is None
    assert customer.created_at is None


def test_keep_remote_data_keeps_the_raw_record(stripe_fixture, customers_mapping, source):
    record = stripe_fixture("customer")

    customer = customers_mapping.compile().apply(record, source=source, keep_remote_data=True)

    assert customer.remote_data == record


def test_source_paths_are_the_top_level_fields_read(customers_mapping):
    assert customers_mapping.source_paths() == {
        "id",
        "name",
        "email",
        "phone",
        "description",
        "currency",
        "created",
        "deleted",
        "address",
        "shipping",
        "metadata",
    }
    assert customers_mapping.source_paths("shipping") == {"address"}
