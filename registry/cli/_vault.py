"""``canonry vault ...``: key status, rotation and retirement for the local credential store.

The database comes from ``CANONRY_DATABASE_URL`` (default ``sqlite:///canonry.db``), the
keys from ``CANONRY_MASTER_KEYS`` or the key file (``CANONRY_KEY_FILE``, default
``canonry.keys``). Failures are one line with the CLI's exit codes (``_common.ExitCode``).
Heavy imports happen inside the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from vault import LocalCredentialStore, RotationReport

__all__ = ["app"]

app = typer.Typer(help="Credential encryption keys: rotate, retire, status.", no_args_is_help=True)


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """``error: <what> — <what to do>`` on stderr and the shared exit code (1 refused/failed)."""
    from canonical import CanonryError
    from registry.cli._common import print_error

    try:
        yield
    except CanonryError as exc:
        raise typer.Exit(int(print_error(exc))) from None


def _local_store(ctx: typer.Context) -> LocalCredentialStore:
    import os

    from canonical import ConfigurationError
    from registry.cli._common import require_database
    from vault import LocalCredentialStore, make_engine, store_from_env

    backend = (os.environ.get("CANONRY_VAULT") or "local").strip().lower()
    if backend != "local":
        raise ConfigurationError(
            "`canonry vault` manages the keys of the local store, and CANONRY_VAULT selects "
            f"{backend!r}",
            hint="rotate keys in HashiCorp Vault itself, or unset CANONRY_VAULT",
        )
    # --database-url, else CANONRY_DATABASE_URL / the default; it must exist and be
    # migrated: the schema belongs to the registry's migrations (`canonry init`)
    url = require_database(ctx)
    store = store_from_env(make_engine(url), create_table=False)
    assert isinstance(store, LocalCredentialStore)
    return store


@app.command()
def status(ctx: typer.Context) -> None:
    """Show the encryption keys, which is primary, and how many secrets each protects."""
    from rich.console import Console
    from rich.table import Table

    with _one_line_errors():
        store = _local_store(ctx)
        usage = store.key_usage()
    wrapper = store.wrapper
    primary = wrapper.primary_key_id()
    known: list[str] = list(getattr(wrapper, "key_ids", lambda: [primary])())
    table = Table(title=f"Credential keys ({getattr(wrapper, 'source', wrapper.name)})")
    for column in ("key id", "primary", "secrets", "state"):
        table.add_column(column, justify="right" if column == "secrets" else "left")
    for key_id in known:
        state = "in use" if usage.get(key_id) else "unused"
        table.add_row(key_id, "yes" if key_id == primary else "", str(usage.get(key_id, 0)), state)
    for key_id in sorted(set(usage) - set(known)):
        table.add_row(key_id, "", str(usage[key_id]), "MISSING from keyring")
    Console().print(table)
    pending = sum(n for k, n in usage.items() if k != primary)
    if pending:
        typer.echo(f"{pending} secret(s) not under the primary key: run `canonry vault rotate`.")


def _print_report(report: RotationReport) -> None:
    how = "new primary" if report.new_key else "resumed under primary"
    typer.echo(
        f"Rewrapped {report.rewrapped} secret(s) in {report.batches} batch(es) "
        f"({how} {report.primary_key_id})."
    )
    if report.skipped:
        typer.echo(f"{report.skipped} secret(s) changed during rotation; run rotate again.")
    if report.retirable:
        keys = ", ".join(report.retirable)
        typer.echo(f"Unused keys you can retire with `canonry vault retire KEY_ID`: {keys}")


@app.command()
def rotate(
    ctx: typer.Context,
    batch_size: int = typer.Option(
        100, "--batch-size", min=1, help="Secrets rewrapped per committed transaction."
    ),
) -> None:
    """Make a new primary key and rewrap every data key under it (resumes if interrupted)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from vault import RotationProgress
    from vault import rotate as rotate_keys

    with _one_line_errors():
        store = _local_store(ctx)
        columns = (TextColumn("rewrapping"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("rotate", total=None)

            def advance(p: RotationProgress) -> None:
                bar.update(task, completed=p.done, total=p.total)

            report = rotate_keys(store, batch_size=batch_size, progress=advance)
    _print_report(report)
    if report.failed:
        for line in report.failed:
            typer.echo(f"not rewrapped: {line}", err=True)
        typer.echo(
            f"error: {len(report.failed)} secret(s) could not be rewrapped — re-store them "
            "with `canonry credentials set`, then run `canonry vault rotate` again",
            err=True,
        )
        raise typer.Exit(1)


@app.command()
def retire(
    ctx: typer.Context,
    key_id: str = typer.Argument(..., help="The key id to remove from the keyring."),
) -> None:
    """Remove an old key from the keyring; refused while any secret still uses it."""
    from vault import retire_key

    with _one_line_errors():
        retire_key(_local_store(ctx), key_id)
    typer.echo(f"Retired key {key_id}.")
