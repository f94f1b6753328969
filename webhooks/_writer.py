"""Group commit: one writer thread stores the items of many concurrent deliveries at once.

SQLite takes one writer at a time, and threads that race for its lock back off in sleeps
of up to 100 ms. So the endpoint hands each verified delivery to a single writer thread,
which takes everything waiting (up to ``max_batch`` deliveries), inserts the items and
enqueues the new ones in one transaction, commits, and only then answers each waiting
request. If a batch fails, each delivery in it is retried alone, so one delivery's
failure never fails another. On PostgreSQL the same batching saves commits. On SQLite the
WAL is checkpointed by a background thread (``WalCheckpointer``), not inside a commit.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from webhooks._checkpoint import WalCheckpointer
from webhooks._inbox import InboxItemRef, NewInboxItem, insert_items

__all__ = ["Enqueue", "InboxWriter"]

_log = logging.getLogger("canonry.webhooks")

Enqueue = Callable[[sa.Connection, list[InboxItemRef]], None]
"""Enqueues the jobs of new inbox items inside the caller's transaction."""


@dataclass
class _Pending:
    items: Sequence[NewInboxItem]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[set[str]] = field(repr=False)


def _settle(future: asyncio.Future[set[str]], result: set[str] | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class InboxWriter:
    """Stores deliveries' items (inbox insert + enqueue, one transaction per batch)."""

    def __init__(
        self,
        engine: Engine,
        enqueue: Enqueue,
        *,
        max_batch: int = 128,
        checkpoint_interval: float | None = 1.0,
    ) -> None:
        self.engine = engine
        self.enqueue = enqueue
        self.max_batch = max_batch
        self.checkpointer = (
            WalCheckpointer(engine, interval=checkpoint_interval)
            if checkpoint_interval is not None
            else None
        )
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    async def write(self, items: Sequence[NewInboxItem]) -> set[str]:
        """Store ``items``; returns the ids of those that were new. Raises what the DB raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[set[str]] = loop.create_future()
        self._start()
        self._queue.put(_Pending(items, loop, future))
        return await future

    def write_now(self, items: Sequence[NewInboxItem]) -> set[str]:
        """Store ``items`` in the calling thread (one transaction; no batching)."""
        return self._commit(items)

    def close(self) -> None:
        """Stop the writer thread after the deliveries already handed over."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)
        if self.checkpointer is not None:
            self.checkpointer.close()

    # the writer thread ------------------------------------------------------------
    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._closed:
                raise RuntimeError("the inbox writer is closed")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="canonry-inbox-writer", daemon=True
                )
                self._thread.start()
                if self.checkpointer is not None:
                    self.checkpointer.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(more)
            self._write_batch(batch)

    def _write_batch(self, batch: list[_Pending]) -> None:
        try:
            new_ids = self._commit([item for p in batch for item in p.items])
        except Exception as exc:
            if len(batch) == 1:
                self._answer(batch[0], exc)
                return
            _log.info("batch of %d deliveries failed (%s); storing each alone", len(batch), exc)
            for pending in batch:
                self._write_batch([pending])
            return
        for pending in batch:
            self._answer(pending, {i.id for i in pending.items if i.id in new_ids})

    def _answer(self, pending: _Pending, result: set[str] | BaseException) -> None:
        try:
            pending.loop.call_soon_threadsafe(_settle, pending.future, result)
        except RuntimeError:  # the request's event loop is gone: nobody is waiting
            _log.debug("a delivery's event loop closed before its answer")

    def _commit(self, items: Sequence[NewInboxItem]) -> set[str]:
        with self.engine.begin() as conn:
            new_ids = set(insert_items(conn, items))
            refs = [item.ref() for item in items if item.id in new_ids]
            if refs:
                self.enqueue(conn, refs)
        return new_ids
