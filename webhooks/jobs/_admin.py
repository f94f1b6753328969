"""Operating the jobs: replay an item, list dead letters, purge old items.

These work from any process (the CLI) through a DBOS client on Canonry's database; no
worker needs to run in the same process.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical import NotFoundInRegistry
from webhooks._inbox import INBOX, InboxItem, InboxItemRef, InboxStatus, get_item
from webhooks.jobs._enqueue import dbos_client, enqueue_workflow
from webhooks.jobs._run import FIRST_PASS_STEP, HANDLER_STEP_PREFIX
from webhooks.jobs._tables import utcnow

__all__ = ["dead_letters", "purge", "replay", "running_items", "succeeded_handlers"]


def _item(engine: Engine, item_id: str, tenant: str) -> InboxItem:
    with engine.connect() as conn:
        item = get_item(conn, item_id, tenant=tenant)
    if item is None:
        raise NotFoundInRegistry(
            f"no webhook item {item_id!r}", hint="list items with `canonry webhooks list`"
        )
    return item


def _runs(client: Any, item_ids: str | list[str]) -> list[str]:
    """Workflow ids of every run of the items (the first run and each replay)."""
    wanted = {item_ids} if isinstance(item_ids, str) else set(item_ids)
    found = client.list_workflows(
        workflow_id_prefix=sorted(wanted), load_input=False, load_output=False
    )
    return [str(w.workflow_id) for w in found if str(w.workflow_id).split(":")[0] in wanted]


def running_items(engine: Engine, item_ids: Sequence[str], schema: str | None = None) -> set[str]:
    """The items among ``item_ids`` whose job runs now: a run (the first or a replay) that
    DBOS started and has not finished, including one waiting between handler retries.
    Canonry does not write a ``processing`` status (it would cost a write per job); this
    is how ``canonry webhooks list|show`` tell such items from ones still queued."""
    if not item_ids:
        return set()
    client = dbos_client(engine, schema)
    found = client.list_workflows(
        workflow_id_prefix=list(item_ids), status="PENDING", load_input=False, load_output=False
    )
    return {str(w.workflow_id).split(":")[0] for w in found} & set(item_ids)


def succeeded_handlers(engine: Engine, item_id: str, schema: str | None = None) -> list[str]:
    """Handlers that succeeded in an earlier run of the item, as its steps recorded: the
    first pass of a replay or of a run where a handler failed, and retries that ended
    without error. A first run whose handlers all succeeded records none: replaying such a
    ``done`` item runs its handlers again, with the same idempotency keys."""
    client = dbos_client(engine, schema)
    done: set[str] = set()
    for workflow_id in _runs(client, item_id):
        for step in client.list_workflow_steps(workflow_id):
            name = str(step["function_name"])
            output = step["output"]
            if name == FIRST_PASS_STEP and isinstance(output, dict):
                done.update(str(n) for n in output.get("succeeded", ()))
            elif name.startswith(HANDLER_STEP_PREFIX) and step["error"] is None:
                done.add(name[len(HANDLER_STEP_PREFIX) :])
    return sorted(done)


def replay(engine: Engine, item_id: str, *, tenant: str, schema: str | None = None) -> str:
    """Process ``tenant``'s item ``item_id`` again as a new job ``{item_id}:replay:{n}``;
    return its id. Another tenant's item is ``NotFoundInRegistry``.

    Handlers known to have succeeded for the item (``succeeded_handlers``) are skipped;
    the others run with the same idempotency keys as before. The stale check is skipped:
    replay is deliberate.
    """
    item = _item(engine, item_id, tenant)
    client = dbos_client(engine, schema)
    workflow_id = f"{item_id}:replay:{len(_runs(client, item_id))}"
    skip = succeeded_handlers(engine, item_id, schema)
    ref = InboxItemRef(
        id=item.id,
        tenant=item.tenant,
        connection_id=item.connection_id,
        adapter=item.adapter,
        vendor_event_type=item.vendor_event_type,
        object_type=item.object_type,
        object_id=item.object_id,
        occurred_at=item.occurred_at,
    )
    with engine.begin() as conn:
        conn.execute(
            INBOX.update().where(INBOX.c.id == item_id).values(status=InboxStatus.RECEIVED.value)
        )
        enqueue_workflow(
            conn, workflow_id, ref.partition_key, item_id, item.occurred_at, replay=True, skip=skip
        )
    return workflow_id


def dead_letters(
    engine: Engine,
    tenant: str,
    *,
    connection_id: str | None = None,
    limit: int = 50,
    include_failed: bool = True,
) -> list[InboxItem]:
    """Items whose handlers failed every attempt (and, by default, unparseable ones)."""
    statuses = [InboxStatus.DEAD.value]
    if include_failed:
        statuses.append(InboxStatus.FAILED.value)
    query = sa.select(INBOX).where(INBOX.c.tenant == tenant, INBOX.c.status.in_(statuses))
    if connection_id is not None:
        query = query.where(INBOX.c.connection_id == connection_id)
    query = query.order_by(INBOX.c.received_at.desc(), INBOX.c.id).limit(limit)
    with engine.connect() as conn:
        return [InboxItem.from_mapping(r) for r in conn.execute(query).mappings()]


def purge(
    engine: Engine,
    tenant: str,
    *,
    older_than: timedelta,
    statuses: Sequence[InboxStatus | str] = (InboxStatus.DONE, InboxStatus.STALE),
    now: datetime | None = None,
    schema: str | None = None,
) -> int:
    """Delete the tenant's items in ``statuses`` received before ``now - older_than``,
    with their finished DBOS workflows; return how many items were deleted."""
    cutoff = (now or utcnow()) - older_than
    wanted = [InboxStatus(s).value for s in statuses]
    query = sa.select(INBOX.c.id).where(
        INBOX.c.tenant == tenant, INBOX.c.status.in_(wanted), INBOX.c.received_at < cutoff
    )
    with engine.begin() as conn:
        ids = [str(i) for i in conn.execute(query).scalars()]
        for start in range(0, len(ids), 500):
            conn.execute(INBOX.delete().where(INBOX.c.id.in_(ids[start : start + 500])))
    client = dbos_client(engine, schema)
    for start in range(0, len(ids), 200):
        runs = _runs(client, ids[start : start + 200])
        if runs:
            client.delete_workflows(runs)
    return len(ids)
