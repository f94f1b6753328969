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

from canonical import CanonryError, ConfigurationError, NotFoundInRegistry
from webhooks._inbox import INBOX, InboxItem, InboxStatus, get_item, get_item_any_tenant
from webhooks.jobs._enqueue import dbos_client, enqueue_workflow
from webhooks.jobs._gate import as_ref
from webhooks.jobs._progress import Progress
from webhooks.jobs._settings import JobSettings
from webhooks.jobs._tables import utcnow

__all__ = [
    "dead_letters",
    "find_item_id",
    "purge",
    "replay",
    "replay_many",
    "running_items",
    "succeeded_handlers",
]

_MIN_PREFIX = 4
_REPLAYABLE = (InboxStatus.DEAD, InboxStatus.FAILED, InboxStatus.DONE, InboxStatus.STALE)


def _item(engine: Engine, item_id: str, tenant: str) -> InboxItem:
    with engine.connect() as conn:
        item = get_item(conn, item_id, tenant=tenant)
    if item is None:
        raise NotFoundInRegistry(
            f"no webhook item {item_id!r}", hint="list items with `canonry webhooks list`"
        )
    return item


def find_item_id(engine: Engine, tenant: str, given: str) -> str:
    """The id of the tenant's item ``given`` names: the whole id, or a unique prefix of it
    (at least 4 characters). ``NotFoundInRegistry`` for none, ``ConfigurationError`` when
    several items start with it."""
    given = given.strip().lower()
    if len(given) < _MIN_PREFIX or not given.isalnum():
        raise ConfigurationError(
            f"{given!r} is not an item id or a prefix of one",
            hint=f"give at least {_MIN_PREFIX} characters of the id `canonry webhooks list` shows",
        )
    query = (
        sa.select(INBOX.c.id)
        .where(INBOX.c.tenant == tenant, INBOX.c.id.startswith(given, autoescape=True))
        .order_by(INBOX.c.id)
        .limit(2)
    )
    with engine.connect() as conn:
        found = [str(i) for i in conn.execute(query).scalars()]
    if given in found or len(found) == 1:
        return given if given in found else found[0]
    if not found:
        raise NotFoundInRegistry(
            f"no webhook item {given!r}", hint="list items with `canonry webhooks list`"
        )
    raise ConfigurationError(
        f"more than one webhook item starts with {given!r}",
        hint="give more characters of the id",
    )


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
    is how ``canonry webhooks list|show`` tell such items from ones still queued.

    Read straight from DBOS's ``workflow_status`` table (a run's id is the item's id, or
    ``{id}:...`` for later rounds and replays), so a listing never imports DBOS."""
    if not item_ids:
        return set()
    settings = JobSettings(dbos_schema=schema) if schema else JobSettings()  # validates it
    dbos_schema = settings.dbos_schema
    sqlite = engine.dialect.name == "sqlite"
    table = "workflow_status" if sqlite else f'"{dbos_schema}".workflow_status'
    ids = list(dict.fromkeys(item_ids))
    runs = " OR ".join(
        f"workflow_uuid = :i{n} OR workflow_uuid LIKE :p{n}" for n in range(len(ids))
    )
    params: dict[str, str] = {}
    for n, item_id in enumerate(ids):
        if not item_id.isalnum():  # inbox ids are hex: no LIKE wildcard can hide in one
            raise ValueError(f"not an inbox item id: {item_id!r}")
        params[f"i{n}"], params[f"p{n}"] = item_id, f"{item_id}:%"
    query = sa.text(
        f"SELECT workflow_uuid FROM {table} WHERE status = 'PENDING' AND ({runs})"  # noqa: S608
    )
    with engine.connect() as conn:
        found = conn.execute(query, params).scalars().all()
    return {str(w).split(":")[0] for w in found} & set(ids)


def succeeded_handlers(engine: Engine, item_id: str, schema: str | None = None) -> list[str]:
    """Handlers recorded as succeeded for the item: those of a job where a handler failed
    (or of a replay). A first run whose handlers all succeeded records none."""
    del schema  # the record is the inbox row's progress (DBOS steps held it before)
    with engine.connect() as conn:
        item = get_item_any_tenant(conn, item_id)
    return sorted(Progress.from_json(item.progress).done) if item is not None else []


def replay(engine: Engine, item_id: str, *, tenant: str, schema: str | None = None) -> str:
    """Process ``tenant``'s item ``item_id`` again as a new run ``{item_id}:replay:{n}``;
    return its id. Another tenant's item is ``NotFoundInRegistry``.

    A dead or failed item skips the handlers that already succeeded for it; the others run
    with the same idempotency keys as before. A done (or stale) item runs its handlers
    again, with the same keys. The stale check is skipped: replay is deliberate. A run of
    the item still queued or waiting for a retry is superseded.
    """
    item = _item(engine, item_id, tenant)
    progress = Progress.from_json(item.progress)
    keep = progress.for_replay() if item.progress else None
    run_round = item.run_round + 1
    workflow_id = f"{item_id}:replay:{run_round}"
    with engine.begin() as conn:
        changed = conn.execute(
            INBOX.update()
            .where(INBOX.c.id == item_id, INBOX.c.run_round == item.run_round)
            .values(
                status=InboxStatus.RECEIVED.value,
                run_round=run_round,
                next_attempt_at=None,
                progress=keep.to_json() if keep is not None else None,
            )
        )
        if changed.rowcount != 1:
            error = CanonryError(
                f"webhook item {item_id!r} changed while it was being replayed",
                hint="run the replay again",
            )
            error.retryable = True
            raise error
        enqueue_workflow(
            conn, workflow_id, as_ref(item), replay=True, run_round=run_round, schema=schema
        )
    return workflow_id


def replay_many(
    engine: Engine,
    tenant: str,
    *,
    status: InboxStatus | str = InboxStatus.DEAD,
    connection_id: str | None = None,
    since: datetime | None = None,
    dry_run: bool = False,
    limit: int = 10_000,
    schema: str | None = None,
) -> list[str]:
    """Replay the tenant's items in ``status`` (of one connection, received at or after
    ``since``), oldest first, at most ``limit``; with ``dry_run`` only list them. Returns
    the item ids (replayed, or that would be)."""
    wanted = InboxStatus(status)
    if wanted not in _REPLAYABLE:
        raise ConfigurationError(
            f"items that are {wanted.value} are not finished, so they cannot be replayed",
            hint="replay dead, failed, done or stale items",
        )
    query = sa.select(INBOX.c.id).where(INBOX.c.tenant == tenant, INBOX.c.status == wanted.value)
    if connection_id is not None:
        query = query.where(INBOX.c.connection_id == connection_id)
    if since is not None:
        query = query.where(INBOX.c.received_at >= since)
    query = query.order_by(INBOX.c.occurred_at, INBOX.c.id).limit(limit)
    with engine.connect() as conn:
        ids = [str(i) for i in conn.execute(query).scalars()]
    if not dry_run:
        for item_id in ids:
            replay(engine, item_id, tenant=tenant, schema=schema)
    return ids


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
