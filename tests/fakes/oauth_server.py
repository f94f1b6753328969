"""A loopback OAuth 2 token endpoint that rotates refresh tokens (RFC 6749 section 6).

``POST /oauth/token`` with ``grant_type=refresh_token``: client authentication by HTTP Basic
(or ``client_id``/``client_secret`` in the form); a live refresh token gets a new access
token AND a new refresh token, and the old refresh token dies; a reused (already rotated)
or unknown one gets 400 ``invalid_grant``. ``fail_next`` queues 5xx answers; ``delay``
holds each answer open so concurrent refreshers overlap. Counts every refresh hit.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

CLIENT_ID = "canonry-test-client"
CLIENT_SECRET = "cs_test_CANARY_client_secret_77"


class FakeOAuthServer:
    def __init__(self, *, expires_in: int = 3600, delay: float = 0.0) -> None:
        self.expires_in = expires_in
        self.delay = delay
        self.live_refresh: set[str] = set()
        self.rotated: set[str] = set()
        self.access_tokens: list[str] = []
        self.refresh_hits = 0
        self.fail_next: list[int] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeOAuthServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def token_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/oauth/token"

    def issue(self) -> tuple[str, str]:
        """A fresh (access token, refresh token) pair, as the authorisation flow would give."""
        with self.lock:
            return self._new_pair()

    def revoke_all(self) -> None:
        with self.lock:
            self.rotated |= self.live_refresh
            self.live_refresh.clear()

    def _new_pair(self) -> tuple[str, str]:
        access = "at_CANARY_" + secrets.token_hex(12)
        refresh = "rt_CANARY_" + secrets.token_hex(12)
        self.access_tokens.append(access)
        self.live_refresh.add(refresh)
        return access, refresh

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, Any]:
        client = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "client auth failed"}
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.refresh_hits += 1
            if self.fail_next:
                return self.fail_next.pop(0), {"error": "temporarily_unavailable"}
            old = form.get("refresh_token", "")
            if old not in self.live_refresh:
                reused = old in self.rotated
                why = "refresh token was already used" if reused else "unknown refresh token"
                return 400, {"error": "invalid_grant", "error_description": why}
            self.live_refresh.discard(old)
            self.rotated.add(old)
            access, refresh = self._new_pair()
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "expires_in": self.expires_in,
            "scope": "read write",
        }


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _handler_for(server: FakeOAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms delayed-ACK stalls

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path != "/oauth/token":
                status, body = 404, {"error": "not_found"}
            else:
                status, body = server.token(form, _basic(self.headers.get("Authorization")))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
