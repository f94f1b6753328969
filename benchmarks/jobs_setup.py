"""Setup shared by the job benchmarks: a migrated database with a Stripe connection,
inbox backlogs delivered as the endpoint does (insert + enqueue in one transaction), bare
DBOS no-op backlogs, and waiting for them to finish."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

__all__ = [
    "database",
    "deliver",
    "done_items",
    "done_workflows",
    "enqueue_bare",
    "inbox_items",
    "wait_for",
]


def database(url: str, key_file: Path, schema: str = "dbos") -> tuple[sa.Engine, str]:
    """Migrate ``url``, add a Stripe connection; returns (engine, connection id)."""
    from registry import Registry, create_engine, upgrade
    from vault import LocalCredentialStore, LocalKeyring
    from webhooks.jobs import prepare_dbos

    engine = create_engine(url)
    upgrade(engine)
    prepare_dbos(url, schema)
    keyring = LocalKeyring.from_env({"CANONRY_KEY_FILE": str(key_file)}, create=True)
    store = LocalCredentialStore(engine, keyring, create_table=False)
    with Registry(url, tenant="bench", credentials=store) as registry:
        conn = registry.add_connection("bench", "stripe", credentials={"api_key": "sk_test_b"})
    return engine, conn.id


def inbox_items(connection_id: str, n: int) -> list[Any]:
    from webhooks import NewInboxItem
    from webhooks._samples import stripe_event
    from webhooks._split import split_stripe

    out = []
    for _ in range(n):
        event = stripe_event("invoice.paid")
        event["data"]["object"]["id"] = f"in_bench_{uuid.uuid4().hex[:16]}"  # N objects
        body = json.dumps(event, separators=(",", ":")).encode()
        [draft] = split_stripe(body)
        out.append(
            NewInboxItem(
                tenant="bench",
                connection_id=connection_id,
                adapter="stripe",
                vendor_event_id=draft.vendor_event_id,
                vendor_event_type=draft.vendor_event_type,
                object_type=draft.object_type,
                object_id=draft.object_id,
                occurred_at=draft.occurred_at,
                body=draft.body,
            )
        )
    return out


def deliver(engine: sa.Engine, items: list[Any], schema: str = "dbos") -> None:
    from webhooks import insert_items
    from webhooks.jobs import enqueue_items

    with engine.begin() as conn:
        new = set(insert_items(conn, items))
        enqueue_items(conn, [i.ref() for i in items if i.id in new], schema=schema)


def enqueue_bare(engine: sa.Engine, n: int) -> list[str]:
    from dbos import EnqueueOptions

    from webhooks.jobs import APP_NAME, QUEUE_NAME, dbos_client

    client = dbos_client(engine)
    ids = [uuid.uuid4().hex for _ in range(n)]
    with engine.begin() as conn:
        for wid in ids:
            options = EnqueueOptions(
                workflow_name="bench.noop_workflow",
                queue_name=QUEUE_NAME,
                workflow_id=wid,
                queue_partition_key=wid,
                application_name=APP_NAME,
            )
            client.enqueue_in_transaction(conn, options, wid)
    return ids


def wait_for(count: Callable[[], int], n: int, timeout: float = 600) -> float:
    start = time.perf_counter()
    while count() < n:
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"benchmark: jobs did not finish within {timeout}s")
        time.sleep(0.1)
    return time.perf_counter() - start


# The counters are polled while the jobs run, so they must cost the workers little: one
# indexed count each (finished so far minus finished before), no list of the round's ids.
def done_items(engine: sa.Engine) -> Callable[[], int]:
    """Items finished since this call (make it before delivering); raises if any ended
    other than ``done``."""
    table = sa.table("canonry_webhook_inbox", sa.column("tenant"), sa.column("status"))
    query = (
        sa.select(table.c.status, sa.func.count())
        .where(table.c.tenant == "bench", table.c.status.notin_(["received", "processing"]))
        .group_by(table.c.status)
    )
    with engine.connect() as conn:
        before = {str(s): int(c) for s, c in conn.execute(query).all()}

    def count() -> int:
        with engine.connect() as conn:
            found = {str(s): int(c) - before.get(str(s), 0) for s, c in conn.execute(query)}
        if any(c for s, c in found.items() if s != "done"):
            raise SystemExit(f"benchmark: jobs ended {found}, not all done")
        return found.get("done", 0)

    return count


def done_workflows(engine: sa.Engine) -> Callable[[], int]:
    """Bare no-op workflows finished since this call (make it before enqueueing)."""
    table = sa.table("workflow_status", sa.column("status"), sa.column("name"))
    query = sa.select(sa.func.count()).where(
        table.c.status == "SUCCESS", table.c.name == "bench.noop_workflow"
    )
    with engine.connect() as conn:
        before = int(conn.execute(query).scalar_one())

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one()) - before

    return count
