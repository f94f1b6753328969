"""A loopback HTTP server for tests: scripted replies or a handler, every request recorded.

    server = LoopbackHTTPServer()          # listening on 127.0.0.1:<free port>
    server.enqueue(Reply(429, headers={"Retry-After": "1"}), Reply(200, json={"ok": True}))
    server.route("GET", "/v1/items", lambda req: Reply(json=[...]))
    ... client.get(server.url + "/v1/items") ...
    server.requests[0].params["limit"]
    server.close()

Replies come from the FIFO queue first, then the route for (method, path), then the
fallback ``handler``; with none of these the server answers 404. ``Reply(stall=True)``
holds the response until the server closes, which makes a client's read time out.
"""

from __future__ import annotations

import json as jsonlib
import random
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["LoopbackHTTPServer", "RecordedRequest", "Reply", "unused_port"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    @property
    def params(self) -> dict[str, str]:
        """Query parameters, last value wins."""
        return {key: values[-1] for key, values in self.query.items()}

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """A scripted response. ``json`` wins over ``body`` and sets the content type."""

    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall: bool = False

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        body = self.body
        if self.json is not None:
            body = jsonlib.dumps(self.json).encode()
            headers.setdefault("Content-Type", "application/json")
        return body, headers


Handler = Callable[[RecordedRequest], Reply]


class LoopbackHTTPServer:
    """A threaded HTTP/1.1 server on 127.0.0.1; thread-safe to script while it runs."""

    def __init__(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:``port`` (0: any free port; see ``url``)."""
        self.requests: list[RecordedRequest] = []
        self.handler: Handler | None = None
        self._queue: deque[Reply] = deque()
        self._routes: dict[tuple[str, str], Handler] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def enqueue(self, *replies: Reply) -> None:
        """Answer the next requests, whatever their path, with these replies in order."""
        with self._lock:
            self._queue.extend(replies)

    def route(self, method: str, path: str, handler: Handler | Reply) -> None:
        """Answer every ``method path`` request (query ignored) with a reply or a handler."""
        fixed = handler

        def always(_: RecordedRequest) -> Reply:
            assert isinstance(fixed, Reply)
            return fixed

        with self._lock:
            self._routes[(method.upper(), path)] = always if isinstance(handler, Reply) else handler

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackHTTPServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # called from the server threads ------------------------------------------------
    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
            handler = self._routes.get((request.method, request.path)) or self.handler
        if handler is None:
            return Reply(404, json={"error": {"message": "nothing scripted for this request"}})
        return handler(request)


def _make_handler(server: LoopbackHTTPServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # idle keep-alive connections end instead of lingering
        disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms stall

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = server._answer(RecordedRequest(self.command, self.path, headers, body))
            if reply.stall:
                server._closing.wait(timeout=30)
                self.close_connection = True
                return
            payload, reply_headers = reply.encoded()
            self.send_response(reply.status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``server.requests`` instead of a log."""

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except (ConnectionError, TimeoutError):  # the client gave up (a timeout test)
                self.close_connection = True

    return _Handler


def _ephemeral_ports() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as limits:
            low, high = (int(v) for v in limits.read().split())
    except (OSError, ValueError):
        low, high = 32768, 60999  # Linux's default
    return low, high


def unused_port() -> int:
    """A loopback port with nothing listening on it (connection refused), to listen on later.

    It lies below the kernel's ephemeral range, so no outgoing connection on the machine is
    given it meanwhile, and a connect to it cannot meet itself (a loopback connect to a free
    ephemeral port can be handed that same port as its source: a "simultaneous open").
    """
    low, _ = _ephemeral_ports()
    pick = random.SystemRandom()
    for _ in range(200):
        port = pick.randrange(20000, low) if low > 21000 else pick.randrange(1024, low)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or lingering in TIME_WAIT
        return port
    raise OSError("no unused loopback port below the ephemeral range")
