"""VendorHTTPClient over loopback: requests as sent, errors as raised, the URL rules."""

from __future__ import annotations

import httpx
import pytest

from adapters import VendorHTTPClient
from canonical import (
    AdapterError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    VendorServerError,
)
from plugins.fakes import LoopbackHTTPServer, Reply

OK = Reply(200, json={"ok": True})


def test_success_sends_base_path_params_and_headers(
    bearer_token: str,
    loopback_client: VendorHTTPClient,
    http_server: LoopbackHTTPServer,
    sleeps: list[float],
) -> None:
    http_server.enqueue(OK)
    assert loopback_client.get_json("/customers", params={"limit": 2}) == {"ok": True}
    (request,) = http_server.requests
    assert request.target == "/v1/customers?limit=2"
    assert request.headers["authorization"] == f"Bearer {bearer_token}"
    assert request.headers["accept"] == "application/json"
    assert sleeps == []


def test_per_request_headers_and_json_body(
    bearer_token: str, loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(Reply(201, json={"id": "c_1"}))
    response = loopback_client.request(
        "POST", "customers", json={"name": "Ada"}, headers={"X-Trace": "1"}
    )
    assert response.status_code == 201
    (request,) = http_server.requests
    assert (request.method, request.path, request.json()) == (
        "POST",
        "/v1/customers",
        {"name": "Ada"},
    )
    assert request.headers["x-trace"] == "1"
    assert request.headers["authorization"] == f"Bearer {bearer_token}"


def test_auth_object_is_applied(http_server: LoopbackHTTPServer) -> None:
    http_server.enqueue(OK)
    with VendorHTTPClient(http_server.url, auth=httpx.BasicAuth("user", "pw")) as vendor:
        vendor.get_json("/me")
    assert http_server.requests[0].headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, InvalidRequestError),
        (422, InvalidRequestError),
        (418, InvalidRequestError),
        (501, VendorServerError),
    ],
)
def test_terminal_statuses_are_not_retried(
    bearer_token: str,
    loopback_client: VendorHTTPClient,
    http_server: LoopbackHTTPServer,
    sleeps: list[float],
    status: int,
    error_class: type[AdapterError],
) -> None:
    http_server.enqueue(Reply(status, json={"error": {"message": "nope", "code": "bad"}}), OK)
    with pytest.raises(error_class) as caught:
        loopback_client.get_json("/customers/cus_1", params={"token": bearer_token})
    error = caught.value
    assert type(error) is error_class
    assert (error.status, error.retryable) == (status, False)
    assert str(error).startswith(f"GET /v1/customers/cus_1 failed: HTTP {status}")
    assert bearer_token not in str(error)
    assert bearer_token not in repr(error)
    assert sleeps == []
    assert len(http_server.requests) == 1


def test_vendor_message_and_code_are_quoted_except_for_auth_failures(
    bearer_token: str, loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(
        Reply(404, json={"error": {"message": "No such customer", "code": "resource_missing"}})
    )
    with pytest.raises(NotFoundError) as missing:
        loopback_client.get_json("/customers/cus_x")
    assert missing.value.code == "resource_missing"
    assert str(missing.value).startswith(
        "GET /v1/customers/cus_x failed: HTTP 404 Not Found: No such customer"
    )
    http_server.enqueue(Reply(401, json={"message": f"Invalid API key {bearer_token}"}))
    with pytest.raises(AuthenticationError) as refused:
        loopback_client.get_json("/me")
    assert bearer_token not in str(refused.value)
    assert "credentials" in (refused.value.hint or "")


def test_non_json_body_is_an_adapter_error(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(
        Reply(200, body=b"<html>login</html>", headers={"Content-Type": "text/html"})
    )
    with pytest.raises(AdapterError) as caught:
        loopback_client.get_json("/customers")
    assert caught.value.code == "invalid_json"
    assert "text/html" in str(caught.value)


def test_absolute_urls_must_stay_on_the_base_origin(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(OK)
    assert loopback_client.get_json(http_server.url + "/v1/other?page=2") == {"ok": True}
    assert http_server.requests[0].target == "/v1/other?page=2"
    with pytest.raises(ConfigurationError, match="refusing"):
        loopback_client.get_json("http://127.0.0.2:9/steal")
    assert len(http_server.requests) == 1


@pytest.mark.parametrize("base", ["api.vendor.test/v1", "ftp://api.vendor.test", "/v1"])
def test_base_url_must_be_absolute_http(base: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        VendorHTTPClient(base)


def test_client_and_transport_together_are_refused() -> None:
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="not both"):
        VendorHTTPClient("https://x.test", client=http, transport=httpx.HTTPTransport())


def test_injected_client_is_used_and_left_open(http_server: LoopbackHTTPServer) -> None:
    http_server.enqueue(OK)
    with httpx.Client() as http:
        with VendorHTTPClient(http_server.url, client=http) as vendor:
            assert vendor.get_json("/x") == {"ok": True}
        assert not http.is_closed


def test_unknown_request_argument_is_a_configuration_error(
    loopback_client: VendorHTTPClient,
) -> None:
    with pytest.raises(ConfigurationError, match="cannot build"):
        loopback_client.request("GET", "/x", bogus=1)
