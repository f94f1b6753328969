"""``canonry webhooks replay``: one item by id (or unique prefix), or all of a status."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from registry.cli._common import ExitCode, fail, state

__all__ = ["replay"]

_CONNECTION = typer.Option(None, "--connection", help="Only this connection (name or id).")


def _since(text: str | None) -> datetime | None:
    """``--since``: an age (``30m``, ``2h``) or an ISO time (``2026-11-23T10:00``, UTC if no
    zone is given)."""
    if text is None:
        return None
    from registry.cli._webhooks import _AGE, parse_age

    if _AGE.match(text.strip().lower()):
        return datetime.now(UTC) - parse_age(text)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"cannot read the time {text!r}", "write an age like 2h or 2026-11-23T10:00",
             ExitCode.USAGE)  # fmt: skip
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def replay(
    ctx: typer.Context,
    item_id: str | None = typer.Argument(
        None, metavar="[ID]", help="Inbox item id (or a unique prefix); or use --status."
    ),
    status: str | None = typer.Option(
        None, "--status", help="Replay every item in this status: dead, failed, done or stale."
    ),
    connection: str | None = _CONNECTION,
    since: str | None = typer.Option(
        None, "--since", help="With --status: received since this age (2h) or time (ISO)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be replayed."),
) -> None:
    """Process items again (dead letters after a fix); handlers that succeeded are skipped.

    One item by ID, or after an outage every item of a status:
    `canonry webhooks replay --status dead --connection crm --since 2h --dry-run`.
    """
    from webhooks.jobs import JobSettings, replay_many
    from webhooks.jobs import replay as replay_item

    if (item_id is None) == (status is None):
        fail("give an item ID or --status", "e.g. `canonry webhooks replay --status dead`",
             ExitCode.USAGE)  # fmt: skip
    from registry.cli._webhooks import _connection_id, _engine
    from webhooks.jobs import find_item_id

    schema = JobSettings.from_env().dbos_schema
    connection_id = _connection_id(ctx, connection)
    with _engine(ctx) as engine:
        if item_id is not None:
            full_id = find_item_id(engine, state(ctx).tenant, item_id)
            if dry_run:
                typer.echo(f"would replay {full_id}")
                return
            workflow_id = replay_item(engine, full_id, tenant=state(ctx).tenant, schema=schema)
            typer.echo(f"replaying {full_id} as job {workflow_id}")
            return
        assert status is not None
        ids = replay_many(engine, state(ctx).tenant, status=_status_arg(status),
                          connection_id=connection_id, since=_since(since), dry_run=dry_run,
                          schema=schema)  # fmt: skip
    verb = "would replay" if dry_run else "replaying"
    for found in ids:
        typer.echo(f"{verb} {found}")
    typer.echo(f"{verb} {len(ids)} {status} item(s)")


def _status_arg(status: str) -> str:
    from webhooks import InboxStatus

    if status not in {s.value for s in InboxStatus}:
        known = ", ".join(s.value for s in InboxStatus)
        fail(f"unknown status {status!r}", f"use one of {known}", ExitCode.USAGE)
    return status
