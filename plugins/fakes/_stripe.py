"""A loopback Stripe API: list pagination, events, invoice lines, errors in Stripe's JSON.

Objects are built from the real ones in plugins/fakes/fixtures/stripe; every mutation
records the event Stripe would emit, so incremental syncs over ``/v1/events`` are real.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from plugins.fakes._fixtures import vendor_fixture
from plugins.fakes._http import LoopbackHTTPServer, RecordedRequest, Reply
from plugins.fakes._stripe_versions import PINNED, render_at
from plugins.fakes._stripe_wire import (
    Collection,
    Recorded,
    StripeError,
    check_event_filters,
    event_matches,
    missing,
    parse_params,
)

__all__ = ["API_KEY", "Collection", "Recorded", "StripeFake", "parse_params"]

API_KEY = "sk_test_canonry_fake_key"
Json = dict[str, Any]
_TOTALS = ("subtotal", "total", "subtotal_excluding_tax", "total_excluding_tax", "amount_due")
_RATE_LIMITED = "Request rate limit exceeded. Learn more about rate limits here."


class StripeFake:
    """An in-memory Stripe account behind a real HTTP server on 127.0.0.1."""

    def __init__(self, *, api_key: str = API_KEY, embedded_lines: int = 10, tick: int = 1) -> None:
        """``tick``: seconds the clock moves per new object (0: equal ``created`` times)."""
        self.api_key, self.embedded_lines, self.clock = api_key, embedded_lines, int(time.time())
        self.tick = tick
        self.api_version = PINNED
        """The account's default API version: new events render their object at it."""
        self.customers, self.invoices, self.events = Collection(), Collection(), Collection()
        self.deleted_customers: set[str] = set()
        self.lines: dict[str, list[Json]] = {}
        self.requests: list[Recorded] = []
        self.failures: list[tuple[Callable[[Recorded], bool], int, Json, dict[str, str]]] = []
        self._seq = 0
        self._lock = threading.RLock()
        names = ("customer", "invoice", "line_item", "event")
        self._base = {n: vendor_fixture("stripe", n) for n in names}
        self._server: LoopbackHTTPServer | None = None

    def start(self, server: LoopbackHTTPServer | None = None) -> StripeFake:
        """Serve on ``server`` (shared by tests; kept open by ``stop``) or a new one."""
        self._owns, self._server = server is None, server or LoopbackHTTPServer()
        self._server.handler = self.answer
        return self

    def stop(self) -> None:
        if self._server and self._owns:
            self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def answer(self, request: RecordedRequest) -> Reply:
        url = urlsplit(request.target)
        req = Recorded(request.method, url.path, parse_params(url.query), request.headers)
        try:
            status, body, extra = self.handle(req)
        except StripeError as exc:
            status, body, extra = exc.status, exc.body, {}
        return Reply(status, json=body, headers={"Request-Id": f"req_{self._seq}", **extra})

    def fail_next(self, status: int, error: Json, *, times: int = 1, **opts: Any) -> None:
        """Answer ``times`` requests (matching ``when``) with ``{"error": error}`` + headers."""
        when, headers = opts.get("when", lambda r: True), opts.get("headers", {})
        self.failures.extend([(when, status, {"error": error}, headers)] * times)

    def _next(self, prefix: str) -> tuple[str, int]:
        self._seq += 1
        self.clock += self.tick
        return f"{prefix}_F{self._seq:010d}", self._seq

    def _emit(self, type_: str, obj: Json) -> None:
        event_id, seq = self._next("evt")
        data = {"object": render_at(self.api_version, copy.deepcopy(obj))}
        event = {**self._base["event"], "id": event_id, "created": self.clock, "data": data}
        self.events.add({**event, "type": type_, "api_version": self.api_version}, seq)

    def _new(self, kind: str, fields: Json) -> tuple[Json, int]:
        object_id, seq = self._next("cus" if kind == "customer" else "in")
        obj = {**copy.deepcopy(self._base[kind]), "id": object_id, "created": self.clock}
        obj.update(fields)
        return obj, seq

    def create_customer(self, *, events: bool = True, **fields: Any) -> Json:
        with self._lock:
            obj, seq = self._new("customer", fields)
            self.customers.add(obj, seq)
            if events:
                self._emit("customer.created", obj)
            return obj

    def update_customer(self, object_id: str, **fields: Any) -> Json:
        with self._lock:
            self.customers.objects[object_id].update(fields)
            self._emit("customer.updated", self.customers.objects[object_id])
            return self.customers.objects[object_id]

    def delete_customer(self, object_id: str) -> None:
        with self._lock:
            obj = self.customers.remove(object_id)
            self.deleted_customers.add(object_id)
            self._emit("customer.deleted", obj)

    def create_invoice(
        self, customer: str, *, lines: int = 1, amount: int = 1000, tax: int = 0, **fields: Any
    ) -> Json:
        """An invoice of ``lines`` lines of ``amount`` minor units, each taxed ``tax`` on top
        (``events=False``: quiet)."""
        with self._lock:
            events, subtotal, taxed = fields.pop("events", True), amount * lines, tax * lines
            obj, seq = self._new("invoice", {"customer": customer, "currency": "usd", **fields})
            obj.update(dict.fromkeys(_TOTALS, subtotal), amount_paid=0)
            total = subtotal + taxed
            obj.update(total=total, amount_due=total, amount_remaining=total)
            obj.update(total_discount_amounts=[], total_taxes=_taxes(taxed, subtotal))
            obj.update(fields)
            make = self._line
            self.lines[obj["id"]] = [
                make(obj["id"], i, obj["currency"], amount, tax) for i in range(lines)
            ]
            self.invoices.add(obj, seq)
            if events:
                self._emit("invoice.created", self._render_invoice(obj, {}))
            return obj

    def _line(self, invoice_id: str, i: int, currency: str, amount: int, tax: int) -> Json:
        line = {
            **copy.deepcopy(self._base["line_item"]),
            "id": self._next("il")[0],
            "invoice": invoice_id,
            "taxes": _taxes(tax, amount),
        }
        return {**line, "amount": amount, "currency": currency, "description": f"Line {i + 1}"}

    def rate_limit_next(self, times: int = 1, *, retry_after: float | None = None) -> None:
        """Answer the next ``times`` requests 429 as Stripe does; with ``Retry-After`` only
        when given (Stripe usually sends none)."""
        error = {
            "type": "invalid_request_error",
            "code": "rate_limit",
            "message": _RATE_LIMITED,
            "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
        }
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        self.fail_next(429, error, times=times, headers=headers)

    def update_invoice(self, object_id: str, event: str = "invoice.updated", **fields: Any) -> Json:
        with self._lock:
            obj = self.invoices.objects[object_id]
            obj.update(fields)
            self._emit(event, self._render_invoice(obj, {}))
            return obj

    def delete_invoice(self, object_id: str) -> None:
        with self._lock:
            obj = self.invoices.remove(object_id)
            self._emit("invoice.deleted", self._render_invoice(obj, {}))

    def expire_events(self, before: int) -> None:
        """Drop events created before ``before`` (Stripe keeps events for 30 days)."""
        with self._lock:
            events = self.events
            for event_id in [i for i in events.ids if events.objects[i]["created"] < before]:
                self.events.remove(event_id)

    def handle(self, req: Recorded) -> tuple[int, Json, dict[str, str]]:
        with self._lock:
            self.requests.append(req)
            for n, (when, status, body, headers) in enumerate(self.failures):
                if when(req):
                    del self.failures[n]
                    return status, body, headers
            if req.headers.get("authorization") != f"Bearer {self.api_key}":
                shown = req.headers.get("authorization", "")[-4:]
                message = f"Invalid API Key provided: sk_test_****{shown}"
                raise StripeError(401, "invalid_request_error", message)
            return 200, self._route(req.path.strip("/").split("/"), req.params), {}

    def _route(self, parts: list[str], q: Json) -> Json:
        match parts:
            case ["v1", "customers"]:
                return self._list(self.customers, q, lambda o: o, "/v1/customers")
            case ["v1", "customers", cid]:
                if cid in self.deleted_customers:
                    return {"id": cid, "object": "customer", "deleted": True}
                return self._get(self.customers, f"customer: '{cid}'", cid)
            case ["v1", "invoices"]:
                render = lambda o: self._render_invoice(o, q, "data.")  # noqa: E731
                return self._list(self.invoices, q, render, "/v1/invoices")
            case ["v1", "invoices", iid]:
                return self._render_invoice(self._get(self.invoices, f"invoice: '{iid}'", iid), q)
            case ["v1", "invoices", iid, "lines"]:
                self._get(self.invoices, f"invoice: '{iid}'", iid)
                lines = Collection()
                for n, item in enumerate(reversed(self.lines[iid])):  # listed in invoice order
                    lines.add(item, n)
                return self._list(lines, q, lambda o: o, f"/v1/invoices/{iid}/lines")
            case ["v1", "events"]:
                return self._list(self.events, q, lambda o: o, "/v1/events")
        message = f"Unrecognized request URL (GET: /{'/'.join(parts)})"
        raise StripeError(404, "invalid_request_error", message)

    def _get(self, coll: Collection, what: str, object_id: str) -> Json:
        if object_id in coll.objects:
            return coll.objects[object_id]
        raise missing(what)

    def _render_invoice(self, obj: Json, q: Json, prefix: str = "") -> Json:
        items = self.lines[obj["id"]]
        shown = items[: self.embedded_lines]
        url = f"/v1/invoices/{obj['id']}/lines"
        lines = {"object": "list", "data": shown, "has_more": len(items) > len(shown), "url": url}
        out = {**obj, "lines": {**lines, "total_count": len(items)}}
        if f"{prefix}customer" in q.get("expand", []) and obj["customer"] in self.customers.objects:
            out["customer"] = self.customers.objects[obj["customer"]]
        return out

    def _list(self, coll: Collection, q: Json, render: Callable[[Json], Json], url: str) -> Json:
        if not 1 <= int(q.get("limit", 10)) <= 100:
            message = "Invalid integer: limit must be between 1 and 100"
            raise StripeError(400, "invalid_request_error", message, "parameter_invalid_integer",
                              param="limit")  # fmt: skip
        ids, seqs = coll.ids, coll.seqs
        filtered = "created" in q
        if coll is self.events:
            check_event_filters(q)
            filtered = filtered or "types" in q or "type" in q
        if filtered:
            ids = [i for i in ids if event_matches(coll.objects[i], q)]
            seqs = [coll.seq_of[i] for i in ids]
        coll.check_cursors(q)
        chosen, more = coll.page(ids, seqs, q)
        data = [render(coll.objects[i]) for i in chosen]
        return {"object": "list", "data": data, "has_more": more, "url": url}


def _taxes(amount: int, taxable: int) -> list[Json]:
    """``total_taxes`` / line ``taxes`` at the pinned version: one exclusive tax, or none."""
    if not amount:
        return []
    details = {"tax_rate": "txr_canonry_fake"}
    return [
        {
            "amount": amount,
            "tax_behavior": "exclusive",
            "tax_rate_details": details,
            "taxability_reason": "standard_rated",
            "taxable_amount": taxable,
            "type": "tax_rate_details",
        }
    ]
