"""The listening socket of ``canonry serve``, bound before anything else starts.

A port another program holds is ``error: port N on HOST is in use — ...`` with exit 1,
not uvicorn's start-up failure (its exit 3 would read as "not found").
"""

from __future__ import annotations

import errno
import socket

from registry.cli._common import ExitCode, fail

__all__ = ["listen_socket"]


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[str, int]]:
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        fail(
            f"cannot resolve the host {host!r}", "pass --host 127.0.0.1 or 0.0.0.0", ExitCode.USAGE
        )
    family, _type, _proto, _name, address = info[0]
    return family, (str(address[0]), int(address[1]))


def listen_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (uvicorn listens on it)."""
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not past a live listener
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(
                f"port {port} on {host} is in use by another program",
                "stop that program, or choose another port with --port",
            )
        if exc.errno == errno.EACCES:
            fail(
                f"not allowed to listen on port {port}",
                "choose a port above 1023 with --port",
                ExitCode.USAGE,
            )
        fail(f"cannot listen on {host}:{port} ({exc.strerror})", "check --host", ExitCode.USAGE)
    return sock
