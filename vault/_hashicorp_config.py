"""Settings for reaching HashiCorp Vault: address, auth, namespace, TLS, KV layout.

Read from the environment with the Vault CLI's own variable names (``VAULT_ADDR``,
``VAULT_TOKEN``, ``VAULT_NAMESPACE``, ``VAULT_CACERT``, ``VAULT_SKIP_VERIFY``) plus
Canonry's (``CANONRY_VAULT_MOUNT``, ``CANONRY_VAULT_PREFIX``, ``CANONRY_VAULT_ROLE_ID``,
``CANONRY_VAULT_SECRET_ID``, ``CANONRY_VAULT_TRANSIT_MOUNT``, ``CANONRY_VAULT_TRANSIT_KEY``,
``CANONRY_VAULT_TIMEOUT``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from canonical import ConfigurationError

__all__ = ["VaultSettings", "validate_segment"]

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_MOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def validate_segment(value: str, what: str) -> str:
    """One path segment (tenant, connection, key name): letters, digits, ``_ . -``, no ``..``."""
    if not _SEGMENT.fullmatch(value) or ".." in value:
        raise ConfigurationError(
            f"invalid {what} {value!r} for a Vault path",
            hint="use 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit",
        )
    return value


def _validate_mount(value: str, what: str) -> str:
    value = value.strip("/")
    if not _MOUNT.fullmatch(value) or ".." in value:
        raise ConfigurationError(
            f"invalid Vault {what} {value!r}",
            hint="use '/'-separated segments of letters, digits, '_', '.' or '-'",
        )
    return value


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean", hint="set it to true or false")


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds") from None


@dataclass(frozen=True)
class VaultSettings:
    """How to reach and authenticate to Vault. Secrets are ``SecretStr``; the repr hides them.

    Exactly one auth method: ``token``, or AppRole (``role_id`` + ``secret_id``). TLS is
    verified by default (``ca_cert`` adds a CA bundle); ``skip_verify=True`` turns it off and
    must be asked for explicitly.
    """

    addr: str
    token: SecretStr | None = None
    role_id: str | None = None
    secret_id: SecretStr | None = None
    approle_mount: str = "approle"
    namespace: str | None = None
    ca_cert: Path | None = None
    skip_verify: bool = False
    timeout: float = 10.0
    mount: str = "secret"
    prefix: str = "canonry"
    transit_mount: str = "transit"
    transit_key: str = "canonry"

    def __post_init__(self) -> None:
        self._check_addr()
        self._check_auth()
        object.__setattr__(self, "mount", _validate_mount(self.mount, "mount"))
        object.__setattr__(self, "prefix", _validate_mount(self.prefix, "prefix"))
        object.__setattr__(self, "transit_mount", _validate_mount(self.transit_mount, "mount"))
        validate_segment(self.transit_key, "Transit key name")
        if self.ca_cert is not None and self.skip_verify:
            raise ConfigurationError(
                "VAULT_CACERT and VAULT_SKIP_VERIFY are both set",
                hint="keep VAULT_CACERT to verify with that CA; skipping verification is for "
                "throwaway dev servers only",
            )
        if self.ca_cert is not None and not self.ca_cert.is_file():
            raise ConfigurationError(
                f"CA bundle {str(self.ca_cert)!r} does not exist",
                hint="point VAULT_CACERT at the PEM file that signed Vault's certificate",
            )
        if self.timeout <= 0:
            raise ConfigurationError("the Vault timeout must be positive")

    def _check_addr(self) -> None:
        parts = urlsplit(self.addr)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigurationError(
                f"VAULT_ADDR {self.addr!r} is not an http(s) URL",
                hint="set VAULT_ADDR like https://vault.example.com:8200",
            )

    def _check_auth(self) -> None:
        approle = self.role_id is not None or self.secret_id is not None
        if approle and (not self.role_id or self.secret_id is None):
            raise ConfigurationError(
                "AppRole needs both a role id and a secret id",
                hint="set both CANONRY_VAULT_ROLE_ID and CANONRY_VAULT_SECRET_ID",
            )
        if approle and self.token is not None:
            raise ConfigurationError(
                "both a Vault token and AppRole credentials are configured",
                hint="unset VAULT_TOKEN or the CANONRY_VAULT_ROLE_ID/SECRET_ID pair",
            )
        if not approle and self.token is None:
            raise ConfigurationError(
                "no Vault credentials configured",
                hint="set VAULT_TOKEN, or CANONRY_VAULT_ROLE_ID and CANONRY_VAULT_SECRET_ID",
            )

    @property
    def uses_approle(self) -> bool:
        return self.role_id is not None

    @property
    def verify(self) -> bool | str:
        """The value for requests' ``verify``: a CA bundle path, ``True``, or ``False``."""
        if self.ca_cert is not None:
            return str(self.ca_cert)
        return not self.skip_verify

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> VaultSettings:
        """Settings from environment variables; a missing one names the variable to set."""
        addr = environ.get("VAULT_ADDR", "").strip()
        if not addr:
            raise ConfigurationError(
                "VAULT_ADDR is not set",
                hint="set VAULT_ADDR to Vault's URL, e.g. https://vault:8200",
            )
        token = environ.get("VAULT_TOKEN") or None
        secret_id = environ.get("CANONRY_VAULT_SECRET_ID") or None
        ca_cert = environ.get("VAULT_CACERT") or None
        return cls(
            addr=addr,
            token=SecretStr(token) if token else None,
            role_id=environ.get("CANONRY_VAULT_ROLE_ID") or None,
            secret_id=SecretStr(secret_id) if secret_id else None,
            namespace=environ.get("VAULT_NAMESPACE") or None,
            ca_cert=Path(ca_cert) if ca_cert else None,
            skip_verify=_flag(environ, "VAULT_SKIP_VERIFY"),
            mount=environ.get("CANONRY_VAULT_MOUNT") or "secret",
            prefix=environ.get("CANONRY_VAULT_PREFIX") or "canonry",
            transit_mount=environ.get("CANONRY_VAULT_TRANSIT_MOUNT") or "transit",
            transit_key=environ.get("CANONRY_VAULT_TRANSIT_KEY") or "canonry",
            timeout=_seconds(environ, "CANONRY_VAULT_TIMEOUT", 10.0),
        )
