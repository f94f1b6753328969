"""``canonry records list|show|count``: the tenant's canonical replica (the record store)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from registry.cli._common import ExitCode, fail, open_registry, print_json

if TYPE_CHECKING:
    from registry import RecordPage

__all__ = ["app"]

app = typer.Typer(help="The canonical records kept for the tenant: list, show, count.")

_JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
_MODEL = typer.Argument(..., help="customers, invoices or events.")
_CONNECTION = typer.Option(None, "--connection", help="Only this connection (name or id).")
_FILTER = typer.Option(
    None,
    "--filter",
    help="A per-model filter NAME=VALUE (repeatable), e.g. status=paid, email=a@b.c, "
    "issued_after=2026-01-01T00:00:00Z.",
)


def _filters(pairs: list[str] | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(
                f"--filter {pair!r} is not NAME=VALUE", "e.g. --filter status=paid", ExitCode.USAGE
            )
        if name.endswith(("_after", "_before")):
            found[name] = _when(name, value)
        else:
            found[name] = value
    return found


def _when(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        fail(f"{name} {value!r} is not a date-time with a time zone",
             "write it as 2026-01-31T12:00:00Z", ExitCode.USAGE)  # fmt: skip
    return parsed


def _print_page(page: RecordPage, model: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "remote id", "summary", "deleted", title=f"{model} ({len(page)})")
    for record in page:
        summary = _summary(json.loads(record.model_dump_json()))
        deleted = "yes" if getattr(record, "remote_was_deleted", False) else ""
        table.add_row(record.id, _remote_id(record), summary, deleted)
    console = Console()
    console.print(table)
    more = "more: pass --cursor to continue" if page.has_more else "no more records"
    console.print(f"next cursor: {page.next_cursor}  ({more})")


def _remote_id(record: Any) -> str:
    return str(getattr(record, "remote_id", None) or getattr(record, "vendor_event_id", ""))


def _summary(data: dict[str, Any]) -> str:
    kind = data.get("object")
    if kind == "invoice":
        total = data.get("total") or {}
        amount = f"{total.get('amount', '')} {total.get('currency', '')}".strip()
        return f"{data.get('number') or '-'} {data.get('status')} {amount}"
    if kind == "event":
        about = f"{data.get('object_type') or ''} {data.get('object_remote_id') or ''}"
        return f"{data.get('type')} {about}".strip()
    return f"{data.get('name') or '-'} {data.get('email') or ''}".strip()


@app.command("list")
def list_command(
    ctx: typer.Context,
    model: str = _MODEL,
    cursor: str | None = typer.Option(None, "--cursor", help="Resume after this cursor."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Records per page."),
    connection: str | None = _CONNECTION,
    include_deleted: bool | None = typer.Option(
        None,
        "--include-deleted/--live-only",
        help="Tombstones too (default: only when reading changes from a final cursor).",
        show_default=False,
    ),
    filters: list[str] | None = _FILTER,
    as_json: bool = _JSON,
) -> None:
    """A page of records, oldest change first, and the cursor that continues it."""
    with open_registry(ctx) as registry:
        page = registry.records(
            model, cursor=cursor, limit=limit, connection=connection,
            include_deleted=include_deleted, **_filters(filters),
        )  # fmt: skip
    if as_json:
        print_json({
            "results": [json.loads(r.model_dump_json()) for r in page],
            "next_cursor": page.next_cursor,
            "has_more": page.has_more,
        })  # fmt: skip
        return
    _print_page(page, model)


@app.command("show")
def show_command(
    ctx: typer.Context,
    model: str = _MODEL,
    record_id: str = typer.Argument(..., help="The record's Canonry id."),
    remote_data: bool = typer.Option(False, "--remote-data", help="Include the raw vendor object."),
) -> None:
    """One record as canonical JSON."""
    with open_registry(ctx) as registry:
        record = registry.record(model, record_id, include_remote_data=remote_data)
    typer.echo(json.dumps(json.loads(record.model_dump_json()), indent=2, sort_keys=True))


@app.command("count")
def count_command(
    ctx: typer.Context,
    model: str = _MODEL,
    connection: str | None = _CONNECTION,
    include_deleted: bool = typer.Option(False, "--include-deleted", help="Count tombstones too."),
    filters: list[str] | None = _FILTER,
    as_json: bool = _JSON,
) -> None:
    """How many records match."""
    with open_registry(ctx) as registry:
        count = registry.count_records(
            model, connection=connection, include_deleted=include_deleted, **_filters(filters)
        )
    if as_json:
        print_json({"count": count})
        return
    typer.echo(str(count))
