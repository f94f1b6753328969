"""A loopback fake of the Acme Billing API: real HTTP on 127.0.0.1, Acme's wire format.

``GET /customers`` and ``GET /invoices`` answer ``{"data": [...], "next_cursor": ...}``
sorted by id; ``?after=<next_cursor>`` continues, ``?limit=`` sets the page size (max
100). A missing or wrong ``Authorization: Bearer`` key gets 401 in Acme's error format.
``fail_next`` scripts error answers (e.g. a 429 with ``Retry-After``) before the next ones.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["AcmeFake", "make_customers", "make_invoices", "serve_acme"]


@dataclass
class AcmeFake:
    """The fake's data and what it saw; mutate the lists between reads to simulate changes."""

    api_key: str = "acme_test_key_0123456789"
    customers: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(
        self, path: str, query: dict[str, list[str]], auth: str | None
    ) -> tuple[int, dict[str, str], Any]:
        self.requests.append({"path": path, "query": query, "authorization": auth})
        if self.fail_next:
            status, headers = self.fail_next.pop(0)
            return status, headers, _error("rate_limited" if status == 429 else "unavailable")
        if auth != f"Bearer {self.api_key}":
            return 401, {}, _error("unauthorized", "invalid API key")
        route = path.removeprefix("/v1")
        objects = {"/customers": self.customers, "/invoices": self.invoices}.get(route)
        if objects is None:
            return 404, {}, _error("not_found", f"no route {path}")
        return self._page(sorted(objects, key=lambda o: o["id"]), query)

    def _page(
        self, objects: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], Any]:
        try:
            limit = min(int(query.get("limit", ["10"])[0]), 100)
            after = _decode(query["after"][0]) if "after" in query else None
        except ValueError:
            return 400, {}, _error("invalid_request", "bad limit or cursor")
        rest = [o for o in objects if after is None or o["id"] > after]
        page = rest[:limit]
        more = len(rest) > limit
        return 200, {}, {"data": page, "next_cursor": _encode(page[-1]["id"]) if more else None}


def _error(code: str, message: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": message or code}}


def _encode(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode()


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("bad cursor") from exc


def _handler(fake: AcmeFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            status, headers, body = fake.answer(
                url.path, parse_qs(url.query), self.headers.get("Authorization")
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``fake.requests`` instead."""

    return Handler


@contextmanager
def serve_acme(fake: AcmeFake) -> Iterator[AcmeFake]:
    """Serve ``fake`` on a free loopback port for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_customers(count: int) -> list[dict[str, Any]]:
    """``count`` real-shaped Acme customers with ids ``cus_0001``..."""
    return [
        {
            "id": f"cus_{n:04d}",
            "type": "business" if n % 3 == 0 else "individual",
            "name": f"Customer {n}",
            "email": f"customer{n}@example.com",
            "phone": None,
            "company": f"Company {n}" if n % 3 == 0 else None,
            "address": {
                "line1": f"{n} Main St",
                "city": "Springfield",
                "postal_code": "12345",
                "country": "us",
            },
            "currency": "usd",
            "metadata": {"segment": "smb"},
            "deleted": False,
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": f"2024-02-{1 + n % 28:02d}T12:00:00Z",
        }
        for n in range(1, count + 1)
    ]


def make_invoices(count: int, currency: str = "usd") -> list[dict[str, Any]]:
    """``count`` Acme invoices (two lines each, amounts in minor units of ``currency``)."""
    return [
        {
            "id": f"inv_{n:04d}",
            "number": f"ACME-{n:04d}",
            "customer_id": f"cus_{n:04d}",
            "status": "paid" if n % 2 else "open",
            "currency": currency,
            "lines": [
                {
                    "id": f"li_{n}_1",
                    "description": "Plan",
                    "quantity": 1,
                    "unit_amount": 2500,
                    "amount": 2500,
                },
                {
                    "id": f"li_{n}_2",
                    "description": "Seats",
                    "quantity": 2,
                    "unit_amount": 400,
                    "amount": 800,
                },
            ],
            "subtotal": 3300,
            "tax": 330,
            "total": 3630,
            "amount_due": 3630,
            "amount_paid": 3630 if n % 2 else 0,
            "memo": None,
            "metadata": {},
            "issued_at": "2024-03-01T00:00:00Z",
            "due_at": "2024-03-31T00:00:00Z",
            "paid_at": "2024-03-02T09:00:00Z" if n % 2 else None,
            "created_at": "2024-03-01T00:00:00Z",
            "updated_at": "2024-03-02T09:00:00Z",
        }
        for n in range(1, count + 1)
    ]
