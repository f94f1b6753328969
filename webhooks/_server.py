"""Serving the app with uvicorn: bounded request heads, and a stop that lets jobs finish.

**Request heads are bounded before anything else runs.** uvicorn's httptools protocol
reads a request line and headers of any size and takes any time to do it (a 128 MiB
header was read and answered; six unfinished 48 MiB ones grew the process by 370 MB).
``HeadLimits`` bounds them per request: at most ``max_bytes`` of request line plus headers
(else ``431``), at most ``max_count`` headers (``431``), and the whole head within
``timeout`` seconds of the connection opening or the request starting (``408``); each
answer closes the connection. The body is bounded by the endpoint
(``CANONRY_WEBHOOK_MAX_BODY``).

**A stop signal stops the server, not the process.** uvicorn re-raises SIGTERM/SIGINT after
its own shutdown, which killed ``canonry serve`` (status 143) before the in-process jobs
could finish. ``GracefulServer`` keeps the signal: ``run()`` returns, and the caller shuts
the job runtime down (letting running handlers finish) and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["GracefulServer", "HeadLimits", "limited_protocol"]

_log = logging.getLogger("canonry.webhooks")
_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True)
class HeadLimits:
    """Bounds on one request's line and headers (see the module docstring)."""

    max_bytes: int = 16 * 1024
    max_count: int = 100
    timeout: float = 10.0


class _HeadRefused(Exception):
    """A request head over a limit (raised inside the parser's callbacks)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _LimitedProtocol(HttpToolsProtocol):
    limits: HeadLimits = HeadLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._head_count = 0
        self._tail = b""
        self._head_timer: asyncio.TimerHandle | None = None

    # the head's clock ---------------------------------------------------------------
    def _start_clock(self) -> None:
        self._stop_clock()
        self._head_timer = self.loop.call_later(self.limits.timeout, self._too_slow)

    def _stop_clock(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self._refuse(_HeadRefused(408, "request_head_timeout"))

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        super().connection_lost(exc)

    # counting -----------------------------------------------------------------------
    def _count_bytes(self, data: bytes) -> None:
        if not self._in_head:
            return
        window = self._tail + data
        end = window.find(b"\r\n\r\n")
        used = len(data) if end == -1 else max(0, end + 4 - len(self._tail))
        self._tail = window[-3:]
        self._head_bytes += used
        if self._head_bytes > self.limits.max_bytes:
            raise _HeadRefused(431, "request_head_too_large")

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self._count_bytes(data)
            self.parser.feed_data(data)
        except _HeadRefused as refused:
            self._refuse(refused)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _HeadRefused):
                self._refuse(exc.__context__)
            else:
                self.logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserError:
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_head:  # the next request on a kept-alive connection
            self._in_head, self._head_bytes, self._head_count, self._tail = True, 0, 0, b""
            self._start_clock()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_count += 1
        if self._head_count > self.limits.max_count:
            raise _HeadRefused(431, "too_many_headers")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_clock()
        super().on_headers_complete()

    def _refuse(self, refused: _HeadRefused) -> None:
        self._stop_clock()
        self._in_head = False
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "-"
        _log.warning(
            "request refused before routing: status=%d reason=%s client=%s",
            refused.status,
            refused.reason,
            client,
            extra={"canonry": {"event": "request_refused", "status": refused.status,
                               "reason": refused.reason}},
        )  # fmt: skip
        body = refused.reason.encode()
        head = b"HTTP/1.1 %d %s\r\n" % (refused.status, _REASONS[refused.status])
        self.transport.write(
            head
            + b"content-type: text/plain; charset=utf-8\r\n"
            + b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
            + body
        )
        self.transport.close()


def limited_protocol(limits: HeadLimits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with ``limits`` on every request head."""
    return type("CanonryHttpProtocol", (_LimitedProtocol,), {"limits": limits})


class GracefulServer(uvicorn.Server):
    """``uvicorn.Server`` that handles SIGTERM/SIGINT by shutting down and returning."""

    stopped_by: int | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        wanted = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in wanted}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopped_by is None:
            self.stopped_by = sig
            _log.info("received %s: stopping the server", signal.Signals(sig).name)
        super().handle_exit(sig, frame)
