"""A loopback Vault for fault injection; every other Vault test runs on real OpenBao.

Real HTTP (``ThreadingHTTPServer`` on 127.0.0.1, ``TCP_NODELAY``, the ``LIST`` verb hvac
sends): ``sys/health``; ``auth/token/lookup-self``; KV v2 and Transit as in
``vault_server_engines`` (answers checked against OpenBao by
tests/vault/test_fake_vault_fidelity.py). What it adds is what a real server will not do
on request: ``sealed = True`` (503 "Vault is sealed" while set), ``fail_next(status, ...)``
(the next N requests get that answer), ``stall_next(seconds)`` (hold answers past a
client's timeout) and ``drop_next()`` (close the connection without answering).

It models no policies and no auth methods: ``ROOT_TOKEN`` (and tokens from ``add_token``)
may do everything, any other token gets 403. Policy, AppRole, renewal and namespace
behaviour is tested on the real server only.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.vault_server_engines import FakeKv, FakeTransit, TransitKey, VaultHTTPError

__all__ = ["ROOT_TOKEN", "FakeVault", "TransitKey", "VaultHTTPError"]

ROOT_TOKEN = "fake-root-token"


@dataclass
class _Fault:
    status: int = 0
    errors: tuple[str, ...] = ()
    stall: float = 0.0
    drop: bool = False


class FakeVault:
    """State plus a server thread; use as a context manager or call start()/stop()."""

    def __init__(self, kv_mounts: tuple[str, ...] = ("secret",), transit_mount: str = "transit"):
        self.kv_mounts, self.transit_mount = set(kv_mounts), transit_mount
        self.tokens: set[str] = {ROOT_TOKEN}
        self.kv_engine = FakeKv()
        self.kv = self.kv_engine.secrets
        self.transit_engine = FakeTransit()
        self.transit = self.transit_engine.keys
        self.sealed = False
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.RLock()
        self._faults: list[_Fault] = []
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- control -------------------------------------------------------------------------
    def start(self) -> FakeVault:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases stalled answers
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

    def add_token(self) -> str:
        token = f"hvs.{uuid.uuid4().hex}"
        self.tokens.add(token)
        return token

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.discard(token)

    # -- fault injection -----------------------------------------------------------------
    def fail_next(self, status: int, *errors: str, times: int = 1) -> None:
        """The next ``times`` requests are answered ``status`` with ``{"errors": errors}``."""
        with self.lock:
            self._faults += [_Fault(status=status, errors=errors) for _ in range(times)]

    def stall_next(self, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` answers wait ``seconds`` (or until ``stop``) before being sent."""
        with self.lock:
            self._faults += [_Fault(stall=seconds) for _ in range(times)]

    def drop_next(self, *, times: int = 1) -> None:
        """The next ``times`` requests have their connection closed without an answer."""
        with self.lock:
            self._faults += [_Fault(drop=True) for _ in range(times)]

    def _next_fault(self) -> _Fault | None:
        with self.lock:
            return self._faults.pop(0) if self._faults else None

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
            return status, {"initialized": True, "sealed": self.sealed, "standby": False}
        if self.sealed:
            raise VaultHTTPError(503, "Vault is sealed")
        token = headers.get("x-vault-token", "")
        if token not in self.tokens:
            raise VaultHTTPError(403, "permission denied")
        ns = headers.get("x-vault-namespace", "").strip("/")
        if path == "auth/token/lookup-self":
            return 200, {"data": {"id": token, "policies": ["root"], "ttl": 0, "renewable": False}}
        mount, _, rest = path.partition("/")
        kind, _, sub = rest.partition("/")
        with self.lock:
            if mount in self.kv_mounts:
                return self.kv_engine.handle(method, ns, mount, kind, sub, query, body)
            if mount == self.transit_mount:
                return self.transit_engine.handle(method, ns, kind, sub, body)
        raise VaultHTTPError(404, f'no handler for route "{path}". route entry not found.')


def _envelope(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "request_id": str(uuid.uuid4()),
        "lease_id": "",
        "renewable": False,
        "lease_duration": 0,
        "wrap_info": None,
        "warnings": None,
        "auth": None,
        **payload,
    }


def _handler_for(vault: FakeVault) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # TCP_NODELAY, as Go's net/http (no 40 ms stalls)

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
            fault = vault._next_fault()
            if fault is not None and fault.drop:
                self.close_connection = True
                self.connection.close()
                return
            if fault is not None and fault.stall:
                vault._stop.wait(fault.stall)
            self._send(*self._answer(method, path, query, headers, raw, fault))

        def _answer(
            self,
            method: str,
            path: str,
            query: dict[str, list[str]],
            headers: dict[str, str],
            raw: bytes,
            fault: _Fault | None,
        ) -> tuple[int, Any]:
            if fault is not None and fault.status:
                return fault.status, {"errors": list(fault.errors)}
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return 400, {"errors": ["failed to parse JSON input"]}
            try:
                status, payload = vault.handle(method, path, query, headers, body)
            except VaultHTTPError as exc:
                if exc.data is not None:
                    return exc.status, _envelope({"data": exc.data})
                return exc.status, {"errors": exc.errors}
            if isinstance(payload, dict) and "data" in payload:
                payload = _envelope(payload)
            return status, payload

        def _send(self, status: int, payload: Any) -> None:
            data = b"" if status == 204 else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _serve

    return Handler
