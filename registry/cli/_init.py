"""``canonry init``: create (SQLite) and migrate the database, prepare the job queue and the
encryption keys, and git-ignore what must never be committed. Safe to run again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry.cli._common import database_url, state

if TYPE_CHECKING:
    from registry.cli._init_keys import KeyOutcome

__all__ = ["init"]


def _create_or_check(url: str) -> bool:
    """A missing SQLite file is created (mode 0600); any other database must exist."""
    from registry._database import create_sqlite_file, require_database, sqlite_path
    from registry._engine import parse_database_url

    path = sqlite_path(parse_database_url(url))
    created = create_sqlite_file(path) if path is not None else False
    require_database(url, migrated=False)
    return created


def _gitignore(url: str, keys: KeyOutcome) -> list[str]:
    """Ignore the key file and the SQLite database (with -wal/-shm) in their folders."""
    from registry._database import sqlite_path
    from registry._engine import parse_database_url
    from registry.cli._gitignore import ensure_ignored

    wanted: dict[Path, list[str]] = {}
    if keys.key_file is not None:
        wanted.setdefault(keys.key_file.parent, []).append(keys.key_file.name)
    db = sqlite_path(parse_database_url(url))
    if db is not None:
        wanted.setdefault(db.parent, []).append(f"{db.name}*")
    done = []
    for folder, patterns in wanted.items():
        added = ensure_ignored(folder, patterns)
        if added:
            done.append(f"{folder / '.gitignore'}: added {', '.join(added)}")
    return done


def init(
    ctx: typer.Context,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file", help="Where to create the local key file [default: the vault's]."
        ),
    ] = None,
    new_key: bool = typer.Option(
        False,
        "--new-key",
        help="Create a new key even though secrets encrypted under a lost key are stored "
        "(they stay unreadable: set them again).",
    ),
    gitignore: bool = typer.Option(
        True, "--gitignore/--no-gitignore", help="Git-ignore the key file and the database."
    ),
) -> None:
    """Create the database, apply migrations and create the local encryption key file."""
    from registry import Registry, create_engine, upgrade
    from registry.cli._init_keys import prepare_keys
    from webhooks.jobs import JobSettings, prepare_dbos

    url = database_url(state(ctx))
    created = _create_or_check(url)
    engine = create_engine(url)
    try:
        before, after = upgrade(engine)
        keys = prepare_keys(engine, key_file, new_key)
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    made = " (created, mode 0600)" if created else ""
    if before == after:
        typer.echo(f"database {shown}{made}: already at revision {after}")
    else:
        typer.echo(f"database {shown}{made}: migrated {before or 'empty'} -> {after}")
    jobs = JobSettings.from_env(database_url=url)
    prepare_dbos(url, jobs.dbos_schema)
    typer.echo(f"webhook job queue (DBOS tables, schema {jobs.dbos_schema}): ready")
    typer.echo(keys.message)
    for line in _gitignore(url, keys) if gitignore else []:
        typer.echo(line)
    with Registry(url, tenant=state(ctx).tenant, adapters={}) as registry:
        registry.record_audit(
            "init", shown, migrated_from=before, migrated_to=after, key_file_created=keys.created
        )
