"""The secrets engines of the fake Vault (see ``vault_server``): KV v2 and Transit.

Answers follow OpenBao 2.7's, checked by tests/vault/test_fake_vault_fidelity.py against the
real server. KV v2: ``data`` read/write with ``options.cas`` (400 "check-and-set parameter
did not match the current version"), 400 "no data provided" for a write without ``data``,
soft delete (``DELETE data``: 204, then reads 404), ``metadata`` read/LIST/delete, and the
mount's default of 10 versions kept (older ones dropped).

Transit: derived AES-256-GCM keys. ``keys/<name>`` create/read, ``keys/<name>/rotate`` and
``config``, ``encrypt``, ``decrypt`` and ``rewrap``, with ``vault:vN:<base64(nonce +
ciphertext)>`` ciphertexts; a derived key is HKDF-SHA256 of the key version with the
request's ``context``. Malformed or short ciphertexts are 400s, as on the real server.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "CAS_MISMATCH",
    "MAX_VERSIONS",
    "FakeKv",
    "FakeTransit",
    "KvSecret",
    "TransitKey",
    "VaultHTTPError",
]

MAX_VERSIONS = 10
"""KV v2's default ``max_versions`` (a mount or secret setting of 0 means this)."""
_NONCE = 12
_TAG = 16


class VaultHTTPError(Exception):
    def __init__(self, status: int, *errors: str, data: Any = None) -> None:
        super().__init__(status, errors)
        self.status, self.errors, self.data = status, list(errors), data


@dataclass
class TransitKey:
    derived: bool
    versions: dict[int, bytes] = field(default_factory=lambda: {1: os.urandom(32)})
    min_decryption_version: int = 1

    @property
    def latest(self) -> int:
        return max(self.versions)

    def aead(self, version: int, context: bytes | None) -> AESGCM:
        key = self.versions[version]
        if self.derived:
            if not context:
                raise VaultHTTPError(
                    400,
                    "missing 'context' for key derivation; the key was "
                    "created using a derived key, which means additional, "
                    "per-request information must be included in order to "
                    "perform operations with the key",
                )
            key = HKDF(hashes.SHA256(), 32, salt=None, info=context).derive(key)
        return AESGCM(key)

    def encrypt(self, plaintext: bytes, context: bytes | None) -> str:
        nonce = os.urandom(12)
        sealed = self.aead(self.latest, context).encrypt(nonce, plaintext, None)
        return f"vault:v{self.latest}:" + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, ciphertext: object, context: bytes | None) -> bytes:
        if not isinstance(ciphertext, str) or not ciphertext.startswith("vault:v"):
            raise VaultHTTPError(400, "invalid ciphertext: no prefix")
        try:
            _, tag, body = ciphertext.split(":", 2)
            version, raw = int(tag[1:]), base64.b64decode(body, validate=True)
        except ValueError:
            raise VaultHTTPError(400, "invalid ciphertext: could not decode") from None
        if version > self.latest:
            raise VaultHTTPError(400, "invalid ciphertext: version is too new")
        if version < self.min_decryption_version:
            raise VaultHTTPError(
                400, "ciphertext or signature version is disallowed by policy (too old)"
            )
        if len(raw) < _NONCE + _TAG:
            raise VaultHTTPError(400, "invalid ciphertext length")
        try:
            return self.aead(version, context).decrypt(raw[:_NONCE], raw[_NONCE:], None)
        except InvalidTag:
            raise VaultHTTPError(400, "cipher: message authentication failed") from None


CAS_MISMATCH = "check-and-set parameter did not match the current version"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class KvSecret:
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)
    meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    created: str = field(default_factory=_now)
    current: int = 0

    def add(self, data: dict[str, Any]) -> dict[str, Any]:
        self.current += 1
        meta = {
            "created_time": _now(),
            "custom_metadata": None,
            "deletion_time": "",
            "destroyed": False,
            "version": self.current,
        }
        self.versions[self.current], self.meta[self.current] = data, meta
        for old in sorted(self.versions)[:-MAX_VERSIONS]:
            del self.versions[old], self.meta[old]
        return meta


