"""A small adapter over a loopback JSON API, for registry tests and benchmarks/sync.py.

The API: ``GET /customers?offset=N&limit=M`` with ``Authorization: Bearer <api_key>``
answers ``{"data": [...], "next_offset": N+len, "has_more": bool}``; ``GET /me`` checks
the key. Key ``revoked`` gets ``401 {"error": "invalid_grant"}`` (re-authorisation needed).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from adapters import Adapter, Capability, CheckResult, Cursor, Page, StreamSpec
from canonical import AuthenticationError, ReauthorizationRequired, VendorServerError


class FakeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(pattern=r"^http://127\.0\.0\.1:\d+$", description="the fake API")
    page_size: int = Field(default=100, ge=1, le=10_000)


class FakeCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr


class FakeAdapter(Adapter):
    key: ClassVar[str] = "fake"
    display_name: ClassVar[str] = "Fake API"
    version: ClassVar[str] = "1.2.3"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.FULL_SYNC, Capability.INCREMENTAL_SYNC}
    )
    config_model: ClassVar[type[BaseModel]] = FakeConfig
    credentials_model: ClassVar[type[BaseModel]] = FakeCredentials
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers", "Customer"),)
    mappings_package: ClassVar[str | None] = "tests.registry"

    @contextmanager
    def _session(self) -> Iterator[httpx.Client]:
        if self.http is not None:
            yield self.http
            return
        with httpx.Client(timeout=30) as client:
            yield client

    def _get(self, client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> Any:
        key = self.credentials.api_key.get_secret_value()
        url = f"{self.config.base_url}{path}"
        response = client.get(url, params=params, headers={"Authorization": f"Bearer {key}"})
        if response.status_code == 401:
            if response.json().get("error") == "invalid_grant":
                raise ReauthorizationRequired("the fake API revoked the token")
            raise AuthenticationError("the fake API refused the key", status=401)
        if response.status_code >= 500:
            raise VendorServerError("the fake API failed", status=response.status_code)
        return response.json()

    def check(self) -> CheckResult:
        try:
            with self._session() as client:
                me = self._get(client, "/me")
        except AuthenticationError as exc:
            return CheckResult.from_error(exc)
        return CheckResult(ok=True, message=f"authenticated as {me['account']}")

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        self.stream(stream)
        offset = int((cursor or {}).get("offset", 0))
        with self._session() as client:
            while True:
                params = {"offset": offset, "limit": self.config.page_size}
                body = self._get(client, "/customers", params)
                offset = body["next_offset"]
                yield Page(records=body["data"], cursor={"offset": offset})
                if not body["has_more"]:
                    return


def fake_customer(i: int) -> dict[str, Any]:
    return {
        "id": f"cus_{i:08d}",
        "object": "customer",
        "name": f"Customer {i}",
        "email": f"customer{i}@example.com",
        "created": 1_700_000_000 + i,
    }


class FakeAPI:
    """The fake vendor on 127.0.0.1 (a thread): ``total`` customers, growable at runtime.

    ``bad_record`` makes that index unmappable (no id); ``delay`` slows each page.
    """

    def __init__(self, total: int, *, delay: float = 0.0) -> None:
        self.total = total
        self.delay = delay
        self.bad_record: int | None = None
        self.requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def page(self, offset: int, limit: int) -> dict[str, Any]:
        end = min(offset + limit, self.total)
        data = [fake_customer(i) for i in range(offset, end)]
        if self.bad_record is not None and offset <= self.bad_record < end:
            data[self.bad_record - offset].pop("id")
        return {"data": data, "next_offset": end, "has_more": end < self.total}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(api: FakeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def do_GET(self) -> None:
            api.requests += 1
            auth = self.headers.get("Authorization", "")
            url = urlsplit(self.path)
            if auth == "Bearer revoked":
                return self._send(401, {"error": "invalid_grant"})
            if not auth.startswith("Bearer sk_"):
                return self._send(401, {"error": "invalid_key"})
            if url.path == "/me":
                return self._send(200, {"account": "acct_fake"})
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if api.delay:
                time.sleep(api.delay)
            return self._send(200, api.page(int(query["offset"]), int(query["limit"])))

        def _send(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler
