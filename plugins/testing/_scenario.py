"""The replication kit's scenario runner: sync while the vendor's data changes, then compare.

A scenario is a ``Mutator``: an object with hooks the runner calls while it syncs one
stream of an adapter against a fake vendor. ``run_scenario`` drives, from one seed:

1. ``mutator.seed(rng)``: the vendor's data before the first sync.
2. A full sync (``read(stream, None)``), interrupted after one of its first three pages
   (drawn from the seed; when it has that many) and resumed on a fresh adapter from that
   page's cursor (``mutator.before_resume`` runs in between), with
   ``mutator.between_pages`` after every page.
3. ``incremental_syncs`` times: ``mutator.between_syncs(rng)``, then an incremental sync
   from the saved cursor (interrupted after page 1 or 2 and resumed, for two seeds in
   three), with ``between_pages`` after every page.
4. ``mutator.settle()`` (the vendor stops changing and catches up, e.g. a search index),
   then one last quiet sync.

Every page goes through a ``Replica`` (the record store's rules, mapped with the adapter's
default mapping) and cursors are JSON round-tripped, as the registry stores them. The
verdict compares the replica with ``mutator.state(stream)``, the fake's own store. The same
seed replays the same run exactly: keep fakes deterministic (inject their clocks).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from adapters import Adapter, Cursor, Page
from plugins.testing._replica import Replica
from plugins.testing._static import ContractViolation
from plugins.testing._verdict import ReplicationReport, VendorState, compare

__all__ = ["Mutator", "check_replication", "run_scenario"]

MAX_PAGES = 10_000
_NOTES = 5  # adapter notes kept for the diff


class Mutator:
    """Changes a fake vendor's data while the kit syncs; subclass and override the hooks.

    ``state`` is required: the vendor's final state of a stream, read from the fake's own
    store. Every hook gets the run's ``random.Random``: draw every choice from it, so one
    seed replays one run. Mutate through the fake's public methods, so the vendor records
    what the real API would (events, modification times).
    """

    @property
    def name(self) -> str:
        return type(self).__name__

    def seed(self, rng: random.Random) -> None:
        """Create the vendor's data before the first sync."""

    def between_pages(self, page: int, rng: random.Random) -> None:
        """Page ``page`` (1-based, in this run) was applied; the adapter reads on next."""

    def between_syncs(self, rng: random.Random) -> None:
        """A sync completed; the next one starts from its cursor."""

    def before_resume(self, cursor: Cursor | None, rng: random.Random) -> None:
        """A run stopped after the page whose (saved) cursor is ``cursor``; it resumes next."""

    def settle(self) -> None:
        """The last sync comes next: stop changing and let the vendor become consistent."""

    def state(self, stream: str) -> VendorState:
        """The vendor's final state of ``stream`` (its live records, the ids it deleted)."""
        raise NotImplementedError(f"{self.name} must implement state(stream)")


AdapterSource = Adapter | Callable[[], Adapter]


def run_scenario(
    adapter: AdapterSource,
    stream: str,
    mutator: Mutator,
    *,
    seed: int,
    incremental_syncs: int = 2,
    clock: Callable[[], datetime] | None = None,
) -> ReplicationReport:
    """Run one scenario from one seed; the report says what the replica got wrong (if
    anything). ``adapter``: an instance, or a factory called for every run (a fresh
    adapter per run, as after a restart; the runner closes what it made). ``clock``: when
    the replica writes (a record's version when it has no ``updated_at``; default: now)."""
    rng = random.Random(seed)  # noqa: S311 (replayable test data, no secret)
    runner = _Runner(adapter, stream, mutator, rng, clock)
    mutator.seed(rng)
    cursor = runner.sync(None, interrupt_after=rng.randint(1, 3))
    for _ in range(incremental_syncs):
        mutator.between_syncs(rng)
        cursor = runner.sync(cursor, interrupt_after=rng.choice([None, 1, 2]))
    mutator.settle()
    runner.sync(cursor, interrupt_after=None, quiet=True)
    report = ReplicationReport(stream, mutator.name, seed, syncs=runner.runs)
    report.notes = runner.notes[-_NOTES:]
    return compare(runner.replica, mutator.state(stream), report)


