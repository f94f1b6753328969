"""Whoever may edit a connection cannot send its secret elsewhere (issue 15, item 3).

A base URL other than the vendor's own host is refused when a connection is added or
updated, and again before a request is sent (for a row edited in the database), unless the
operator allows it in ``CANONRY_VENDOR_BASE_URLS``; allowed ones are audited and logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from adapters import VendorHostRefused
from adapters.hubspot import HubSpotAdapter
from adapters.stripe import StripeAdapter
from canonical import CanonryError
from plugins.fakes import HUBSPOT_TOKEN, STRIPE_API_KEY, HubSpotFake, LoopbackHTTPServer, StripeFake
from registry import Registry, create_engine, upgrade
from vault import LocalCredentialStore, LocalKeyring

ENV = "CANONRY_VENDOR_BASE_URLS"


@pytest.fixture(scope="module")
def loopback() -> Iterator[LoopbackHTTPServer]:
    with LoopbackHTTPServer() as server:
        yield server


@pytest.fixture
def stripe(loopback: LoopbackHTTPServer) -> StripeFake:
    return StripeFake().start(loopback)


@pytest.fixture
def hubspot(loopback: LoopbackHTTPServer) -> HubSpotFake:
    return HubSpotFake().start(loopback)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    db = f"sqlite:///{tmp_path}/canonry.db"
    engine = create_engine(db)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    adapters = {"stripe": StripeAdapter, "hubspot": HubSpotAdapter}
    factory = lambda connection: httpx.Client()  # noqa: E731  (the Registry closes it)
    with Registry(
        db, tenant="t1", adapters=adapters, credentials=store, http_factory=factory
    ) as reg:
        yield reg
    engine.dispose()


def _no_secret(exc: BaseException, *secrets: str) -> None:
    text = f"{exc} {exc!r} {getattr(exc, 'hint', '')}"
    for secret in secrets:
        assert secret not in text


def test_an_update_pointing_stripe_elsewhere_is_refused(
    registry: Registry, stripe: StripeFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV)
    registry.add_connection("shop", "stripe", {}, {"api_key": STRIPE_API_KEY})
    with pytest.raises(VendorHostRefused) as caught:
        registry.update_connection("shop", config={"api_base": stripe.url})
    assert ENV in (caught.value.hint or "")
    _no_secret(caught.value, STRIPE_API_KEY)
    assert registry.get_connection("shop").config["api_base"] == "https://api.stripe.com"
    with pytest.raises(VendorHostRefused):
        registry.add_connection("other", "stripe", {"api_base": stripe.url})
    assert stripe.requests == []


def test_an_update_pointing_hubspot_elsewhere_is_refused(
    registry: Registry, hubspot: HubSpotFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV)
    registry.add_connection("crm", "hubspot", {}, {"access_token": HUBSPOT_TOKEN})
    with pytest.raises(VendorHostRefused) as caught:
        registry.update_connection("crm", config={"base_url": hubspot.url})
    _no_secret(caught.value, HUBSPOT_TOKEN)
    assert registry.get_connection("crm").config["base_url"] == "https://api.hubapi.com"


@pytest.mark.parametrize(
    ("adapter", "field", "secrets"),
    [
        ("stripe", "api_base", {"api_key": STRIPE_API_KEY}),
        ("hubspot", "base_url", {"access_token": HUBSPOT_TOKEN}),
    ],
)
def test_a_row_edited_in_the_database_is_refused_before_any_request(
    registry: Registry,
    stripe: StripeFake,
    hubspot: HubSpotFake,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    adapter: str,
    field: str,
    secrets: dict[str, str],
) -> None:
    monkeypatch.delenv(ENV)
    conn = registry.add_connection("c", adapter, {}, secrets)
    fake = stripe if adapter == "stripe" else hubspot
    config = {**conn.config, field: fake.url}
    table = sa.table("connections", sa.column("id"), sa.column("config", sa.JSON))
    with registry.engine.begin() as db:
        db.execute(sa.update(table).where(table.c.id == conn.id).values(config=config))

    with caplog.at_level(logging.DEBUG), pytest.raises(CanonryError) as caught:
        registry.test_connection("c")
    assert isinstance(caught.value, VendorHostRefused)
    _no_secret(caught.value, *secrets.values())
    assert all(secret not in caplog.text for secret in secrets.values())
    assert fake.requests == []


def test_with_the_operators_setting_it_works_is_audited_and_logged(
    registry: Registry,
    stripe: StripeFake,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host = stripe.url.split("//")[1].split("/")[0]
    monkeypatch.setenv(ENV, f"http://{host}")  # just this origin
    conn = registry.add_connection("shop", "stripe", {}, {"api_key": STRIPE_API_KEY})
    registry.update_connection("shop", config={"api_base": stripe.url})
    with caplog.at_level(logging.DEBUG):
        assert registry.test_connection("shop").ok
    assert stripe.requests, "the fake was reached"
    warnings = [r.getMessage() for r in caplog.records if r.name == "canonry.adapters.hosts"]
    assert len(warnings) == 1
    assert conn.id in warnings[0]
    assert host in warnings[0]
    assert STRIPE_API_KEY not in caplog.text
    audited = [e for e in registry.audit_log() if e.action == "connection.custom_base_url"]
    assert [(e.target, e.details) for e in audited] == [
        ("shop", {"field": "api_base", "url": stripe.url.rstrip("/")})
    ]

    other = registry.add_connection("shop2", "stripe", {"api_base": stripe.url})
    assert [e.target for e in registry.audit_log() if e.action.endswith("base_url")] == [
        other.name,
        "shop",
    ]


def test_the_vendors_own_host_is_not_audited_as_custom(registry: Registry) -> None:
    registry.add_connection("shop", "stripe", {"api_base": "https://api.stripe.com/"})
    registry.update_connection("shop", config={"page_size": 10})
    assert not [e for e in registry.audit_log() if e.action == "connection.custom_base_url"]


def test_the_cli_refuses_the_update_and_says_what_to_set(
    initialised: dict[str, str], stripe: StripeFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.registry.cli import canonry

    monkeypatch.delenv(ENV)
    code, out, err = canonry("connections", "add", "shop", "--adapter", "stripe")
    assert code == 0, out + err
    creds = json.dumps({"api_key": STRIPE_API_KEY})
    code, out, err = canonry("credentials", "set", "shop", "--stdin", input=creds)
    assert code == 0, out + err
    config = json.dumps({"api_base": stripe.url})
    code, out, err = canonry("connections", "update", "shop", "--config", config)
    assert code == 2
    assert "not the vendor's own host" in err
    assert f"{ENV}=http://127.0.0.1:" in err
    assert STRIPE_API_KEY not in out + err
    assert stripe.requests == []
