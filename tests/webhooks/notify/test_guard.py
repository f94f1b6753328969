"""SSRF: endpoint URLs are checked when added and every address again at connect time
(DNS rebinding); only an operator setting lets notifications reach private addresses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from canonical import ValidationFailed
from tests.webhooks.notify.receiver import Receiver
from webhooks.notify import NotifySettings, Sender, address_problem, check_endpoint_url

SECRET = SecretStr("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
PUBLIC = "93.184.215.14"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
        ("10.1.2.3", "private"), ("172.16.5.4", "private"), ("192.168.0.9", "private"),
        ("fc00::7", "private"), ("100.64.0.1", "private"), ("198.51.100.7", "private"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"), ("0.0.0.0", "reserved"), ("::", "reserved"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
        ("::ffff:169.254.169.254", "link-local (IPv4 169.254.169.254 inside IPv6)"),
        ("2002:a00:1::1", "private (IPv4 10.0.0.1 inside IPv6)"),
        ("64:ff9b::7f00:1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
        ("fe80::1%eth0", "link-local"), ("not-an-ip", "malformed"),
    ],
)  # fmt: skip
def test_refused_addresses(address: str, kind: str) -> None:
    assert address_problem(address) == kind


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert address_problem(address) is None


def _check(url: str, *addresses: str, allow_http: bool = False, private: bool = False) -> str:
    return check_endpoint_url(url, allow_http=allow_http, allow_private=private,
                              resolver=lambda _h, _p: list(addresses))  # fmt: skip


@pytest.mark.parametrize(
    ("url", "addresses", "message"),
    [
        ("http://hooks.example.com/x", [PUBLIC], "must use https"),
        ("https://user:pw@hooks.example.com/x", [PUBLIC], "user name or password"),
        ("ftp://hooks.example.com/x", [PUBLIC], "absolute http(s) URL"),
        ("/relative", [PUBLIC], "absolute http(s) URL"),
        ("https://hooks.example.com/x#frag", [PUBLIC], "#fragment"),
        ("https://127.0.0.1/x", ["127.0.0.1"], "127.0.0.1, a loopback address"),
        ("https://[::1]:8443/x", ["::1"], "::1, a loopback address"),
        ("https://metadata.internal/x", ["169.254.169.254"], "resolves to 169.254.169.254"),
        ("https://mixed.example.com/x", [PUBLIC, "10.0.0.5"], "10.0.0.5, a private address"),
        ("https://nowhere.example.com/x", [], "has no address"),
    ],
)  # fmt: skip
def test_refused_urls(url: str, addresses: list[str], message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _check(url, *addresses)
    assert message in caught.value.message
    assert caught.value.hint


def test_the_operator_can_allow_http_and_private_targets() -> None:
    assert _check("http://127.0.0.1:9/x", "127.0.0.1", allow_http=True, private=True) == (
        "http://127.0.0.1:9/x"
    )
    assert _check("https://hooks.example.com/a?b=1", PUBLIC) == "https://hooks.example.com/a?b=1"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.close()


def _sender(resolver: object, *, private: bool) -> Sender:
    settings = NotifySettings(allow_http=True, allow_private=private, timeout=10)
    return Sender(settings, resolver=resolver)  # type: ignore[arg-type]


def test_dns_rebinding_is_refused_at_connect_time(receiver: Receiver) -> None:
    """The name resolved to a public address when the endpoint was added; now it points at
    the loopback receiver: the connection is refused, nothing reaches it."""
    answers = iter([[PUBLIC], ["127.0.0.1"]])
    resolver = lambda _host, _port: next(answers)  # noqa: E731
    url = f"http://hooks.example.test:{receiver.port}/hooks"
    assert check_endpoint_url(url, allow_http=True, allow_private=False, resolver=resolver) == url
    sender = _sender(resolver, private=False)
    try:
        result = sender.send(url, b"{}", SECRET, msg_id="msg_rebind")
    finally:
        sender.close()
    assert not result.ok
    assert result.refused
    assert "127.0.0.1, a loopback address" in (result.error or "")
    assert receiver.received == []


def test_every_address_is_checked_at_connect_time(receiver: Receiver) -> None:
    sender = _sender(lambda _h, _p: [PUBLIC, "127.0.0.1"], private=False)
    try:
        result = sender.send(f"http://two.example.test:{receiver.port}/", b"{}", SECRET,
                             msg_id="msg_two")  # fmt: skip
    finally:
        sender.close()
    assert result.refused
    assert receiver.received == []


def test_connections_go_to_the_checked_address_with_the_original_host(
    receiver: Receiver,
) -> None:
    """The guard resolves the name itself and connects to what it checked (the system
    resolver does not know ``.test`` names): the Host header keeps the name."""
    sender = _sender(lambda _h, _p: ["127.0.0.1"], private=True)
    try:
        result = sender.send(f"http://hooks.example.test:{receiver.port}/in", b"{}", SECRET,
                             msg_id="msg_host")  # fmt: skip
    finally:
        sender.close()
    assert result.ok
    assert receiver.received[0].headers["host"] == f"hooks.example.test:{receiver.port}"
