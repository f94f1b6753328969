"""``canonry schema ...``: export and check the canonical JSON Schemas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from canonical import CanonryError

__all__ = ["app"]

app = typer.Typer(help="Canonical schema: export and check versions.", no_args_is_help=True)

_USAGE_ERROR = 2
_FAILED = 1


def _console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(exc: CanonryError, code: int = _USAGE_ERROR) -> typer.Exit:
    """``error: <what> — <what to do>``, like every command."""
    hint = exc.hint or "see `canonry schema --help`"
    _console(stderr=True).print(f"error: {exc.message} — {hint}", markup=False)
    return typer.Exit(code)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@app.command("export")
def export(
    directory: Annotated[
        Path,
        typer.Option(
            "--dir", help="Root directory; files go to DIR/<schema version>/<Model>.json."
        ),
    ] = Path("schemas"),
) -> None:
    """Write the JSON Schema of every canonical model for the current schema version."""
    from rich.table import Table

    from canonical import SCHEMA_VERSION, CanonryError, export_schemas

    try:
        paths = export_schemas(directory)
    except CanonryError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"canonical schema {SCHEMA_VERSION}")
    table.add_column("model")
    table.add_column("file", overflow="fold")
    table.add_column("bytes", justify="right")
    for path in paths:
        table.add_row(path.stem, _shown(path), str(path.stat().st_size))
    _console().print(table)


@app.command("diff")
def diff(
    old_dir: Annotated[Path, typer.Argument(help="Version directory of the old schemas.")],
    new_dir: Annotated[Path, typer.Argument(help="Version directory of the new schemas.")],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1 unless the version bump between the directory names fits the change.",
        ),
    ] = False,
) -> None:
    """Classify the change between two exported schema versions: patch, minor or major."""
    from canonical import (
        CanonryError,
        check_version_bump,
        classify_change,
        load_schemas,
        parse_version,
    )

    try:
        if check:  # the versions are the directory names: refuse bad names up front
            parse_version(old_dir.name), parse_version(new_dir.name)
        change = classify_change(load_schemas(old_dir), load_schemas(new_dir))
    except CanonryError as exc:
        raise _fail(exc) from exc
    console = _console()
    console.print(f"{old_dir.name} -> {new_dir.name}: {change.kind.value}", markup=False)
    for reason in change.reasons:
        console.print(f"  {reason}", markup=False)
    if not check:
        return
    try:
        check_version_bump(old_dir.name, new_dir.name, change)
    except CanonryError as exc:
        raise _fail(exc, code=_FAILED) from exc
    console.print(f"version bump {old_dir.name} -> {new_dir.name} fits the change", markup=False)