class FakeKv:
    """KV v2 secrets by (namespace, mount, path); the caller holds the fake's lock."""

    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str, str], KvSecret] = {}

    def handle(
        self,
        method: str,
        ns: str,
        mount: str,
        kind: str,
        sub: str,
        query: dict[str, list[str]],
        body: dict[str, Any],
    ) -> tuple[int, Any]:
        key = (ns, mount, sub.strip("/"))
        secret = self.secrets.get(key)
        if kind == "data" and method == "GET":
            version = int(query.get("version", ["0"])[0]) or (secret.current if secret else 0)
            if secret is None or version not in secret.versions:
                raise VaultHTTPError(404)
            meta = secret.meta[version]
            if meta["deletion_time"]:
                raise VaultHTTPError(404, data={"data": None, "metadata": meta})
            return 200, {"data": {"data": secret.versions[version], "metadata": meta}}
        if kind == "data" and method in {"POST", "PUT"}:
            data = body.get("data")
            if data is None:
                raise VaultHTTPError(400, "no data provided")
            if not isinstance(data, dict):
                raise VaultHTTPError(400, 'error converting input for field "data"')
            cas = (body.get("options") or {}).get("cas")
            if cas is not None and int(cas) != (secret.current if secret else 0):
                raise VaultHTTPError(400, CAS_MISMATCH)
            secret = self.secrets.setdefault(key, KvSecret())
            return 200, {"data": secret.add(dict(data))}
        if kind == "data" and method == "DELETE":  # soft delete of the latest version
            if secret is not None and secret.current in secret.meta:
                secret.meta[secret.current]["deletion_time"] = _now()
            return 204, None
        if kind == "metadata" and method == "LIST":
            return self._kv_list(ns, mount, sub)
        if kind == "metadata" and method == "GET":
            if secret is None:
                raise VaultHTTPError(404)
            return 200, {
                "data": {
                    "current_version": secret.current,
                    "oldest_version": min(secret.versions) if secret.current > 1 else 0,
                    "created_time": secret.created,
                    "updated_time": _now(),
                    "max_versions": 0,
                    "cas_required": False,
                    "custom_metadata": None,
                    "versions": {str(v): m for v, m in secret.meta.items()},
                }
            }
        if kind == "metadata" and method == "DELETE":
            self.secrets.pop(key, None)
            return 204, None
        raise VaultHTTPError(405, "unsupported operation")

    def _kv_list(self, ns: str, mount: str, sub: str) -> tuple[int, Any]:
        prefix = sub.strip("/") + "/" if sub.strip("/") else ""
        keys = set()
        for n, m, path in self.secrets:
            if (n, m) == (ns, mount) and path.startswith(prefix):
                head, slash, _ = path[len(prefix) :].partition("/")
                keys.add(head + slash)
        if not keys:
            raise VaultHTTPError(404)
        return 200, {"data": {"keys": sorted(keys)}}


class FakeTransit:
    """Transit keys by (namespace, name); the caller holds the fake's lock."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], TransitKey] = {}

    def handle(
        self, method: str, ns: str, kind: str, sub: str, body: dict[str, Any]
    ) -> tuple[int, Any]:
        name, _, action = sub.partition("/")
        key = self.keys.get((ns, name))
        raw_ctx = body.get("context")
        context = base64.b64decode(raw_ctx) if raw_ctx else None
        if kind == "keys" and action == "" and method in {"POST", "PUT"}:
            created = self.keys.setdefault(
                (ns, name), TransitKey(derived=bool(body.get("derived")))
            )
            return 200, {"data": _key_info(name, created)}
        if kind == "encrypt" and key is None:  # Vault upserts on encrypt
            key = self.keys.setdefault((ns, name), TransitKey(derived=context is not None))
        if key is None:
            if kind == "keys":
                raise VaultHTTPError(404)
            raise VaultHTTPError(400, "encryption key not found")
        if kind == "keys" and action == "config":
            key.min_decryption_version = int(body.get("min_decryption_version") or 1)
            return 200, {"data": _key_info(name, key)}
        if kind == "keys" and action == "rotate":
            key.versions[key.latest + 1] = os.urandom(32)
            return 200, {"data": _key_info(name, key)}
        if kind == "keys" and method == "GET":
            return 200, {"data": _key_info(name, key)}
        if kind == "encrypt":
            ciphertext = key.encrypt(base64.b64decode(body.get("plaintext") or ""), context)
            return 200, {"data": {"ciphertext": ciphertext, "key_version": key.latest}}
        if kind == "decrypt":
            plaintext = key.decrypt(body.get("ciphertext"), context)
            return 200, {"data": {"plaintext": base64.b64encode(plaintext).decode()}}
        if kind == "rewrap":
            ciphertext = key.encrypt(key.decrypt(body.get("ciphertext"), context), context)
            return 200, {"data": {"ciphertext": ciphertext, "key_version": key.latest}}
        raise VaultHTTPError(405, "unsupported operation")


def _key_info(name: str, key: TransitKey) -> dict[str, Any]:
    info = {
        "name": name,
        "type": "aes256-gcm96",
        "derived": key.derived,
        "latest_version": key.latest,
        "min_decryption_version": key.min_decryption_version,
        "min_encryption_version": 0,
        "supports_encryption": True,
        "exportable": False,
        "deletion_allowed": False,
        "keys": {str(v): 1700000000 for v in key.versions},
    }
    if key.derived:
        info["kdf"] = "hkdf_sha256"
    return info
