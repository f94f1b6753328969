"""``vendor_base_url``: secrets go to the vendor's own hosts, or where the operator allows."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from adapters import VendorHostRefused, allowed_base_urls, vendor_base_url
from adapters.hubspot import HubSpotAdapter
from adapters.stripe import StripeAdapter
from canonical import ConfigurationError
from plugins.fakes import HUBSPOT_TOKEN, STRIPE_API_KEY, HubSpotFake, LoopbackHTTPServer, StripeFake

STRIPE = ("api.stripe.com",)
DEFAULT = "https://api.stripe.com"


def check(url: str, *allowed: str) -> str:
    return vendor_base_url(DEFAULT, url, vendor_hosts=STRIPE, allowed=allowed)


@pytest.mark.parametrize(
    "url", ["https://api.stripe.com", "https://API.stripe.com/", "https://api.stripe.com:443/v"]
)
def test_the_vendors_own_host_over_https_needs_no_setting(url: str) -> None:
    assert check(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.stripe.com",  # not https
        "https://api.stripe.com:8443",  # another port
        "https://api.stripe.com.evil.example",
        "https://evil.example/api.stripe.com",
        "https://api.stripe.com@evil.example",  # user info: parsers disagree about the host
        "https://evil.example\\@api.stripe.com",
        "https://api.stripe.com?x=1",
        "https://api.stripe.com#frag",
        "https://api.stripe.com./",
        "ftp://api.stripe.com",
        "api.stripe.com",
        "",
    ],
)
def test_anything_else_is_refused_without_the_operators_setting(url: str) -> None:
    with pytest.raises(VendorHostRefused) as caught:
        vendor_base_url(DEFAULT, url or " ", vendor_hosts=STRIPE, allowed=())
    assert isinstance(caught.value, ConfigurationError)


def test_the_refusal_says_what_to_set() -> None:
    with pytest.raises(VendorHostRefused) as caught:
        check("http://127.0.0.1:12111")
    assert "api.stripe.com" in caught.value.message
    assert "CANONRY_VENDOR_BASE_URLS=http://127.0.0.1:12111" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("url", "entry"),
    [
        ("http://127.0.0.1:12111", "http://127.0.0.1:*"),
        ("http://127.0.0.1:12111/", "http://127.0.0.1:12111"),
        ("https://proxy.internal/stripe/v1", "https://proxy.internal/stripe"),
        ("https://mock.internal:8443", "mock.internal:8443"),
        ("https://mock.internal", "mock.internal"),
        ("http://[::1]:9", "http://[::1]:*"),
    ],
)
def test_the_allow_list_allows_its_origins(url: str, entry: str) -> None:
    assert check(url, "https://unrelated.example", entry) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "entry"),
    [
        ("http://127.0.0.1:12112", "http://127.0.0.1:12111"),  # another port
        ("https://127.0.0.1:12111", "http://127.0.0.1:*"),  # another scheme
        ("http://mock.internal:8443", "mock.internal:8443"),  # bare host:port is https only
        ("https://proxy.internal/stripex", "https://proxy.internal/stripe"),
        ("http://localhost:1", "http://127.0.0.1:*"),
    ],
)
def test_the_allow_list_allows_nothing_else(url: str, entry: str) -> None:
    with pytest.raises(VendorHostRefused):
        check(url, entry)


def test_the_setting_is_read_from_the_environment() -> None:
    env = {"CANONRY_VENDOR_BASE_URLS": " http://127.0.0.1:* , mock.internal "}
    assert allowed_base_urls(env) == ("http://127.0.0.1:*", "mock.internal")
    url = vendor_base_url(DEFAULT, "http://127.0.0.1:5", vendor_hosts=STRIPE, environ=env)
    assert url == "http://127.0.0.1:5"
    with pytest.raises(VendorHostRefused):
        vendor_base_url(DEFAULT, "http://127.0.0.1:5", vendor_hosts=STRIPE, environ={})


def test_a_malformed_setting_names_the_variable_and_the_entry() -> None:
    with pytest.raises(ConfigurationError) as caught:
        allowed_base_urls({"CANONRY_VENDOR_BASE_URLS": "http://ok.example,not a url"})
    assert "CANONRY_VENDOR_BASE_URLS" in caught.value.message
    assert "'not a url'" in caught.value.message


@pytest.fixture(scope="module")
def loopback() -> Iterator[LoopbackHTTPServer]:
    with LoopbackHTTPServer() as server:
        yield server


def test_stripe_refuses_before_sending_the_key_anywhere(
    loopback: LoopbackHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CANONRY_VENDOR_BASE_URLS")
    fake = StripeFake().start(loopback)
    adapter = StripeAdapter({"api_base": fake.url}, {"api_key": STRIPE_API_KEY})
    with pytest.raises(VendorHostRefused) as caught:
        adapter.check()
    assert fake.requests == []
    assert STRIPE_API_KEY not in str(caught.value) + repr(caught.value) + str(caught.value.hint)


def test_hubspot_refuses_before_sending_the_token_anywhere(
    loopback: LoopbackHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CANONRY_VENDOR_BASE_URLS")
    fake = HubSpotFake().start(loopback)
    adapter = HubSpotAdapter({"base_url": fake.url}, {"access_token": HUBSPOT_TOKEN})
    with pytest.raises(VendorHostRefused) as caught:
        adapter.check()
    assert fake.requests == []
    assert HUBSPOT_TOKEN not in str(caught.value) + repr(caught.value) + str(caught.value.hint)


def test_an_allowed_host_works_and_is_logged_once_per_adapter(
    loopback: LoopbackHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake = StripeFake().start(loopback)
    adapter = StripeAdapter(
        {"api_base": fake.url}, {"api_key": SecretStr(STRIPE_API_KEY)}, connection_id="conn_7"
    )
    try:
        with caplog.at_level(logging.WARNING, logger="canonry.adapters.hosts"):
            assert adapter.check().ok
            assert adapter.check().ok
    finally:
        adapter.close()
    warnings = [r for r in caplog.records if r.name == "canonry.adapters.hosts"]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "conn_7" in text
    assert fake.url.split("//")[1].split("/")[0] in text
    assert STRIPE_API_KEY not in caplog.text
    assert len(fake.requests) == 2


def test_the_default_host_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="canonry.adapters.hosts"):
        vendor_base_url(DEFAULT, None, vendor_hosts=STRIPE, connection_id="c", allowed=())
    assert caplog.records == []


def test_a_malformed_url_is_not_echoed() -> None:
    with pytest.raises(VendorHostRefused) as caught:
        vendor_base_url(DEFAULT, "https://sk_live_x@api.stripe.com", vendor_hosts=STRIPE)
    assert "sk_live_x" not in f"{caught.value} {caught.value.hint}"
