"""Where notifications may go (SSRF): https URLs of public addresses, checked twice.

An endpoint URL is checked when it is added (scheme, no credentials in it, and every
address its host resolves to), and again at every connection: the HTTP transport's
network backend resolves the host itself, refuses the connection if any address is not
allowed, and connects to an address it checked, so a name that resolves to a public
address when added and to a private one later (DNS rebinding) is refused at send time.
TLS still verifies the certificate against the host name. Not allowed unless the operator
sets ``allow_private``: loopback, private, link-local, shared (CGNAT), multicast, reserved
and unspecified addresses, IPv4 inside IPv6 (mapped, 6to4, Teredo, NAT64) included.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import certifi
import httpcore
import httpx

from canonical import ValidationFailed

__all__ = [
    "GuardedTransport",
    "Resolver",
    "TargetRefused",
    "address_problem",
    "check_endpoint_url",
    "system_resolver",
]

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses``: the DNS seam (tests pass their own)."""
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_MAX_URL = 2000


class TargetRefused(httpcore.ConnectError):
    """The endpoint's host resolves to an address notifications may not go to."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(address: str) -> str | None:
    """What kind of address ``address`` is when notifications may not go to it
    (``loopback``, ``private``, ...); None for a public address."""
    try:
        ip: _IP = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "malformed"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            kind = address_problem(str(inner))
            return f"{kind} (IPv4 {inner} inside IPv6)" if kind else None
    checks = (
        (ip.is_loopback, "loopback"), (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"), (ip.is_unspecified or ip.is_reserved, "reserved"),
        (not ip.is_global, "private"),
    )  # fmt: skip
    return next((kind for refused, kind in checks if refused), None)


def _refusal(host: str, addresses: Iterable[str]) -> str | None:
    for address in addresses:
        kind = address_problem(address)
        if kind is not None:
            what = f"a {kind} address"
            if host.strip("[]") == address:
                return f"{address}, {what}"
            return f"{host}, which resolves to {address}, {what}"
    return None


def check_endpoint_url(
    url: str, *, allow_http: bool, allow_private: bool, resolver: Resolver = system_resolver
) -> str:
    """The URL, normalised, if notifications may go there; else ``ValidationFailed``."""
    hint = (
        "use an https:// URL of a public host (operators: CANONRY_NOTIFY_ALLOW_PRIVATE=1 "
        "and CANONRY_NOTIFY_ALLOW_HTTP=1 allow private and http targets)"
    )
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValidationFailed(f"the endpoint URL is not a URL: {exc}", hint=hint) from None
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise ValidationFailed("the endpoint URL must be an absolute http(s) URL", hint=hint)
    if parsed.scheme == "http" and not allow_http:
        raise ValidationFailed("the endpoint URL must use https", hint=hint)
    if parsed.userinfo:
        raise ValidationFailed("the endpoint URL must not hold a user name or password",
                               hint="authenticate the sender by its signature instead")  # fmt: skip
    if parsed.fragment or len(str(parsed)) > _MAX_URL:
        raise ValidationFailed(f"the endpoint URL must have no #fragment and at most {_MAX_URL} "
                               "characters", hint=hint)  # fmt: skip
    if not allow_private:
        try:
            addresses = resolver(parsed.host, parsed.port or 443)
        except OSError as exc:
            raise ValidationFailed(f"the endpoint host {parsed.host!r} does not resolve: {exc}",
                                   hint="check the host name") from None  # fmt: skip
        problem = _refusal(parsed.host, addresses) if addresses else "it has no address"
        if problem is not None:
            raise ValidationFailed(f"notifications may not go to {problem}", hint=hint)
    return str(parsed)


class _GuardedBackend(httpcore.SyncBackend):
    """Resolve, check every address, connect to a checked one (at every new connection)."""

    def __init__(self, resolver: Resolver, allow_private: bool) -> None:
        self.resolver = resolver
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self.resolver(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} does not resolve: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        if not self.allow_private:
            problem = _refusal(host, addresses)
            if problem is not None:
                raise TargetRefused(f"refused: {problem}")
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


class GuardedTransport(httpx.HTTPTransport):
    """An HTTP/1.1 transport whose every connection goes through ``_GuardedBackend``;
    no proxies from the environment (they would connect for us, unchecked)."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        super().__init__(trust_env=False)
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(cafile=certifi.where()),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(resolver, allow_private),
        )
