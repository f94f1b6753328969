"""Request heads are bounded before routing (real uvicorn on loopback, Canonry's protocol):
too large or too many headers get 431, a head that does not arrive in time 408, and the
server keeps serving everyone else."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tests.webhooks.conftest import STRIPE_SECRET, Env
from tests.webhooks.helpers import stripe_delivery
from webhooks._server import HeadLimits, limited_protocol

LIMITS = HeadLimits(max_bytes=8 * 1024, max_count=50, timeout=1.0)


@pytest.fixture
def server(env: Env) -> Iterator[tuple[str, int]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        env.app(), log_level="warning", lifespan="off", access_log=False,
        http=limited_protocol(LIMITS),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield "127.0.0.1", port
    server.should_exit = True
    thread.join(10)
    sock.close()


def _exchange(address: tuple[str, int], *parts: bytes, pause: float = 0.0) -> bytes:
    """Send ``parts`` (pausing between them), then read until the server closes."""
    with socket.create_connection(address, timeout=10) as conn:
        try:
            for part in parts:
                conn.sendall(part)
                time.sleep(pause)
        except OSError:  # the server answered and closed while we were still sending
            pass
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        return answer


def test_a_header_larger_than_the_limit_gets_431_without_being_read(
    server: tuple[str, int],
) -> None:
    head = b"POST /webhooks/x HTTP/1.1\r\nHost: a\r\nX-Big: "
    answer = _exchange(server, head, b"a" * 64 * 1024, b"a" * 4 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"request_head_too_large" in answer


def test_too_many_headers_get_431(server: tuple[str, int]) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % n for n in range(LIMITS.max_count + 1))
    answer = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + headers + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"too_many_headers" in answer


def test_a_head_that_trickles_in_gets_408_after_the_timeout(server: tuple[str, int]) -> None:
    started = time.monotonic()
    parts = [b"GET /healthz HTTP/1.1\r\n"] + [b"X-Slow: 1\r\n"] * 40
    answer = _exchange(server, *parts, pause=0.1)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 30  # cut off, not read to the end


def test_an_idle_connection_that_never_sends_a_head_is_closed(server: tuple[str, int]) -> None:
    assert _exchange(server).startswith(b"HTTP/1.1 408 ")


def test_normal_deliveries_and_kept_alive_connections_still_work(
    env: Env, server: tuple[str, int]
) -> None:
    host, port = server
    with httpx.Client(base_url=f"http://{host}:{port}", timeout=10) as client:
        for _ in range(3):  # one kept-alive connection, each head within its own clock
            body, headers = stripe_delivery(STRIPE_SECRET)
            answer = client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
            assert answer.status_code == 200
            time.sleep(0.6)
        assert client.get("/healthz").status_code == 200
    assert env.inbox_count() == 3
