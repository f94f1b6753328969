"""A small engine helper for the vault CLI: ``CANONRY_DATABASE_URL``, WAL on SQLite.

The registry owns the application's engine; this is the vault's stand-alone fallback so
``canonry vault`` works on the same database with the same SQLite settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError

from canonical import ConfigurationError

__all__ = ["DATABASE_URL_VAR", "DEFAULT_DATABASE_URL", "database_url", "make_engine"]

DATABASE_URL_VAR = "CANONRY_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///canonry.db"
_BUSY_TIMEOUT_S = 30


def database_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(DATABASE_URL_VAR) or DEFAULT_DATABASE_URL


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default from the environment); SQLite gets WAL + busy timeout.
    Parameters stay out of SQLAlchemy's logs and errors (``hide_parameters``)."""
    try:
        parsed = sa.make_url(url or database_url())
    except ArgumentError as exc:
        raise ConfigurationError(
            f"{DATABASE_URL_VAR} cannot be parsed as a database URL",
            hint="use sqlite:///path/to/canonry.db or postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("sqlite"):
        return sa.create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    engine = sa.create_engine(
        parsed, connect_args={"timeout": _BUSY_TIMEOUT_S}, hide_parameters=True
    )
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine
