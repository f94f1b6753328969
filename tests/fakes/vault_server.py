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

import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.vault_server_engines import FakeKv, FakeTransit, TransitKey, VaultHTTPError

__all__ = ["ROOT_TOKEN", "FakeVault", "TransitKey", "VaultHTTPError", "VaultTarget", "vault_target"]

ROOT_TOKEN = "fake-root-token"


class FakeVault:
    """State plus a server thread; use as a context manager or call start()/stop()."""

    def __init__(self, kv_mounts: tuple[str, ...] = ("secret",), transit_mount: str = "transit"):
        self.kv_mounts, self.transit_mount = set(kv_mounts), transit_mount
        self.tokens: dict[str, list[str]] = {ROOT_TOKEN: ["root"]}
        self.approles: dict[str, tuple[str, list[str]]] = {}
        self.kv_engine = FakeKv()
        self.kv = self.kv_engine.secrets
        self.transit_engine = FakeTransit()
        self.transit = self.transit_engine.keys
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

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)

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
                return self.kv_engine.handle(method, ns, mount, kind, sub, query, body)
            if mount == self.transit_mount:
                return self.transit_engine.handle(method, ns, kind, sub, body)
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

            pytest.skip("needs the fake Vault (seal toggling, namespaces, fault injection)")
        return self.fake

    def _root(self) -> Any:
        import hvac

        return hvac.Client(url=self.addr, token=self.token)

    def token_for(self, prefix: str) -> str:
        """A token whose policy allows only paths under ``prefix`` (e.g. ``secret/data/x/``)."""
        if self.fake is not None:
            return self.fake.add_token(prefix)
        root, name = self._root(), f"canonry-test-{uuid.uuid4().hex[:8]}"
        caps = '["create", "read", "update", "delete", "list"]'
        root.sys.create_or_update_policy(name, f'path "{prefix}*" {{ capabilities = {caps} }}')
        return str(root.auth.token.create(policies=[name], ttl="10m")["auth"]["client_token"])

    def approle(self, prefix: str) -> tuple[str, str]:
        """(role_id, secret_id) of an AppRole whose policy allows paths under ``prefix``."""
        if self.fake is not None:
            role_id, secret_id = f"role-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
            self.fake.add_approle(role_id, secret_id, prefix)
            return role_id, secret_id
        root, name = self._root(), f"canonry-test-{uuid.uuid4().hex[:8]}"
        caps = '["create", "read", "update", "delete", "list"]'
        root.sys.create_or_update_policy(name, f'path "{prefix}*" {{ capabilities = {caps} }}')
        if "approle/" not in root.sys.list_auth_methods()["data"]:
            root.sys.enable_auth_method("approle")
        root.auth.approle.create_or_update_approle(name, token_policies=[name], token_ttl="10m")
        role_id = root.auth.approle.read_role_id(name)["data"]["role_id"]
        secret_id = root.auth.approle.generate_secret_id(name)["data"]["secret_id"]
        return str(role_id), str(secret_id)

    def revoke(self, token: str) -> None:
        if self.fake is not None:
            self.fake.revoke(token)
        else:
            self._root().auth.token.revoke(token)

    def logins(self) -> int | None:
        """AppRole logins the fake saw (None on a real Vault, which does not tell)."""
        if self.fake is None:
            return None
        return sum(1 for r in self.fake.requests if r[1] == "auth/approle/login")

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
