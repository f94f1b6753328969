"""``TransitKeyWrapper``: wrap the local store's data keys with HashiCorp Vault Transit.

The key-encryption key never leaves Vault: ``wrap`` sends the data key to
``transit/encrypt/<key>`` and keeps Vault's ``vault:vN:...`` ciphertext; ``unwrap`` calls
``transit/decrypt/<key>``; ``rewrap`` calls ``transit/rewrap/<key>``, so moving a data key
to the newest Transit key version never exposes it to Canonry's storage.

Binding to ``aad``: the Transit key is created with ``derived=true`` and every call passes
``context=base64(aad)``. Vault then derives a separate AES-256-GCM key per context (HKDF over
the key version), so a wrapped key copied to another tenant/connection/format decrypts under
a different derived key and fails authentication. (Transit's ``associated_data`` would also
bind, but ``rewrap`` cannot carry it; ``context`` works for encrypt, decrypt and rewrap.)
A non-derived key would silently ignore the context, so the wrapper refuses one.

``key_id`` is ``"<transit key name>:v<version>"``.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from typing import Any

import hvac.exceptions as hvac_exc
import requests

from canonical import (
    ConfigurationError,
    DecryptionError,
    KeyNotFoundError,
    NotFoundInRegistry,
)
from vault._hashicorp_client import VaultClient
from vault._hashicorp_config import VaultSettings
from vault._hashicorp_errors import vault_messages
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = ["TransitKeyWrapper"]

_CIPHERTEXT = re.compile(r"^vault:v(\d+):[A-Za-z0-9+/=]+$")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class TransitKeyWrapper(KeyWrapper):
    """A ``KeyWrapper`` whose KEK is a derived AES-256-GCM key in Vault Transit."""

    name = "transit"

    def __init__(
        self,
        settings: VaultSettings,
        *,
        client: VaultClient | None = None,
        session: requests.Session | None = None,
        create_key: bool = True,
    ) -> None:
        self.settings = settings
        self.key = settings.transit_key
        self.mount = settings.transit_mount
        self.client = client or VaultClient(settings, session=session)
        self._create_key = create_key
        self._checked = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TransitKeyWrapper:
        """A wrapper configured from ``VAULT_*`` / ``CANONRY_VAULT_TRANSIT_*`` variables."""
        return cls(VaultSettings.from_env(os.environ if environ is None else environ))

    def __repr__(self) -> str:
        return f"TransitKeyWrapper({self.client!r}, key={self.mount}/keys/{self.key!r})"

    def _call(self, op: str, fn: Any) -> Any:
        return self.client.call(f"{self.mount}/{op}/{self.key}", fn)

    def _read_key(self) -> dict[str, Any]:
        response = self._call(
            "keys", lambda c: c.secrets.transit.read_key(name=self.key, mount_point=self.mount)
        )
        data: dict[str, Any] = response["data"]
        return data

    def ensure_key(self) -> dict[str, Any]:
        """Read the Transit key (creating it derived if allowed); refuse a non-derived key."""
        try:
            data = self._read_key()
        except NotFoundInRegistry:
            if not self._create_key:
                raise ConfigurationError(
                    f"Transit key {self.key!r} does not exist in mount {self.mount!r}",
                    hint=f"create it: vault write -f {self.mount}/keys/{self.key} derived=true",
                ) from None
            self._call(
                "keys",
                lambda c: c.secrets.transit.create_key(
                    name=self.key, derived=True, key_type="aes256-gcm96", mount_point=self.mount
                ),
            )
            data = self._read_key()
        if not data.get("derived"):
            raise ConfigurationError(
                f"Transit key {self.key!r} is not a derived key, so it cannot bind wrapped keys "
                "to their owner",
                hint="create a new key with derived=true and set CANONRY_VAULT_TRANSIT_KEY to it",
            )
        self._checked = True
        return data

    def primary_key_id(self) -> str:
        return f"{self.key}:v{int(self.ensure_key()['latest_version'])}"

    def rotate_key(self) -> str:
        """Make a new Transit key version the primary one; returns its key id."""
        self._call(
            "keys",
            lambda c: c.secrets.transit.rotate_key(name=self.key, mount_point=self.mount),
        )
        return self.primary_key_id()

    def wrap(self, data_key: bytes, aad: bytes) -> WrappedKey:
        if not self._checked:
            self.ensure_key()
        response = self._call(
            "encrypt",
            lambda c: c.secrets.transit.encrypt_data(
                name=self.key, plaintext=_b64(data_key), context=_b64(aad), mount_point=self.mount
            ),
        )
        return self._wrapped(str(response["data"]["ciphertext"]))

    def unwrap(self, wrapped: WrappedKey, aad: bytes) -> bytes:
        ciphertext = self._ciphertext(wrapped)

        def decrypt(c: Any) -> Any:
            with self._decrypt_errors(wrapped):
                return c.secrets.transit.decrypt_data(
                    name=self.key, ciphertext=ciphertext, context=_b64(aad), mount_point=self.mount
                )

        response = self._call("decrypt", decrypt)
        return base64.b64decode(response["data"]["plaintext"])

    def rewrap(self, wrapped: WrappedKey, aad: bytes) -> WrappedKey:
        """Vault re-encrypts under the latest key version; the data key never leaves Vault."""
        ciphertext = self._ciphertext(wrapped)

        def rewrap(c: Any) -> Any:
            with self._decrypt_errors(wrapped):
                return c.secrets.transit.rewrap_data(
                    name=self.key, ciphertext=ciphertext, context=_b64(aad), mount_point=self.mount
                )

        response = self._call("rewrap", rewrap)
        return self._wrapped(str(response["data"]["ciphertext"]))

    def _wrapped(self, ciphertext: str) -> WrappedKey:
        match = _CIPHERTEXT.fullmatch(ciphertext)
        if match is None:
            raise DecryptionError("Vault Transit returned a ciphertext in an unknown format")
        key_id = f"{self.key}:v{match.group(1)}"
        return WrappedKey(self.name, key_id, ciphertext.encode("ascii"))

    def _ciphertext(self, wrapped: WrappedKey) -> str:
        name, _, version = wrapped.key_id.rpartition(":v")
        if wrapped.wrapper != self.name or name != self.key:
            raise KeyNotFoundError(
                wrapped.key_id,
                hint=f"this wrapper uses Transit key {self.key!r}; configure "
                "CANONRY_VAULT_TRANSIT_KEY to the key that wrapped it",
            )
        try:
            ciphertext = wrapped.blob.decode("ascii")
        except UnicodeDecodeError:
            raise DecryptionError(
                f"wrapped key {wrapped.key_id!r} is not a Transit ciphertext"
            ) from None
        match = _CIPHERTEXT.fullmatch(ciphertext)
        if match is None or match.group(1) != version:
            raise DecryptionError(
                f"wrapped key {wrapped.key_id!r} is not a Transit ciphertext of that key version"
            )
        return ciphertext

    def _decrypt_errors(self, wrapped: WrappedKey) -> _TransitErrors:
        return _TransitErrors(wrapped.key_id)


class _TransitErrors:
    """Map Transit's 400 answers on decrypt/rewrap to ``DecryptionError``/``KeyNotFoundError``."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, hvac_exc.InvalidRequest):
            return
        text = vault_messages(exc).lower()
        if "not found" in text or "too old" in text or "disallowed" in text:
            raise KeyNotFoundError(
                self.key_id,
                hint="the Transit key, or this version of it, was deleted or is below the key's "
                "min_decryption_version; restore it or lower min_decryption_version",
            ) from exc
        raise DecryptionError(
            f"Vault Transit could not unwrap the data key wrapped under {self.key_id!r}: "
            "it was tampered with, or belongs to another tenant, connection or format",
            hint="restore the original ciphertext from backup",
        ) from exc
