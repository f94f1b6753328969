"""Where an adapter may send a connection's secrets: its vendor's own hosts, or the operator's list.

A connection's config is not secret and whoever may edit a connection may change it, so a
base URL in it must not decide where the decrypted API key goes. ``vendor_base_url`` is the
one rule, for the built-in adapters and for plugins alike:

- the vendor's own hosts (``vendor_hosts``) over https, on the default port, are allowed;
- any other base URL only when the operator allows it outside the connection config, in
  ``CANONRY_VENDOR_BASE_URLS`` (comma-separated): ``scheme://host[:port][/path]`` allows
  that origin (and path prefix), ``:*`` any port, a bare ``host[:port]`` that origin over
  https, e.g. ``CANONRY_VENDOR_BASE_URLS=http://127.0.0.1:*`` for loopback fakes;
- anything else is a ``VendorHostRefused`` (a ``ConfigurationError``) saying what to set.

The registry checks a connection's config when it is added or updated
(``check_vendor_base_urls``); adapters check again right before they build the client that
sends requests (the row may have been edited in the database), and log a WARNING with the
connection id and host each time a non-default base URL is used. URLs are parsed strictly
(a plain ``host`` of letters, digits, dots and dashes or a bracketed IPv6 address; no user
info, query or fragment), so no two URL parsers can disagree about the host.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from canonical import ConfigurationError

__all__ = [
    "VENDOR_BASE_URLS_ENV",
    "VendorHostRefused",
    "VendorHosts",
    "allowed_base_urls",
    "check_vendor_base_urls",
    "vendor_base_url",
]

VENDOR_BASE_URLS_ENV = "CANONRY_VENDOR_BASE_URLS"
logger = logging.getLogger("canonry.adapters.hosts")

_URL = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(?P<port>\d{1,5}|\*))?"
    r"(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:%/-]*)?",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class VendorHostRefused(ConfigurationError):
    """A base URL that is neither the vendor's own host nor allowed by the operator."""


@dataclass(frozen=True)
class VendorHosts:
    """Marks a config field as a vendor base URL (``Annotated[str, VendorHosts(...)]``): the
    registry checks such fields with ``check_vendor_base_urls`` when a connection changes."""

    hosts: tuple[str, ...]

    def __init__(self, *hosts: str) -> None:
        object.__setattr__(self, "hosts", tuple(h.lower() for h in hosts))


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    port: int | None  # None: any port
    path: str

    def allows(self, url: _Origin) -> bool:
        return (
            self.scheme == url.scheme
            and self.host == url.host
            and (self.port is None or self.port == url.port)
            and (url.path + "/").startswith(self.path.rstrip("/") + "/")
        )


def _parse(value: str, *, pattern: bool = False) -> _Origin | None:
    text = value.strip()
    if pattern and "://" not in text:
        text = "https://" + text
    found = _URL.fullmatch(text)
    if found is None or (found["port"] == "*" and not pattern):
        return None
    scheme = found["scheme"].lower()
    port = found["port"]
    number = None if port == "*" else int(port) if port else _DEFAULT_PORTS[scheme]
    if number is not None and not 0 < number < 65536:
        return None
    return _Origin(scheme, found["host"].lower(), number, found["path"] or "/")


def allowed_base_urls(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The operator's allow-list (``CANONRY_VENDOR_BASE_URLS``), each entry checked."""
    env = os.environ if environ is None else environ
    entries = tuple(e.strip() for e in env.get(VENDOR_BASE_URLS_ENV, "").split(",") if e.strip())
    for entry in entries:
        if _parse(entry, pattern=True) is None:
            raise ConfigurationError(
                f"{VENDOR_BASE_URLS_ENV} has an entry that is not a base URL: {entry!r}",
                hint="write scheme://host[:port|:*][/path] or host[:port], comma-separated, "
                "e.g. http://127.0.0.1:*",
            )
    return entries


def _refused(what: str, hint: str) -> VendorHostRefused:
    return VendorHostRefused(what, hint=hint)


def vendor_base_url(
    default: str,
    configured: str | None,
    *,
    vendor_hosts: Iterable[str],
    connection_id: str | None = None,
    allowed: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
    field: str = "base URL",
) -> str:
    """The base URL to send requests (and secrets) to: ``configured`` (or ``default``) when
    it is https on one of ``vendor_hosts`` or allowed by the operator, else
    ``VendorHostRefused``. ``allowed`` replaces ``CANONRY_VENDOR_BASE_URLS`` (read from
    ``environ``, default ``os.environ``). With ``connection_id`` a non-vendor URL is logged;
    ``field`` names the setting in errors. A malformed URL is not echoed (it may hold a
    password before an ``@``)."""
    url = (configured or default).strip().rstrip("/")
    origin = _parse(url)
    if origin is None:
        raise _refused(
            f"{field} is not an absolute http(s) URL with a plain host",
            "use https://host[:port][/path] (no user info, query or fragment)",
        )
    hosts = {h.lower() for h in vendor_hosts}
    if origin.scheme == "https" and origin.port == 443 and origin.host in hosts:
        return url
    entries = tuple(allowed) if allowed is not None else allowed_base_urls(environ)
    patterns = [p for p in (_parse(e, pattern=True) for e in entries) if p is not None]
    if not any(p.allows(origin) for p in patterns):
        raise _refused(
            f"{field} {url!r} is not the vendor's own host ({', '.join(sorted(hosts))} over "
            "https) and the operator has not allowed it",
            f"an operator allows it by setting {VENDOR_BASE_URLS_ENV} in the environment of "
            f"every Canonry process (e.g. {VENDOR_BASE_URLS_ENV}={origin.scheme}://"
            f"{origin.host}:{origin.port}); else remove the base URL from the connection config",
        )
    where = f"{origin.scheme}://{origin.host}:{origin.port}"
    if connection_id is not None and _first_use(connection_id, where):
        logger.warning(
            "connection %s sends requests to a non-default vendor host %s (allowed by %s)",
            connection_id,
            where,
            VENDOR_BASE_URLS_ENV,
        )
    return url


_WARNED: set[tuple[str, str]] = set()
_WARNED_LOCK = threading.Lock()
_MAX_WARNED = 10_000


def _first_use(connection_id: str, where: str) -> bool:
    """The first use of ``where`` by this connection in this process (a worker builds its
    adapters again after every change of a connection: one warning each time was noise)."""
    with _WARNED_LOCK:
        if (connection_id, where) in _WARNED:
            return False
        if len(_WARNED) >= _MAX_WARNED:
            _WARNED.clear()
        _WARNED.add((connection_id, where))
        return True


def check_vendor_base_urls(
    config: BaseModel, *, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Check every ``VendorHosts`` field of ``config``; answer the ones that are not their
    field's default (field name -> URL), which the registry audits."""
    custom: dict[str, str] = {}
    for name, field in type(config).model_fields.items():
        marks = [m for m in field.metadata if isinstance(m, VendorHosts)]
        value: Any = getattr(config, name)
        if not marks or not isinstance(value, str):
            continue
        default = field.default if isinstance(field.default, str) else value
        url = vendor_base_url(
            default, value, vendor_hosts=marks[0].hosts, environ=environ, field=name
        )
        if url != default.rstrip("/"):
            custom[name] = url
    return custom
