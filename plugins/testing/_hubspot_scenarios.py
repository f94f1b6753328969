"""Replication scenarios for the HubSpot fake (``plugins.fakes.HubSpotFake``), one per risk.

Every change goes through the fake's public methods (``create``, ``update``, ``archive``,
``associate``), so modification times and the search index move as HubSpot's do. HubSpot
syncs by last-modified time, so a new or changed record lands *after* a running search's
position, and a write at a time already passed (a tie, or a late-indexed write) lands
*behind* it. HubSpot has no events and no object cursors: the Stripe scenarios of event
expiry and deleted resume points have no HubSpot counterpart; archived records are its
deletions (the adapter lists them with ``archived=true``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from plugins.fakes import HubSpotFake, Reply
from plugins.testing._scenario import Mutator
from plugins.testing._verdict import VendorState

__all__ = [
    "HUBSPOT_SCENARIOS",
    "HubSpotDeletes",
    "HubSpotEqualTimestamps",
    "HubSpotEverything",
    "HubSpotFlaky",
    "HubSpotInserts",
    "HubSpotLateIndex",
    "HubSpotMutator",
    "HubSpotUpdates",
]

Json = dict[str, Any]
_LINES = (1, 2, 3, 7, 12)  # more than one association page, sometimes
_PRICES = ("12.50", "40.00", "99.99")


class HubSpotMutator(Mutator):
    """The HubSpot fake's data for one stream, and the moves scenarios combine.

    ``stream`` is ``"contacts"``, ``"companies"`` or ``"invoices"``; ``moves`` are the
    kinds of change made between pages and syncs (``"update"``, ``"insert"``,
    ``"delete"``).
    """

    moves: tuple[str, ...] = ("update", "insert", "delete")

    def __init__(self, fake: HubSpotFake, stream: str) -> None:
        if stream not in ("contacts", "companies", "invoices"):
            known = "'contacts', 'companies' and 'invoices'"
            raise ValueError(f"the HubSpot scenarios know {known}, not {stream!r}")
        self.fake, self.stream = fake, stream
        self.payers: list[str] = []  # the contacts the invoices bill
        self.version = 0
        self.tie_at: int | None = None  # a time that new records share (a tie), if any

    # the vendor ---------------------------------------------------------------------------
    def seed(self, rng: random.Random) -> None:
        if self.stream == "invoices":
            self.fake.association_page_size = rng.choice((2, 5, 500))
            names = ({"firstname": f"Payer {n}"} for n in range(2))
            self.payers = [self.fake.create("contacts", props)["id"] for props in names]
        for _ in range(rng.randint(5, 11)):
            self.insert(rng)

    def state(self, stream: str) -> VendorState:
        records = self.fake.objects.get(stream, {})
        live = {i: self._render(r) for i, r in records.items() if not r["archived"]}
        return VendorState(live, {i for i, r in records.items() if r["archived"]})

    def _render(self, record: Json) -> Json:
        out = _wire(record)
        if self.stream != "invoices":
            return out
        lines = self.fake.links.get(("invoices", "line_items"), {}).get(record["id"], [])
        out["line_items"] = [_wire(self.fake.objects["line_items"][i]) for i in lines]
        out["associations"] = {
            kind: {"results": [{"id": i} for i in self.fake.links.get(("invoices", kind), {})
                               .get(record["id"], [])]}
            for kind in ("contacts", "companies")
        }  # fmt: skip
        return out

    # the hooks ------------------------------------------------------------------------------
    def between_pages(self, page: int, rng: random.Random) -> None:
        if rng.random() < 0.7:
            self.move(rng)

    def between_syncs(self, rng: random.Random) -> None:
        for _ in range(rng.randint(1, 4)):
            self.move(rng)

    # the moves ------------------------------------------------------------------------------
    def move(self, rng: random.Random) -> None:
        actions: dict[str, Callable[[random.Random], None]] = {
            "update": self.update,
            "insert": self.insert,
            "delete": self.delete,
        }
        actions[rng.choice(self.moves)](rng)

    def _ids(self) -> list[str]:
        records = self.fake.objects.get(self.stream, {})
        return sorted(i for i, r in records.items() if not r["archived"] and i not in self.payers)

    def insert(self, rng: random.Random) -> None:
        now = self.fake.now_ms
        self._insert(rng)
        self.fake.now_ms = max(now, self.fake.now_ms)  # a write ``at`` a past time: the
        # portal's clock does not go back with it

    def _insert(self, rng: random.Random) -> None:
        self.version += 1
        v, at = self.version, self.tie_at
        if self.stream == "contacts":
            props = {"firstname": f"First{v}", "lastname": "Doe", "email": f"c{v}@example.com"}
            self.fake.create("contacts", props, at=at, lag=self.lag(rng))
        elif self.stream == "companies":
            props = {"name": f"Company {v}", "city": "Lyon"}
            self.fake.create("companies", props, at=at, lag=self.lag(rng))
        else:
            self._invoice(rng, at)

    def _invoice(self, rng: random.Random, at: int | None) -> None:
        """An invoice with its line items and billed contact, made in one step (HubSpot's
        create takes the associations along)."""
        price = rng.choice(_PRICES)
        lines = [
            self.fake.create("line_items", {"name": f"Line {n + 1}", "quantity": "1",
                             "price": price, "amount": price,
                             "hs_line_item_currency_code": "USD"})["id"]
            for n in range(rng.choice(_LINES))
        ]  # fmt: skip
        total = f"{float(price) * len(lines):.2f}"
        props = {"hs_currency": "USD", "hs_subtotal": total, "hs_amount_billed": total,
                 "hs_invoice_status": "draft", "hs_number": f"INV-{self.version}",
                 "hs_amount_paid": "0", "hs_balance_due": total}  # fmt: skip
        invoice = self.fake.create("invoices", props, at=at, lag=self.lag(rng))["id"]
        for line in lines:
            self.fake.associate("invoices", invoice, "line_items", line)
        self.fake.associate("invoices", invoice, "contacts", rng.choice(self.payers))

    def update(self, rng: random.Random) -> None:
        ids = self._ids()
        if not ids:
            return self.insert(rng)
        target, self.version = rng.choice(ids), self.version + 1
        changes = self._changes(target, rng)
        self.fake.update(self.stream, target, changes, lag=self.lag(rng))
        return None

    def lag(self, rng: random.Random) -> int | None:
        """The index lag of one write (None: the fake's own)."""
        return None

    def _changes(self, target: str, rng: random.Random) -> Json:
        v = self.version
        if self.stream == "contacts":
            cleared = rng.random() < 0.2  # HubSpot reads a cleared property back as ""
            return {"email": f"v{v}@example.com", "phone": None if cleared else f"+3361234{v:04d}"}
        if self.stream == "companies":
            return {"description": f"revision {v}", "city": rng.choice(("Lyon", None))}
        invoice = self.fake.objects["invoices"][target]["properties"]
        if invoice["hs_invoice_status"] == "open" and rng.random() < 0.5:
            due = invoice["hs_amount_billed"]
            return {"hs_invoice_status": "paid", "hs_amount_paid": due, "hs_balance_due": "0"}
        if invoice["hs_invoice_status"] == "draft" and rng.random() < 0.3:
            return {"hs_invoice_status": "open", "hs_comments": f"revision {v}"}
        return {"hs_comments": rng.choice((f"revision {v}", None))}

    def delete(self, rng: random.Random) -> None:
        ids = self._ids()
        if ids:
            self.fake.archive(self.stream, rng.choice(ids))


class HubSpotUpdates(HubSpotMutator):
    """Records already read change (some properties cleared) while searches run."""

    moves = ("update",)


class HubSpotInserts(HubSpotMutator):
    """New records while a search runs (ahead of its position) and between syncs."""

    moves = ("insert", "insert", "update")


class HubSpotDeletes(HubSpotMutator):
    """Records archived while a search runs and between syncs: each must be a tombstone."""

    moves = ("delete", "delete", "insert")


class HubSpotEqualTimestamps(HubSpotMutator):
    """The seeded records and some new ones share one last-modified time (more than a page
    of ties), returned in a different random order by every search."""

    def seed(self, rng: random.Random) -> None:
        self.fake.search_index.tie_seed = rng.randrange(2**32)
        self.tie_at = self.fake.now_ms + 1
        super().seed(rng)

    def insert(self, rng: random.Random) -> None:
        keep = self.tie_at
        if rng.random() < 0.5:
            self.tie_at = None
        super().insert(rng)
        self.tie_at = keep


class HubSpotLateIndex(HubSpotMutator):
    """The search index lags writes (by a few later writes, each write its own lag), so a
    record becomes searchable after records written later; the index catches up before the
    last sync (``settle``)."""

    def seed(self, rng: random.Random) -> None:
        self.fake.search_index.lag = rng.randint(1, 4)
        super().seed(rng)

    def lag(self, rng: random.Random) -> int | None:
        return rng.choice((None, 0, rng.randint(1, 8)))

    def settle(self) -> None:
        self.fake.flush_index()


class HubSpotFlaky(HubSpotMutator):
    """Between pages, reads fail for a while: 429s (with ``Retry-After``), association
    and batch reads answered 207 with errors for some objects. The adapter must not really
    sleep here: give it a no-op ``sleep`` and rate limiters."""

    def between_pages(self, page: int, rng: random.Random) -> None:
        super().between_pages(page, rng)
        _flake(self, rng)


class HubSpotEverything(HubSpotLateIndex, HubSpotEqualTimestamps):
    """Every move at once: a lagging index, ties in random order, flaky reads."""

    def between_pages(self, page: int, rng: random.Random) -> None:
        super().between_pages(page, rng)
        _flake(self, rng)


def _flake(mutator: HubSpotMutator, rng: random.Random) -> None:
    fake, choice = mutator.fake, rng.random()
    if choice < 0.2:
        retry = {"Retry-After": "1"}
        body = {"status": "error", "category": "RATE_LIMITS", "message": "Too many requests"}
        fake.fail_next(Reply(429, json=body, headers=retry), times=rng.randint(1, 2))
    elif choice < 0.5 and mutator.stream == "invoices":
        invoices = mutator._ids()
        lines = sorted(fake.objects.get("line_items", {}))
        if invoices and rng.random() < 0.5:
            fake.fail_associations(rng.choice(invoices), times=rng.randint(1, 2))
        elif lines:
            fake.fail_reads(rng.choice(lines), times=rng.randint(1, 2))


def _wire(record: Json) -> Json:
    """A record as HubSpot's API returns it (the fake's bookkeeping left out)."""
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    out["properties"] = dict(record["properties"])
    return out


HUBSPOT_SCENARIOS: tuple[type[HubSpotMutator], ...] = (
    HubSpotUpdates,
    HubSpotInserts,
    HubSpotDeletes,
    HubSpotEqualTimestamps,
    HubSpotLateIndex,
    HubSpotFlaky,
    HubSpotEverything,
)
"""Every HubSpot scenario, for parametrised tests."""
