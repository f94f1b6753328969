"""Does a replica equal the vendor's final state? The kit's verdict, with a readable diff.

The vendor's state is given as raw records (``VendorState``: what the vendor holds, in the
shape the adapter emits, complete) and mapped with the same default mapping as the
replica, so both sides are canonical objects. Four kinds of failure, each listed by id:

- **lost**: the vendor holds the record live; the replica lacks it or holds a tombstone.
- **stale**: the replica holds another version than the vendor's last (the fields that
  differ, replica value -> vendor value).
- **missed deletion**: the vendor deleted (or never had) a record the replica holds live.
- **incomplete invoice**: an ``Invoice`` whose lines are fewer than the vendor's, whose
  line amounts do not sum to its subtotal, or (when it states its tax) whose subtotal less
  discount plus tax is not its total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from canonical import Invoice
from plugins.testing._replica import Replica, content
from plugins.testing._static import ContractViolation

__all__ = ["ReplicationReport", "VendorState", "compare"]

_SHOWN = 8  # ids listed per kind of failure
_FIELDS = 4  # fields listed per stale record


@dataclass
class VendorState:
    """What the vendor holds for one stream: ``live`` raw records by id (complete, e.g.
    invoices with every line, in the shape the adapter emits) and the ids it ``deleted``."""

    live: dict[str, dict[str, Any]]
    deleted: set[str] = field(default_factory=set)


@dataclass
class ReplicationReport:
    """The verdict of one scenario run; ``ok`` when every list is empty."""

    stream: str
    scenario: str
    seed: int
    live: int = 0
    tombstones: int = 0
    syncs: int = 0
    lost: list[str] = field(default_factory=list)
    stale: dict[str, list[str]] = field(default_factory=dict)
    missed_deletions: list[str] = field(default_factory=list)
    incomplete: dict[str, str] = field(default_factory=dict)
    deletions_seen: int = 0
    reconciled: int = 0
    """Tombstones that a completed full listing made (records it no longer showed)."""
    notes: list[str] = field(default_factory=list)
    """The adapter's last ``Page.notes`` (fallbacks it took), for the diff."""

    @property
    def ok(self) -> bool:
        return not (self.lost or self.stale or self.missed_deletions or self.incomplete)

    def summary(self) -> str:
        return (
            f"{self.scenario} on {self.stream!r} (seed {self.seed}, {self.syncs} syncs): "
            f"{self.live} live, {self.tombstones} tombstones ({self.deletions_seen} of the "
            f"vendor's deletions, {self.reconciled} by reconciliation); {len(self.lost)} lost, "
            f"{len(self.stale)} stale, {len(self.missed_deletions)} missed deletions, "
            f"{len(self.incomplete)} incomplete invoices"
        )

    def diff(self) -> str:
        lines = [self.summary()]
        if self.lost:
            lines.append(f"  lost (live at the vendor, not in the replica): {_ids(self.lost)}")
        for remote_id, fields in list(self.stale.items())[:_SHOWN]:
            lines.append(f"  stale {remote_id}: " + "; ".join(fields[:_FIELDS]))
        if self.missed_deletions:
            what = "missed deletions (gone at the vendor, live in the replica)"
            lines.append(f"  {what}: {_ids(self.missed_deletions)}")
        for remote_id, why in list(self.incomplete.items())[:_SHOWN]:
            lines.append(f"  incomplete invoice {remote_id}: {why}")
        lines.extend(f"  adapter note: {note}" for note in self.notes)
        lines.append(f"  replay: the same scenario with seed={self.seed} repeats this run exactly")
        return "\n".join(lines)

    def check(self) -> ReplicationReport:
        """Raise ``ContractViolation`` with the diff unless the replica is exact."""
        if not self.ok:
            raise ContractViolation(self.diff())
        return self


def compare(replica: Replica, vendor: VendorState, report: ReplicationReport) -> ReplicationReport:
    """Fill ``report`` with every difference between ``replica`` and ``vendor``."""
    live = replica.live()
    report.live, report.tombstones = len(live), len(replica.tombstones())
    for remote_id, raw in sorted(vendor.live.items()):
        want = replica.map(raw)
        got = live.get(remote_id)
        if got is None:
            report.lost.append(remote_id)
            continue
        fields = _field_diff(content(got), content(want))
        if fields:
            report.stale[remote_id] = fields
        if isinstance(got, Invoice) and isinstance(want, Invoice):
            problem = _incomplete(got, want)
            if problem:
                report.incomplete[remote_id] = problem
    report.missed_deletions = sorted(set(live) - set(vendor.live))
    report.deletions_seen = len(vendor.deleted & replica.tombstones())
    report.reconciled = len(replica.tombstoned_by_reconcile & replica.tombstones())
    return report


def _field_diff(got: dict[str, Any], want: dict[str, Any], prefix: str = "") -> list[str]:
    """``field: replica value -> vendor value`` for each field that differs (nested dicts
    and lists of dicts down to the first differing item)."""
    out: list[str] = []
    for name in sorted(set(got) | set(want)):
        mine, theirs = got.get(name), want.get(name)
        if mine == theirs:
            continue
        where = f"{prefix}{name}"
        if isinstance(mine, dict) and isinstance(theirs, dict):
            out.extend(_field_diff(mine, theirs, f"{where}."))
        elif isinstance(mine, list) and isinstance(theirs, list):
            out.append(_list_diff(mine, theirs, where))
        else:
            out.append(f"{where}: {_short(mine)} -> {_short(theirs)}")
    return out


def _list_diff(mine: list[Any], theirs: list[Any], where: str) -> str:
    if len(mine) != len(theirs):
        return f"{where}: {len(mine)} items -> {len(theirs)} items"
    n = next(i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
    if isinstance(mine[n], dict) and isinstance(theirs[n], dict):
        return "; ".join(_field_diff(mine[n], theirs[n], f"{where}[{n}]."))
    return f"{where}[{n}]: {_short(mine[n])} -> {_short(theirs[n])}"


def _incomplete(got: Invoice, want: Invoice) -> str | None:
    if len(got.lines) < len(want.lines):
        return f"{len(got.lines)} of {len(want.lines)} lines"
    if got.subtotal is None:
        return None
    total = sum((line.amount.amount for line in got.lines), Decimal(0))
    if total != got.subtotal.amount:
        return f"lines sum to {total}, subtotal is {got.subtotal.amount}"
    if got.total is None or got.tax is None:
        return None  # the vendor states no tax: the total cannot be checked
    discount = got.discount.amount if got.discount is not None else Decimal(0)
    if got.subtotal.amount - discount + got.tax.amount != got.total.amount:
        return (
            f"subtotal {got.subtotal.amount} - discount {discount} + tax {got.tax.amount} "
            f"is not the total {got.total.amount}"
        )
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _ids(ids: list[str]) -> str:
    more = f" (+{len(ids) - _SHOWN} more)" if len(ids) > _SHOWN else ""
    return ", ".join(ids[:_SHOWN]) + more
