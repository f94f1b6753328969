"""Replication scenarios for the Stripe fake (``plugins.fakes.StripeFake``), one per risk.

Every mutation goes through the fake's public methods, so the fake records the events the
real API would emit. Stripe lists newest first and stamps ``created`` itself, so a new
object always lands on the already-read side of a running listing (the anchor events bring
it); "both sides of the cursor" means: while a listing runs, and after it saved its cursor.
Adapters under these scenarios must read the fake's clock (``clock=lambda: fake.clock``),
as the real adapter reads Stripe's time, so that event expiry is coherent.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from adapters import Cursor
from plugins.fakes import StripeFake
from plugins.fakes._stripe_versions import PINNED, PRE_BASIL
from plugins.testing._scenario import Mutator
from plugins.testing._verdict import VendorState

__all__ = [
    "STRIPE_SCENARIOS",
    "StripeDeletedCursor",
    "StripeDeletes",
    "StripeEqualTimestamps",
    "StripeEventExpiry",
    "StripeEverything",
    "StripeInserts",
    "StripeMutator",
    "StripeOldVersions",
    "StripeRateLimited",
    "StripeUpdates",
]

_DAY = 86_400
_LINES = (1, 2, 3, 12, 25)  # more than the 10 lines Stripe embeds, sometimes


class StripeMutator(Mutator):
    """The Stripe fake's data for one stream, and the moves scenarios combine.

    ``stream`` is ``"customers"`` or ``"invoices"``; ``moves`` are the kinds of change made
    between pages and syncs (``"update"``, ``"insert"``, ``"delete"``).
    """

    moves: tuple[str, ...] = ("update", "insert", "delete")

    def __init__(self, fake: StripeFake, stream: str) -> None:
        if stream not in ("customers", "invoices"):
            raise ValueError(
                f"the Stripe scenarios know 'customers' and 'invoices', not {stream!r}"
            )
        self.fake, self.stream = fake, stream
        self.deleted: set[str] = set()
        self.payers: list[str] = []  # the invoices' customers (never deleted)
        self.version = 0

    # the vendor ---------------------------------------------------------------------------
    def seed(self, rng: random.Random) -> None:
        if self.stream == "invoices":
            self.payers = [self.fake.create_customer(name=f"Payer {n}")["id"] for n in range(2)]
        for _ in range(rng.randint(5, 11)):
            self.insert(rng)

    def state(self, stream: str) -> VendorState:
        fake = self.fake
        if stream == "customers":
            live = {i: dict(o) for i, o in fake.customers.objects.items()}
            return VendorState(live, set(fake.deleted_customers))
        invoices = {i: _with_lines(fake, o) for i, o in fake.invoices.objects.items()}
        return VendorState(invoices, set(self.deleted))

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
        coll = self.fake.customers if self.stream == "customers" else self.fake.invoices
        return [i for i in coll.ids if i not in self.payers]

    def insert(self, rng: random.Random) -> None:
        self.version += 1
        if self.stream == "customers":
            self.fake.create_customer(name=f"Customer {self.version}", metadata={"v": "0"})
            return
        lines = rng.choice(_LINES)
        amount, tax = rng.choice((500, 1234)), rng.choice((0, 50))
        payer = rng.choice(self.payers)
        self.fake.create_invoice(payer, lines=lines, amount=amount, tax=tax)

    def update(self, rng: random.Random) -> None:
        ids = self._ids()
        if not ids:
            return self.insert(rng)
        target, self.version = rng.choice(ids), self.version + 1
        if self.stream == "customers":
            email = f"v{self.version}@example.com"
            self.fake.update_customer(target, email=email, metadata={"v": str(self.version)})
            return None
        invoice = self.fake.invoices.objects[target]
        memo = f"revision {self.version}"
        if invoice["status"] == "draft" and rng.random() < 0.3:
            self.fake.update_invoice(target, "invoice.finalized", status="open", description=memo)
        elif invoice["status"] == "open" and rng.random() < 0.5:
            paid = {"amount_paid": invoice["amount_due"], "amount_remaining": 0}
            self.fake.update_invoice(target, "invoice.paid", status="paid", **paid)
        else:
            self.fake.update_invoice(target, description=memo)
        return None

    def delete(self, rng: random.Random) -> None:
        """Delete a random object (invoices: a draft, as Stripe allows)."""
        ids = self._ids()
        if self.stream == "invoices":
            ids = [i for i in ids if self.fake.invoices.objects[i]["status"] == "draft"]
        if ids:
            self.remove(rng.choice(ids))

    def remove(self, target: str) -> None:
        if self.stream == "customers":
            self.fake.delete_customer(target)
        else:
            self.fake.delete_invoice(target)
        self.deleted.add(target)


class StripeUpdates(StripeMutator):
    """Records already read change while the listing runs and between syncs."""

    moves = ("update",)


class StripeInserts(StripeMutator):
    """New records while a listing runs (behind its cursor) and after it saved its cursor."""

    moves = ("insert", "insert", "update")


class StripeDeletes(StripeMutator):
    """Deletions while a listing runs and between syncs: each must end as a tombstone."""

    moves = ("delete", "delete", "insert")


class StripeEqualTimestamps(StripeMutator):
    """Every object created in the same second (``fake.tick = 0``), with all kinds of move
    and, on half the seeds, the resume point deleted."""

    def seed(self, rng: random.Random) -> None:
        self.fake.tick = 0
        super().seed(rng)

    def before_resume(self, cursor: Cursor | None, rng: random.Random) -> None:
        if rng.random() < 0.5:
            _delete_resume_point(self, cursor)


class StripeDeletedCursor(StripeMutator):
    """The object named by the saved ``starting_after`` is deleted before the resume."""

    def before_resume(self, cursor: Cursor | None, rng: random.Random) -> None:
        _delete_resume_point(self, cursor)


class StripeEventExpiry(StripeMutator):
    """Between syncs (and on some resumes) the clock jumps past Stripe's 30-day event
    retention and older events are dropped: the adapter must fall back to a snapshot
    listing, and reconciliation must tombstone what was deleted meanwhile."""

    retention_days = 30

    def between_syncs(self, rng: random.Random) -> None:
        super().between_syncs(rng)
        self.expire(rng)

    def before_resume(self, cursor: Cursor | None, rng: random.Random) -> None:
        if rng.random() < 0.5:
            self.move(rng)
            self.expire(rng)

    def expire(self, rng: random.Random) -> None:
        self.fake.clock += (self.retention_days + rng.randint(1, 5)) * _DAY
        self.fake.expire_events(self.fake.clock - self.retention_days * _DAY)


class StripeOldVersions(StripeMutator):
    """Half the changes happen while the account's default API version is an old one
    (before Basil), so their events render the object in the old shape."""

    def move(self, rng: random.Random) -> None:
        self.fake.api_version = rng.choice((PINNED, PRE_BASIL))
        super().move(rng)
        self.fake.api_version = PINNED


class StripeRateLimited(StripeMutator):
    """Requests answered 429 (with and without ``Retry-After``) between pages. The
    adapter must not really sleep here: give it a no-op ``sleep``."""

    def between_pages(self, page: int, rng: random.Random) -> None:
        super().between_pages(page, rng)
        _rate_limit(self.fake, rng)


class StripeEverything(StripeEventExpiry, StripeOldVersions):
    """Every move at once: ties on some seeds, old-version events, deleted resume points,
    rate limits, and event expiry on some syncs."""

    def seed(self, rng: random.Random) -> None:
        self.fake.tick = rng.choice((0, 1))
        super().seed(rng)

    def between_pages(self, page: int, rng: random.Random) -> None:
        super().between_pages(page, rng)
        _rate_limit(self.fake, rng)

    def between_syncs(self, rng: random.Random) -> None:
        StripeMutator.between_syncs(self, rng)
        if rng.random() < 0.3:
            self.expire(rng)

    def before_resume(self, cursor: Cursor | None, rng: random.Random) -> None:
        choice = rng.random()
        if choice < 0.4:
            _delete_resume_point(self, cursor)
        elif choice < 0.6:
            super().before_resume(cursor, rng)


def _rate_limit(fake: StripeFake, rng: random.Random) -> None:
    if rng.random() < 0.5:
        fake.rate_limit_next(rng.randint(1, 2), retry_after=rng.choice((None, 1.0)))


def _delete_resume_point(mutator: StripeMutator, cursor: Cursor | None) -> None:
    after = (cursor or {}).get("after") if (cursor or {}).get("mode") == "full" else None
    if not isinstance(after, str) or after not in mutator._ids():
        return
    if mutator.stream == "invoices" and mutator.fake.invoices.objects[after]["status"] != "draft":
        return  # Stripe deletes draft invoices only
    mutator.remove(after)


def _with_lines(fake: StripeFake, invoice: dict[str, object]) -> dict[str, object]:
    """The invoice as a complete read returns it: every line, ``has_more`` false."""
    lines = list(fake.lines[str(invoice["id"])])
    url = f"/v1/invoices/{invoice['id']}/lines"
    listed = {"object": "list", "data": lines, "has_more": False, "total_count": len(lines)}
    return {**invoice, "lines": {**listed, "url": url}}


STRIPE_SCENARIOS: tuple[type[StripeMutator], ...] = (
    StripeUpdates,
    StripeInserts,
    StripeDeletes,
    StripeEqualTimestamps,
    StripeDeletedCursor,
    StripeEventExpiry,
    StripeOldVersions,
    StripeRateLimited,
    StripeEverything,
)
"""Every Stripe scenario, for parametrised tests."""
