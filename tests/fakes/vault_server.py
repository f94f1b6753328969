"""A loopback HashiCorp Vault: the API subset Canonry uses, in Vault's real wire format.

Real HTTP (``ThreadingHTTPServer`` on 127.0.0.1, including the ``LIST`` verb hvac sends):
``sys/health``; ``auth/token/lookup-self``; ``auth/approle/login``; KV v2 ``<mount>/data``
(read, write with ``options.cas``) and ``<mount>/metadata`` (read, LIST, delete); Transit
``keys`` (create/read/rotate), ``encrypt``, ``decrypt``, ``rewrap`` with derived keys (real
AES-256-GCM under an HKDF-derived key per context). Bodies are ``{"data": ...}``, errors
``{"errors": [...]}``. Tokens carry policies (path prefixes, or ``root``); a missing, revoked
or under-privileged token gets 403 "permission denied". ``sealed = True`` answers 503 "Vault
is sealed". Storage is per ``X-Vault-Namespace``; every request's headers are recorded.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ROOT_TOKEN = "fake-root-token"
CAS_MISMATCH = "check-and-set parameter did not match the current version"


class VaultHTTPError(Exception):
    def __init__(self, status: int, *errors: str, data: Any = None) -> None:
        super().__init__(status, errors)
        self.status, self.errors, self.data = status, list(errors), data


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class KvSecret:
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)
    meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    created: str = field(default_factory=_now)

    @property
    def current(self) -> int:
        return max(self.versions, default=0)


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

    def decrypt(self, ciphertext: str, context: bytes | None) -> bytes:
        try:
            _, tag, body = ciphertext.split(":", 2)
            version, raw = int(tag[1:]), base64.b64decode(body, validate=True)
        except ValueError:
            raise VaultHTTPError(400, "invalid ciphertext: no prefix") from None
        if version < self.min_decryption_version:
            raise VaultHTTPError(
                400, "ciphertext or signature version is disallowed by policy (too old)"
            )
        if version not in self.versions:
            raise VaultHTTPError(400, "invalid key version")
        try:
            return self.aead(version, context).decrypt(raw[:12], raw[12:], None)
        except InvalidTag:
            raise VaultHTTPError(400, "cipher: message authentication failed") from None


class FakeVault:
    """State plus a server thread; use as a context manager or call start()/stop()."""

    def __init__(self, kv_mounts: tuple[str, ...] = ("secret",), transit_mount: str = "transit"):
        self.kv_mounts, self.transit_mount = set(kv_mounts), transit_mount
        self.tokens: dict[str, list[str]] = {ROOT_TOKEN: ["root"]}
        self.approles: dict[str, tuple[str, list[str]]] = {}
        self.kv: dict[tuple[str, str, str], KvSecret] = {}
        self.transit: dict[tuple[str, str], TransitKey] = {}
        self.sealed = False
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # -- control -------------------------------------------------------------------------
    def start(self) -> FakeVault:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeVault:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_token(self, *policies: str) -> str:
        token = f"hvs.{uuid.uuid4().hex}"
        self.tokens[token] = list(policies)
        return token

    def revoke_all(self, keep_root: bool = True) -> None:
        with self.lock:
            self.tokens = {ROOT_TOKEN: ["root"]} if keep_root else {}

    def add_approle(self, role_id: str, secret_id: str, *policies: str) -> None:
        self.approles[role_id] = (secret_id, list(policies) or ["root"])

    # -- routing -------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: dict[str, Any],
    ) -> tuple[int, Any]:
        self.requests.append((method, path, headers))
        if path == "sys/health":
            status = 503 if self.sealed else 200
            return status, {
                "initialized": True,
                "sealed": self.sealed,
                "standby": False,
                "version": "1.15.0-fake",
                "cluster_name": "fake",
            }
        if self.sealed:
            raise VaultHTTPError(503, "Vault is sealed")
        ns = headers.get("x-vault-namespace", "").strip("/")
        if path == "auth/approle/login" and method in {"POST", "PUT"}:
            return self._login(body)
        token = headers.get("x-vault-token", "")
        policies = self.tokens.get(token)
        if policies is None:
            raise VaultHTTPError(403, "permission denied")
        if path == "auth/token/lookup-self":
            return 200, {
                "data": {"id": token, "policies": policies, "ttl": 3600, "namespace_path": ns}
            }
        if "root" not in policies and not any(path.startswith(p) for p in policies):
            raise VaultHTTPError(403, "1 error occurred:\n\t* permission denied\n\n")
        mount, _, rest = path.partition("/")
        kind, _, sub = rest.partition("/")
        with self.lock:
            if mount in self.kv_mounts:
                return self._kv(method, ns, mount, kind, sub, query, body)
            if mount == self.transit_mount:
                return self._transit(method, ns, kind, sub, body)
        raise VaultHTTPError(404, f'no handler for route "{path}". route entry not found.')

    def _login(self, body: dict[str, Any]) -> tuple[int, Any]:
        role = self.approles.get(str(body.get("role_id")))
        if role is None or role[0] != body.get("secret_id"):
            raise VaultHTTPError(400, "invalid role or secret ID")
        token = self.add_token(*role[1])
        return 200, {
            "auth": {
                "client_token": token,
                "policies": role[1],
                "lease_duration": 3600,
                "renewable": True,
                "accessor": uuid.uuid4().hex,
            }
        }

    # -- KV v2 ---------------------------------------------------------------------------
    def _kv(
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
        secret = self.kv.get(key)
        if kind == "data" and method == "GET":
            version = int(query.get("version", ["0"])[0]) or (secret.current if secret else 0)
            if secret is None or version not in secret.versions:
                raise VaultHTTPError(404)
            return 200, {
                "data": {"data": secret.versions[version], "metadata": secret.meta[version]}
            }
        if kind == "data" and method in {"POST", "PUT"}:
            cas = (body.get("options") or {}).get("cas")
            current = secret.current if secret else 0
            if cas is not None and int(cas) != current:
                raise VaultHTTPError(400, CAS_MISMATCH)
            secret = self.kv.setdefault(key, KvSecret())
            meta = {
                "created_time": _now(),
                "custom_metadata": None,
                "deletion_time": "",
                "destroyed": False,
                "version": current + 1,
            }
            secret.versions[current + 1], secret.meta[current + 1] = dict(body["data"]), meta
            return 200, {"data": meta}
        if kind == "metadata" and method == "LIST":
            return self._kv_list(ns, mount, sub)
        if kind == "metadata" and method == "GET":
            if secret is None:
                raise VaultHTTPError(404)
            return 200, {
                "data": {
                    "current_version": secret.current,
                    "oldest_version": min(secret.versions),
                    "created_time": secret.created,
                    "updated_time": _now(),
                    "max_versions": 0,
                    "cas_required": False,
                    "custom_metadata": None,
                    "versions": {str(v): m for v, m in secret.meta.items()},
                }
            }
        if kind == "metadata" and method == "DELETE":
            self.kv.pop(key, None)
            return 204, None
        raise VaultHTTPError(405, "unsupported operation")

    def _kv_list(self, ns: str, mount: str, sub: str) -> tuple[int, Any]:
        prefix = sub.strip("/") + "/" if sub.strip("/") else ""
        keys = set()
        for n, m, path in self.kv:
            if (n, m) == (ns, mount) and path.startswith(prefix):
                head, slash, _ = path[len(prefix) :].partition("/")
                keys.add(head + slash)
        if not keys:
            raise VaultHTTPError(404)
        return 200, {"data": {"keys": sorted(keys)}}

    # -- Transit -------------------------------------------------------------------------
    def _transit(
        self, method: str, ns: str, kind: str, sub: str, body: dict[str, Any]
    ) -> tuple[int, Any]:
        name, _, action = sub.partition("/")
        key = self.transit.get((ns, name))
        raw_ctx = body.get("context")
        context = base64.b64decode(raw_ctx) if raw_ctx else None
        if kind == "keys" and action == "" and method in {"POST", "PUT"}:
            self.transit.setdefault((ns, name), TransitKey(derived=bool(body.get("derived"))))
            return 204, None
        if kind == "encrypt" and key is None:  # Vault upserts on encrypt
            key = self.transit.setdefault((ns, name), TransitKey(derived=context is not None))
        if key is None:
            if kind == "keys":
                raise VaultHTTPError(404)
            raise VaultHTTPError(400, "encryption key not found")
        if kind == "keys" and action == "rotate":
            key.versions[key.latest + 1] = os.urandom(32)
            return 200, {"data": self._key_info(name, key)}
        if kind == "keys" and method == "GET":
            return 200, {"data": self._key_info(name, key)}
        if kind == "encrypt":
            ciphertext = key.encrypt(base64.b64decode(body["plaintext"]), context)
            return 200, {"data": {"ciphertext": ciphertext, "key_version": key.latest}}
        if kind == "decrypt":
            plaintext = key.decrypt(body["ciphertext"], context)
            return 200, {"data": {"plaintext": base64.b64encode(plaintext).decode()}}
        if kind == "rewrap":
            ciphertext = key.encrypt(key.decrypt(body["ciphertext"], context), context)
            return 200, {"data": {"ciphertext": ciphertext, "key_version": key.latest}}
        raise VaultHTTPError(405, "unsupported operation")

    @staticmethod
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


def _handler_for(vault: FakeVault) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            method = self.command
            if method == "GET" and query.get("list") == ["true"]:
                method = "LIST"
            headers = {k.lower(): v for k, v in self.headers.items()}
            path = parts.path.removeprefix("/v1/").strip("/")
            try:
                status, payload = vault.handle(
                    method, path, query, headers, json.loads(raw or b"{}")
                )
                if isinstance(payload, dict) and "data" in payload:
                    payload = {
                        "request_id": str(uuid.uuid4()),
                        "lease_id": "",
                        "renewable": False,
                        "lease_duration": 0,
                        "wrap_info": None,
                        "warnings": None,
                        "auth": None,
                        **payload,
                    }
            except VaultHTTPError as exc:
                status, payload = exc.status, {"errors": exc.errors}
            self._send(status, payload)

        def _send(self, status: int, payload: Any) -> None:
            data = b"" if status == 204 else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _serve

    return Handler


@dataclass
class VaultTarget:
    """Where the Vault tests run: this fake, or a real Vault from VAULT_ADDR + VAULT_TOKEN."""

    addr: str
    token: str
    fake: FakeVault | None
    prefix: str = field(default_factory=lambda: f"canonry-test-{uuid.uuid4().hex[:8]}")
    transit_key: str = field(default_factory=lambda: f"canonry-test-{uuid.uuid4().hex[:8]}")

    def require_fake(self) -> FakeVault:
        if self.fake is None:
            import pytest

            pytest.skip("needs the fake Vault (seal toggling, policies, AppRole setup)")
        return self.fake

    def settings(self, **overrides: Any):  # -> vault.VaultSettings
        from pydantic import SecretStr

        from vault import VaultSettings

        values: dict[str, Any] = {
            "addr": self.addr,
            "token": SecretStr(self.token),
            "prefix": self.prefix,
            "transit_key": self.transit_key,
            "timeout": 5.0,
        }
        values.update(overrides)
        return VaultSettings(**values)


@contextmanager
def vault_target() -> Iterator[VaultTarget]:
    """A real Vault when VAULT_ADDR and VAULT_TOKEN are set, else a fresh fake on loopback."""
    addr, token = os.environ.get("VAULT_ADDR"), os.environ.get("VAULT_TOKEN")
    if addr and token:
        yield VaultTarget(addr, token, None)
        return
    with FakeVault() as fake:
        yield VaultTarget(fake.url, ROOT_TOKEN, fake)
