"""Which schema revision a database is at, and the newest one shipped, without Alembic.

Every command checks the revision before it works (``canonry init`` first), so this is on
the start-up path of the CLI: it reads the version table with one query and the shipped
migration scripts' ``revision``/``down_revision`` lines, where importing Alembic would cost
~0.3 s of CPU per command. ``tests/registry/test_revisions.py`` holds it to Alembic's answer.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from canonical import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["SCRIPTS", "VERSION_TABLE", "current_revision", "head_revision"]

VERSION_TABLE = "canonry_alembic_version"
"""Canonry's own version table, so it never collides with an application's Alembic history."""

SCRIPTS = Path(__file__).resolve().parent / "migrations"
_LINE = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]+)?=\s*(None|\"([^\"]*)\"|'([^']*)')\s*$", re.M
)


def _script_revisions(text: str) -> tuple[str, str | None]:
    found = {m[1]: m[3] or m[4] for m in _LINE.finditer(text)}
    if "revision" not in found or "down_revision" not in found:
        raise ConfigurationError("a migration script lacks revision/down_revision lines")
    return str(found["revision"]), found["down_revision"]


@functools.cache
def head_revision() -> str | None:
    """The newest revision shipped with this Canonry (the one no script revises)."""
    links = [
        _script_revisions(p.read_text("utf-8")) for p in (SCRIPTS / "versions").glob("[!_]*.py")
    ]
    links = [link for link in links if link[0]]
    revised = {down for _, down in links if down}
    heads = sorted(rev for rev, _ in links if rev not in revised)
    if len(heads) > 1:
        raise ConfigurationError(f"the shipped migrations have several heads: {heads}")
    return heads[0] if heads else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        query: sa.Select[Any] = sa.select(sa.column("version_num")).select_from(
            sa.table(VERSION_TABLE)
        )
        rows = conn.execute(query).scalars().all()
    if len(rows) > 1:
        raise ConfigurationError(
            f"the database records several schema revisions: {sorted(rows)}",
            hint="repair the canonry_alembic_version table (one row), then `canonry db upgrade`",
        )
    return str(rows[0]) if rows else None
