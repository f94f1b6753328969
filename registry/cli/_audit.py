"""``canonry audit``: the tenant's admin actions, newest first."""

from __future__ import annotations

import typer

from registry.cli._common import open_registry, print_json

__all__ = ["audit"]


def audit(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="How many entries."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """The audit log of the tenant (who did what, when; never secrets)."""
    with open_registry(ctx) as registry:
        entries = registry.audit_log(limit=limit)
    if as_json:
        print_json([e.model_dump(mode="json") for e in entries])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("when", "actor", "action", "target", "details")
    for e in entries:
        details = ", ".join(f"{k}={v}" for k, v in sorted(e.details.items()))
        table.add_row(e.ts.isoformat(timespec="seconds"), e.actor, e.action, e.target, details)
    Console().print(table)