def check_replication(
    adapter: AdapterSource,
    stream: str,
    mutator: Mutator,
    *,
    seed: int,
    incremental_syncs: int = 2,
    clock: Callable[[], datetime] | None = None,
) -> ReplicationReport:
    """``run_scenario``, raising ``ContractViolation`` with the diff unless the replica
    equals the vendor's final state."""
    return run_scenario(
        adapter, stream, mutator, seed=seed, incremental_syncs=incremental_syncs, clock=clock
    ).check()


class _Runner:
    def __init__(
        self,
        adapter: AdapterSource,
        stream: str,
        mutator: Mutator,
        rng: random.Random,
        clock: Callable[[], datetime] | None,
    ) -> None:
        self.source, self.stream, self.mutator, self.rng = adapter, stream, mutator, rng
        self.runs = 0
        self.notes: list[str] = []
        with self._adapter() as first:
            self.replica = Replica(first, stream, **({"clock": clock} if clock else {}))

    def sync(
        self, cursor: Cursor | None, *, interrupt_after: int | None, quiet: bool = False
    ) -> Cursor | None:
        """One sync: a run, and when it was interrupted, the resumed run after it."""
        saved, stopped = self._run(cursor, interrupt_after, quiet)
        if stopped:
            self.mutator.before_resume(saved, self.rng)
            saved, _ = self._run(saved, None, quiet)
        return saved

    def _run(
        self, cursor: Cursor | None, interrupt_after: int | None, quiet: bool
    ) -> tuple[Cursor | None, bool]:
        """Read to exhaustion (or stop after page ``interrupt_after``); the saved cursor."""
        self.runs += 1
        self.replica.begin_run(cursor)
        saved = cursor
        with self._adapter() as adapter:
            pages = adapter.read(self.stream, cursor)
            try:
                for number, page in enumerate(_pages(pages, self.stream), start=1):
                    self.replica.apply(page)
                    self.notes.extend(page.notes)
                    saved = _stored(page.cursor, self.stream, number)
                    if number == interrupt_after:
                        return saved, True
                    if not quiet:
                        self.mutator.between_pages(number, self.rng)
            finally:
                close = getattr(pages, "close", None)
                if callable(close):
                    close()
        self.replica.complete()
        return saved, False

    def _adapter(self) -> _Lease:
        if isinstance(self.source, Adapter):
            return _Lease(self.source, owned=False)
        return _Lease(self.source(), owned=True)


class _Lease:
    """An adapter for one run; closed afterwards when the runner made it."""

    def __init__(self, adapter: Adapter, *, owned: bool) -> None:
        self.adapter, self.owned = adapter, owned

    def __enter__(self) -> Adapter:
        return self.adapter

    def __exit__(self, *_: Any) -> None:
        if self.owned:
            self.adapter.close()


def _pages(pages: Iterator[Page], stream: str) -> Iterator[Page]:
    for number, page in enumerate(pages, start=1):
        if not isinstance(page, Page):
            raise ContractViolation(f"read({stream!r}) yielded {page!r:.80}, not a Page")
        if number > MAX_PAGES:
            raise ContractViolation(f"read({stream!r}) did not end after {MAX_PAGES} pages")
        yield page


def _stored(cursor: Cursor | None, stream: str, number: int) -> Cursor | None:
    """The cursor as the registry stores it (JSON)."""
    try:
        loaded: Cursor | None = json.loads(json.dumps(cursor))
    except (TypeError, ValueError) as exc:
        raise ContractViolation(
            f"the cursor of page {number} of {stream!r} is not JSON-serialisable ({exc})"
        ) from None
    return loaded
