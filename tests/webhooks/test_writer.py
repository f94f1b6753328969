"""The group-commit writer: batches, per-delivery fallback, WAL checkpoints off the request path."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.webhooks.conftest import Env
from webhooks import InboxItemRef, InboxWriter, NewInboxItem
from webhooks._checkpoint import WalCheckpointer


def _item(env: Env, event: str, kind: str = "invoice.paid") -> NewInboxItem:
    return NewInboxItem(
        tenant="acme",
        connection_id=env.stripe,
        adapter="stripe",
        vendor_event_id=event,
        vendor_event_type=kind,
        object_type="invoice",
        object_id="in_1",
        occurred_at=datetime.now(UTC),
        body=b"{}",
    )


class SlowThenPicky:
    """Holds the first batch back until released (so the next deliveries pile up), refuses
    "boom" events."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.first = threading.Event()
        self.release = threading.Event()

    def __call__(self, conn: sa.Connection, refs: list[InboxItemRef]) -> None:
        if not self.batches:
            self.first.set()
            self.release.wait(120)
        self.batches.append(len(refs))
        if any(r.vendor_event_type == "boom" for r in refs):
            raise RuntimeError("enqueue refused")


def test_one_bad_delivery_does_not_fail_the_others_in_its_batch(env: Env) -> None:
    enqueue = SlowThenPicky()
    writer = InboxWriter(env.engine, enqueue, checkpoint_interval=None)

    async def run() -> list[set[str] | BaseException]:
        first = asyncio.ensure_future(writer.write([_item(env, "evt_0")]))
        assert await asyncio.to_thread(enqueue.first.wait, 120)
        rest = [
            asyncio.ensure_future(writer.write([_item(env, "evt_1")])),
            asyncio.ensure_future(writer.write([_item(env, "evt_2", "boom")])),
            # evt_1 also earlier
            asyncio.ensure_future(writer.write([_item(env, "evt_3"), _item(env, "evt_1")])),
        ]
        deadline = time.monotonic() + 120
        while writer._queue.qsize() < 3:  # all three are waiting behind the held batch
            assert time.monotonic() < deadline, "the deliveries never reached the writer"
            await asyncio.sleep(0.005)
        enqueue.release.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    try:
        results = asyncio.run(run())
    finally:
        writer.close()
    assert enqueue.batches[:2] == [1, 3]  # the three waiting deliveries went as one batch
    ok0, ok1, boom, ok3 = results
    assert isinstance(boom, RuntimeError)
    assert isinstance(ok1, set)
    assert isinstance(ok3, set)
    assert (len(ok0), len(ok1), len(ok3)) == (1, 1, 1)  # evt_1 in the last one: a duplicate
    assert env.inbox_count() == 3


def test_a_closed_writer_refuses_new_work(env: Env) -> None:
    writer = InboxWriter(env.engine, env.enqueue, checkpoint_interval=None)
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(writer.write([_item(env, "evt_9")]))


def test_the_checkpointer_takes_over_wal_checkpoints_and_gives_them_back(env: Env) -> None:
    def autocheckpoint() -> int:
        with env.engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())

    checkpointer = WalCheckpointer(env.engine, interval=0.01)
    assert autocheckpoint() == 1000  # SQLite's default until started
    checkpointer.start()
    assert autocheckpoint() == 0
    checkpointer.checkpoint()
    checkpointer.close()
    assert autocheckpoint() == 1000
